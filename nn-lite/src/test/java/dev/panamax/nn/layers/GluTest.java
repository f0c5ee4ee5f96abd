package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.TorchValues;
import dev.panamax.nn.tensor.Tensor;

/** GLU against PyTorch 1.13 in float64: halved along a middle and along the last dimension, forward and backward. */
class GluTest {

    @Test
    void middleDimension() {
        check(new GLU(1), new long[] {2, 6, 3}, new long[] {2, 3, 3}, new float[] {-2.45272343f, -1.71422319f, -0.0685226833f, 0.134470711f, 0.902617472f, 2.24227584f, -1.84828364f, -0.0736663977f, 0.0791526761f, 0f, 0.487001426f, 1.62647166f, -2.20199269f, -0.0740656802f, -0.0264781841f, 0.377540669f, 1.4316388f, -2.29908891f},
                new float[] {-0.817574476f, -0.467515415f, 0f, 0.134470711f, 0.541570483f, -0.791391473f, -0.46207091f, 0f, 0.118729014f, 0.447439356f, 0.0556858282f, -0f, 0.0491529833f, 0.413786492f, -0.467757861f, 0.0701037165f, -0f, 0.0301786189f, 0.182425524f, -0.417429794f, -0.348529642f, 0f, 0.0277746301f, 0.158869105f, -0.377540669f, -0.330378184f, 0f, 0f, -0.283712521f, -0.246362245f, -0f, -0.0349756932f, -0.0222716187f, -0.235003712f, -0.242837172f, -0f});
    }

    @Test
    void lastDimension() {
        check(new GLU(), new long[] {3, 3, 4}, new long[] {3, 3, 2}, new float[] {-1.01773089f, -1.14117544f, 0.198671537f, 0.858332029f, 0.311676944f, 0.154176037f, -0.791391473f, 0.154023637f, -1.16666667f, -0.8896323f, 0.48675323f, -1.14607379f, 0.0649691691f, 0.395255302f, -0.293599026f, 0.0462910501f, -1.10126061f, -0.431079172f},
                new float[] {-0.339243631f, -0.311229666f, 0.67247217f, 0.21542007f, 0f, 0.151470358f, 0f, 0.299154155f, 0.935030831f, -0.102784025f, 0.0202493921f, -0.138329204f, -0.395695736f, 0f, 0.0825455048f, 0f, 0.25f, 0.762541972f, -0.291666667f, -0.211250332f, -0.208608527f, -0.229214758f, -0.385212356f, 0.310339869f, 0f, 0.0912127619f, 0f, 0.161575323f, 0.880797078f, -0.0555492602f, -0.0349978618f, -0.0437196165f, -0.330378184f, 0f, 0.186797825f, -0f});
    }

    @Test
    void oddDimensionIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> new GLU().forward(Tensor.zeros(arena, 2, 5), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be even").hasMessageContaining("5");
        }
    }

    private static void check(GLU glu, long[] in, long[] out, float[] y, float[] gx) {
        float[] x = new float[36];
        for (int i = 0; i < 36; i++) {
            x[i] = ((i * 7 % 36) - 18) / 6f;
        }
        try (Arena arena = Arena.ofConfined()) {
            Tensor result = glu.forward(Tensor.of(arena, x, in), arena);
            assertThat(result.shape()).containsExactly(out);
            TorchValues.assertClose("y", result.toFloatArray(), y);
            float[] g = new float[18];
            for (int i = 0; i < 18; i++) {
                g[i] = ((i % 5) - 2) / 2f;
            }
            TorchValues.assertClose("gradient", glu.backward(Tensor.of(arena, g, out), arena).toFloatArray(), gx);
        }
    }
}
