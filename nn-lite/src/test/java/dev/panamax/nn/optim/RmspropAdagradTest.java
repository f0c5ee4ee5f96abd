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
 * RMSprop and Adagrad against {@code torch.optim} 1.13 in float64: four steps on 37 parameters
 * (two vectors and a scalar tail on 16 lanes) with fixed gradients, the parameters after them
 * printed by PyTorch.
 */
class RmspropAdagradTest {

    @Test
    void rmspropDefaults() {
        check(ps -> new Rmsprop(ps, Rmsprop.Options.defaults()), new float[] {-1.74064054f, -1.08150798f, -0.494608095f, 0.267350603f, 0.955180676f, 1.7336514f, -1.29768854f, -0.494497076f,
            -0.0440328751f, 0.80622608f, 1.39005834f, -1.44064059f, -0.781507964f, -0.19460809f, 0.567350615f, 1.25518063f,
            -1.66634869f, -0.99768859f, -0.194497064f, 0.255967129f, 1.10622609f, 1.6900583f, -1.14064063f, -0.481507952f,
            0.105391914f, 0.867350567f, 1.5551807f, -1.36634862f, -0.697688578f, 0.105502948f, 0.555967111f, 1.40622604f,
            -1.70994168f, -0.840640561f, -0.181507955f, 0.405391911f, 1.16735064f});
    }

    @Test
    void rmspropCentredMomentumDecay() {
        check(ps -> new Rmsprop(ps, Rmsprop.Options.defaults().lr(0.02f).alpha(0.9f).eps(1e-6f).weightDecay(0.01f).momentum(0.9f).centered(true)), new float[] {-1.56036909f, -0.922583491f, -0.569252291f, 0.285511476f, 0.892072521f, 1.77403581f, -1.34541561f, -0.406569367f,
            -0.242102497f, 0.96606989f, 1.18692625f, -1.26106425f, -0.622986488f, -0.270033675f, 0.584748226f, 1.19131461f,
            -1.61026376f, -1.04601616f, -0.107725938f, 0.0575245464f, 1.2651589f, 1.48656895f, -0.961761601f, -0.323418957f,
            0.0291854064f, 0.8839948f, 1.49055576f, -1.31165473f, -0.746618837f, 0.191113325f, 0.357151716f, 1.56424535f,
            -1.90940752f, -0.662461023f, -0.024021156f, 0.328404962f, 1.18325133f});
    }

    @Test
    void rmspropMomentum() {
        check(ps -> new Rmsprop(ps, Rmsprop.Options.defaults().momentum(0.5f)), new float[] {-1.634377f, -1.11357646f, -0.543378257f, 0.242012179f, 0.929614437f, 1.74373842f, -1.30447676f, -0.442529639f,
            -0.176777246f, 0.890008011f, 1.26468711f, -1.33437705f, -0.813576452f, -0.243378253f, 0.542012191f, 1.22961439f,
            -1.65626168f, -1.00447681f, -0.142529627f, 0.123222758f, 1.19000802f, 1.56468706f, -1.0343771f, -0.51357644f,
            0.0566217518f, 0.842012143f, 1.52961446f, -1.35626161f, -0.704476798f, 0.157470384f, 0.42322274f, 1.49000797f,
            -1.83531292f, -0.734377028f, -0.213576443f, 0.356621749f, 1.14201221f});
    }

    @Test
    void adagradDefaults() {
        check(ps -> new Adagrad(ps, Adagrad.Options.defaults()), new float[] {-1.79400947f, -1.09818067f, -0.409430006f, 0.296730875f, 0.995523865f, 1.70337516f, -1.29978188f, -0.589446163f,
            0.0855818772f, 0.800688913f, 1.48897667f, -1.49400951f, -0.798180654f, -0.109430001f, 0.596730887f, 1.29552382f,
            -1.69662494f, -0.999781924f, -0.289446151f, 0.385581882f, 1.10068892f, 1.78897662f, -1.19400956f, -0.498180642f,
            0.190570003f, 0.89673084f, 1.59552389f, -1.39662487f, -0.699781912f, 0.0105538607f, 0.685581864f, 1.40068888f,
            -1.61102336f, -0.894009489f, -0.198180645f, 0.49057f, 1.19673091f});
    }

    @Test
    void adagradDecays() {
        check(ps -> new Adagrad(ps, Adagrad.Options.defaults().lr(0.1f).lrDecay(0.1f).weightDecay(0.01f).initialAccumulatorValue(0.5f).eps(1e-8f)), new float[] {-1.7356595f, -1.07630842f, -0.476534432f, 0.248185844f, 0.964184461f, 1.71194104f, -1.28697272f, -0.521198556f,
            0.0043274551f, 0.814861919f, 1.45439432f, -1.43614724f, -0.777086635f, -0.177023446f, 0.547381486f, 1.26364782f,
            -1.67910467f, -0.987501444f, -0.221858872f, 0.303766813f, 1.11427665f, 1.75369007f, -1.13663615f, -0.477864803f,
            0.122488468f, 0.846577732f, 1.56311156f, -1.37988939f, -0.688030391f, 0.0774789469f, 0.603208136f, 1.4136904f,
            -1.63824315f, -0.837126101f, -0.178642929f, 0.422001307f, 1.14577478f});
    }

    @Test
    void negativeSettingsAreRefused() {
        try (Arena arena = Arena.ofConfined()) {
            List<Parameter> ps = List.of(new Parameter("p", Tensor.zeros(arena, 3), Tensor.zeros(arena, 3)));
            assertThatThrownBy(() -> new Rmsprop(ps, Rmsprop.Options.defaults().momentum(-1f)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("momentum");
            assertThatThrownBy(() -> new Adagrad(ps, Adagrad.Options.defaults().lrDecay(-0.1f)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lr_decay");
        }
    }

    private static void check(Function<List<Parameter>, Optimizer> make, float[] expected) {
        try (Arena arena = Arena.ofConfined()) {
            float[] p0 = new float[37];
            for (int i = 0; i < 37; i++) {
                p0[i] = ((i * 7) % 37 - 18) / 10f;
            }
            Tensor value = Tensor.of(arena, p0, 37);
            Tensor grad = Tensor.zeros(arena, 37);
            try (Optimizer opt = make.apply(List.of(new Parameter("p", value, grad)))) {
                for (int s = 0; s < 4; s++) {
                    opt.zeroGrad();
                    for (int i = 0; i < 37; i++) {
                        grad.set((((i * 5 + s * 3) % 11) - 5) / 4f, i);
                    }
                    opt.step();
                }
            }
            float[] got = value.toFloatArray();
            for (int i = 0; i < 37; i++) {
                assertThat(got[i]).as("parameter %d", i).isCloseTo(expected[i], within(2e-6f * Math.max(1f, Math.abs(expected[i]))));
            }
        }
    }
}
