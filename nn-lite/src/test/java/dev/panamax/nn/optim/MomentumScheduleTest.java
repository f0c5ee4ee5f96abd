package dev.panamax.nn.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.tensor.Tensor;

/**
 * Momentum cycled with the rate, as PyTorch 1.13's CyclicLR and OneCycleLR with their default
 * {@code cycle_momentum=True}: SGD under CyclicLR (triangular2, 4 steps up, 2 down) for 14 steps
 * and Adam (beta1) under OneCycleLR for 12, every step's rate and momentum and the parameter after
 * the last, against torch.optim in float64 over {@link OptimizerTrajectory}'s parameter and
 * gradients.
 */
class MomentumScheduleTest {

    @Test
    void cyclicSgd() {
        run(ps -> new Sgd(ps, 0.01f, 0.9f), Schedule.cyclic(0.01, 0.1, 4, 2, Schedule.CycleMode.TRIANGULAR2, 1),
                Schedule.cyclicMomentum(0.8, 0.9, 4, 2, Schedule.CycleMode.TRIANGULAR2, 1), CYC_RATES, CYC_MOM, CYC_P);
    }

    @Test
    void oneCycleAdam() {
        run(ps -> Adam.adam(ps, Adam.Options.adam().lr(0.01f)), Schedule.oneCycle(0.05, 12, 0.3, 25, 1e4),
                Schedule.oneCycleMomentum(0.85, 0.95, 12, 0.3), ONE_RATES, ONE_MOM, ONE_P);
    }

    @Test
    void optimizersWithoutMomentumAreRefused() {
        try (Arena arena = Arena.ofConfined()) {
            List<Parameter> ps = List.of(new Parameter("w", Tensor.zeros(arena, 3), Tensor.zeros(arena, 3)));
            Schedule momenta = Schedule.cyclicMomentum(0.8, 0.9, 4, 2, Schedule.CycleMode.TRIANGULAR, 1);
            try (Sgd plain = new Sgd(ps, 0.1f, 0f, 0f, false, 0f);
                 Adagrad adagrad = new Adagrad(ps, Adagrad.Options.defaults())) {
                assertThatThrownBy(() -> new LrScheduler(plain, Schedule.constant(0.1), momenta))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("built without momentum");
                assertThatThrownBy(() -> new LrScheduler(adagrad, Schedule.constant(0.1), momenta))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Adagrad");
            }
            assertThatThrownBy(() -> Schedule.cyclicMomentum(0.8, 1.2, 4, 2, Schedule.CycleMode.TRIANGULAR, 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[0, 1)");
        }
    }

    private static void run(Function<List<Parameter>, Optimizer> make, Schedule rates, Schedule momenta, double[] wantRates,
                            double[] wantMomenta, float[] wantParameter) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor value = OptimizerTrajectory.start(arena);
            Tensor grad = Tensor.zeros(arena, 37);
            try (Optimizer opt = make.apply(List.of(new Parameter("p", value, grad)))) {
                LrScheduler scheduler = new LrScheduler(opt, rates, momenta);
                for (int s = 0; s < wantRates.length; s++) {
                    assertThat(scheduler.currentRate()).as("rate at step %d", s).isCloseTo(wantRates[s], within(1e-15));
                    assertThat(scheduler.currentMomentum()).as("momentum at step %d", s).isCloseTo(wantMomenta[s], within(1e-15));
                    assertThat(((MomentumOptimizer) opt).momentum()).isEqualTo((float) wantMomenta[s]);
                    OptimizerTrajectory.gradient(grad, s);
                    opt.step();
                    scheduler.step();
                }
            }
            float[] got = value.toFloatArray();
            for (int i = 0; i < 37; i++) {
                assertThat(got[i]).as("parameter %d", i).isCloseTo(wantParameter[i],
                        within(3e-6f * Math.max(1f, Math.abs(wantParameter[i]))));
            }
        }
    }

    private static final double[] CYC_RATES = {
            0.01, 0.032500000000000015, 0.055, 0.0775, 0.09999999999999999, 0.054999999999999966,
            0.01, 0.021250000000000022, 0.03249999999999998, 0.043750000000000004, 0.054999999999999966, 0.032500000000000036,
            0.01, 0.015624999999999997};
    private static final double[] CYC_MOM = {
            0.9, 0.875, 0.8500000000000001, 0.8250000000000001, 0.8, 0.8500000000000001,
            0.9, 0.8875, 0.875, 0.8625, 0.8500000000000001, 0.875,
            0.9, 0.89375};
    private static final float[] CYC_P = {
            -1.54755557f, -1.03285414f, -0.415277489f, 0.108382305f, 0.857477658f, 1.69316025f, -1.26762445f, -0.313883141f,
            -0.120182061f, 0.886057697f, 1.35229895f, -1.24755557f, -0.732854142f, -0.115277489f, 0.408382305f, 1.15747766f,
            -1.70683975f, -0.967624449f, -0.0138831409f, 0.179817939f, 1.1860577f, 1.65229895f, -0.947555571f, -0.432854142f,
            0.184722511f, 0.708382305f, 1.45747766f, -1.40683975f, -0.667624449f, 0.286116859f, 0.479817939f, 1.4860577f,
            -1.74770105f, -0.647555571f, -0.132854142f, 0.484722511f, 1.0083823f};
    private static final double[] ONE_RATES = {
            0.0020000000000000018, 0.01748948271097915, 0.04396425795610644, 0.049720771772545594, 0.04665064849207059, 0.04058728269748815,
            0.032368949884755166, 0.023131855133348752, 0.014153049910434961, 0.00667387650944153, 0.0017283493712697611, 2e-07};
    private static final double[] ONE_MOM = {
            0.95, 0.9177302443521267, 0.8625744625914449, 0.8505584586887436, 0.856698729810778, 0.8688255099070633,
            0.8852622412794547, 0.9037365046793212, 0.9216941869558779, 0.9366525935914912, 0.9465436874322102, 0.95};
    private static final float[] ONE_P = {
            -1.78674505f, -1.04711051f, -0.385275917f, 0.241694858f, 0.972305304f, 1.67062211f, -1.26690279f, -0.548071096f,
            0.0885368572f, 0.766140398f, 1.47907124f, -1.48674505f, -0.747110511f, -0.085275917f, 0.541694858f, 1.2723053f,
            -1.72937789f, -0.966902793f, -0.248071096f, 0.388536857f, 1.0661404f, 1.77907124f, -1.18674505f, -0.447110511f,
            0.214724083f, 0.841694858f, 1.5723053f, -1.42937789f, -0.666902793f, 0.0519289037f, 0.688536857f, 1.3661404f,
            -1.62092876f, -0.886745054f, -0.147110511f, 0.514724083f, 1.14169486f};
}
