package dev.panamax.nn.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.tensor.Tensor;

/**
 * Adamax, RAdam and NAdam over eight steps of a 37-element parameter (two vectors and a scalar
 * tail), against torch.optim 1.13 in float64 (Adamax, RAdam: both its momentum steps and, from step
 * 6 with beta2 0.9, its rectified ones), and for NAdam against the formula of the paper and of
 * PyTorch from 2.0 in float64 (PyTorch 1.13 counts mu_t twice in the momentum divisor; the same
 * reference with that slip equals torch 1.13's NAdam to 1.4e-9).
 */
class AdamFamilyTest {

    @Test
    void adamax() {
        OptimizerTrajectory.check(ps -> new Adamax(ps, Adamax.defaults().lr(0.05f).betas(0.8f, 0.95f).eps(1e-6f)
                .weightDecay(0.01f)), 8, ADAMAX);
    }

    @Test
    void radamMomentumThenRectified() {
        OptimizerTrajectory.check(ps -> new Radam(ps, Radam.defaults().lr(0.05f).betas(0.8f, 0.9f).eps(1e-6f)
                .weightDecay(0.01f)), 8, RADAM);
    }

    @Test
    void radamDefaultsStayOnMomentum() {
        OptimizerTrajectory.check(ps -> new Radam(ps, Radam.defaults().lr(0.05f)), 8, RADAM_DEFAULT);
    }

    @Test
    void nadam() {
        OptimizerTrajectory.check(ps -> new Nadam(ps, Nadam.Options.defaults().lr(0.05f).betas(0.8f, 0.95f).eps(1e-6f)
                .weightDecay(0.01f).momentumDecay(0.1f)), 8, NADAM);
    }

    @Test
    void nadamResumesFromItsStepCount() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor a = OptimizerTrajectory.start(arena);
            Tensor b = OptimizerTrajectory.start(arena);
            Tensor ga = Tensor.zeros(arena, 37);
            Tensor gb = Tensor.zeros(arena, 37);
            Nadam.Options o = Nadam.Options.defaults().lr(0.05f);
            try (Nadam first = new Nadam(List.of(new Parameter("p", a, ga)), o);
                 Nadam second = new Nadam(List.of(new Parameter("p", b, gb)), o)) {
                for (int s = 0; s < 3; s++) {
                    OptimizerTrajectory.gradient(ga, s);
                    first.step();
                }
                Map<String, Tensor> saved = first.stateDict();
                second.loadStateDict(saved);
                b.copyFrom(a);
                for (int s = 3; s < 6; s++) {
                    OptimizerTrajectory.gradient(ga, s);
                    OptimizerTrajectory.gradient(gb, s);
                    first.step();
                    second.step();
                }
                assertThat(b.toFloatArray()).containsExactly(a.toFloatArray());
            }
        }
    }

    @Test
    void badSettingsAreRefused() {
        try (Arena arena = Arena.ofConfined()) {
            List<Parameter> ps = List.of(new Parameter("p", Tensor.zeros(arena, 3), Tensor.zeros(arena, 3)));
            assertThatThrownBy(() -> new Adamax(ps, Adamax.defaults().betas(1f, 0.9f)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Adamax").hasMessageContaining("betas");
            assertThatThrownBy(() -> new Radam(ps, Radam.defaults().lr(-1f)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RAdam");
            assertThatThrownBy(() -> new Nadam(ps, Nadam.Options.defaults().momentumDecay(-1f)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("momentum_decay");
        }
    }

    private static final float[] ADAMAX = new float[] {
            -1.68005599f, -1.03349074f, -0.457381832f, 0.29680433f, 0.923515646f, 1.7290165f, -1.29587588f, -0.4877347f,
            -0.00257335508f, 0.869203726f, 1.3898523f, -1.38081868f, -0.734294754f, -0.15820499f, 0.595991559f, 1.22263766f,
            -1.65957899f, -0.996723214f, -0.188577883f, 0.296733095f, 1.16842772f, 1.68900547f, -1.08158406f, -0.435103471f,
            0.140971193f, 0.895181892f, 1.52175906f, -1.36056401f, -0.697574531f, 0.110576722f, 0.596039566f, 1.467652f,
            -1.70145876f, -0.782352039f, -0.135926119f, 0.440146682f, 1.19437544f};
    private static final float[] RADAM = new float[] {
            -1.66385848f, -1.07359076f, -0.47700785f, 0.262048228f, 0.928399555f, 1.70864666f, -1.28666673f, -0.506085582f,
            0.000764597576f, 0.86550855f, 1.44071649f, -1.36478264f, -0.774522017f, -0.177932441f, 0.56112263f, 1.22747432f,
            -1.6807709f, -0.987597568f, -0.207016876f, 0.299836031f, 1.16457742f, 1.73979517f, -1.06570696f, -0.475453504f,
            0.121142884f, 0.86019702f, 1.52654959f, -1.38170612f, -0.688528632f, 0.0920514848f, 0.598907266f, 1.46364631f,
            -1.64974018f, -0.766631294f, -0.176385223f, 0.420218123f, 1.15927158f};
    private static final float[] RADAM_DEFAULT = new float[] {
            -1.65745055f, -1.08572565f, -0.490059764f, 0.262222077f, 0.937822617f, 1.72413093f, -1.2981748f, -0.511765002f,
            -0.0109211733f, 0.879652348f, 1.45022797f, -1.3574506f, -0.785725639f, -0.190059759f, 0.562222088f, 1.23782257f,
            -1.67586916f, -0.998174844f, -0.21176499f, 0.289078831f, 1.17965236f, 1.75022793f, -1.05745065f, -0.485725627f,
            0.109940245f, 0.862222041f, 1.53782264f, -1.37586909f, -0.698174832f, 0.0882350216f, 0.589078813f, 1.47965231f,
            -1.64977205f, -0.757450577f, -0.18572563f, 0.409940242f, 1.16222211f};
    private static final float[] NADAM = new float[] {
            -1.77126125f, -1.01920581f, -0.443330719f, 0.305978349f, 0.90919972f, 1.67764968f, -1.29691181f, -0.507749173f,
            0.0358487445f, 0.838446579f, 1.3828368f, -1.47226128f, -0.720147339f, -0.144348227f, 0.604921298f, 1.20818804f,
            -1.70752768f, -0.997917298f, -0.208904053f, 0.334919267f, 1.1373432f, 1.68188713f, -1.17326276f, -0.421092197f,
            0.154634882f, 0.903868424f, 1.50717793f, -1.40883803f, -0.698924276f, 0.0899379525f, 0.633990465f, 1.43623899f,
            -1.70728156f, -0.874265552f, -0.122050445f, 0.453618629f, 1.20281991f};
}
