package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.pad.PadMode;
import dev.panamax.nn.TorchValues;
import dev.panamax.nn.tensor.Tensor;

/**
 * ReflectionPad1d, ReplicationPad1d, ConstantPad1d and a circular Pad1d on {@code [2, 2, 5]},
 * against PyTorch 1.13 (outputs, and input gradients for upstream gradients {@code (i % 7 - 3) / 2}),
 * and one unbatched sequence through the same layer.
 */
class Pad1dTest {

    @Test
    void reflect() {
        check(new ReflectionPad1d(3, 1), new long[] {2, 2, 9}, new float[] {-2.25f, 1f, -0.75f, -2.5f, -0.75f, 1f, -2.25f, -0.5f, -2.25f, 1.5f, -0.25f, -2f, 1.25f, -2f, -0.25f, 1.5f, -1.75f, 1.5f, 0.25f, -1.5f, 1.75f, 0f, 1.75f, -1.5f, 0.25f, 2f, 0.25f, -1f, 2.25f, 0.5f, -1.25f, 0.5f, 2.25f, -1f, 0.75f, -1f},
                new float[] {0f, 0f, 0f, -1f, -1.5f, 1f, 2f, -1.5f, -1.5f, -0.5f, -1.5f, 0.5f, 0.5f, 1.5f, 0.5f, -0.5f, -1f, -1f, 1f, 1.5f});
    }

    @Test
    void replicate() {
        check(new ReplicationPad1d(4, 2), new long[] {2, 2, 11}, new float[] {-2.5f, -2.5f, -2.5f, -2.5f, -2.5f, -0.75f, 1f, -2.25f, -0.5f, -0.5f, -0.5f, 1.25f, 1.25f, 1.25f, 1.25f, 1.25f, -2f, -0.25f, 1.5f, -1.75f, -1.75f, -1.75f, 0f, 0f, 0f, 0f, 0f, 1.75f, -1.5f, 0.25f, 2f, 2f, 2f, -1.25f, -1.25f, -1.25f, -1.25f, -1.25f, 0.5f, 2.25f, -1f, 0.75f, 0.75f, 0.75f},
                new float[] {-2.5f, 1f, 1.5f, -1.5f, -1.5f, 0.5f, -0.5f, 0f, 0.5f, 1f, 0f, 1.5f, -1.5f, -1f, 0f, -0.5f, 0f, 0.5f, 1f, -1f});
    }

    @Test
    void constant() {
        check(new ConstantPad1d(2, 3, 0.5f), new long[] {2, 2, 10}, new float[] {0.5f, 0.5f, -2.5f, -0.75f, 1f, -2.25f, -0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 1.25f, -2f, -0.25f, 1.5f, -1.75f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0f, 1.75f, -1.5f, 0.25f, 2f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, -1.25f, 0.5f, 2.25f, -1f, 0.75f, 0.5f, 0.5f, 0.5f},
                new float[] {-0.5f, 0f, 0.5f, 1f, 1.5f, 1f, 1.5f, -1.5f, -1f, -0.5f, -1f, -0.5f, 0f, 0.5f, 1f, 0.5f, 1f, 1.5f, -1.5f, -1f});
    }

    @Test
    void circular() {
        check(new Pad1d(2, 3, PadMode.CIRCULAR, 0f), new long[] {2, 2, 10}, new float[] {-2.25f, -0.5f, -2.5f, -0.75f, 1f, -2.25f, -0.5f, -2.5f, -0.75f, 1f, 1.5f, -1.75f, 1.25f, -2f, -0.25f, 1.5f, -1.75f, 1.25f, -2f, -0.25f, 0.25f, 2f, 0f, 1.75f, -1.5f, 0.25f, 2f, 0f, 1.75f, -1.5f, -1f, 0.75f, -1.25f, 0.5f, 2.25f, -1f, 0.75f, -1.25f, 0.5f, 2.25f},
                new float[] {-2f, -1f, 0f, -0.5f, 0.5f, 1f, 2f, -0.5f, -1f, 0f, 0.5f, -2f, -1f, 2f, -0.5f, 0f, 1f, 2f, -2f, -1f});
    }

    @Test
    void unbatchedAndRefusals() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.of(arena, input(), 2, 2, 5);
            ReflectionPad1d pad = new ReflectionPad1d(3, 1);
            Tensor batched = pad.forward(x, arena);
            assertThat(pad.forward(x.select(0, 1), arena).toFloatArray()).containsExactly(batched.select(0, 1).contiguous(arena)
                    .toFloatArray());
            assertThatThrownBy(() -> new ReflectionPad1d(5).forward(x, arena)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> new ConstantPad1d(-1, 2, 0f)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(">= 0");
            assertThatThrownBy(() -> pad.forward(Tensor.zeros(arena, 5), arena)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("[N, C, L]");
        }
    }

    private static float[] input() {
        float[] x = new float[20];
        for (int i = 0; i < 20; i++) {
            x[i] = ((i * 7 % 20) - 10) / 4f;
        }
        return x;
    }

    private static void check(Pad1d pad, long[] shape, float[] y, float[] gx) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor out = pad.forward(Tensor.of(arena, input(), 2, 2, 5), arena);
            assertThat(out.shape()).containsExactly(shape);
            TorchValues.assertClose("y", out.toFloatArray(), y);
            float[] up = new float[y.length];
            for (int i = 0; i < up.length; i++) {
                up[i] = (i % 7 - 3) / 2f;
            }
            TorchValues.assertClose("gradient", pad.backward(Tensor.of(arena, up, shape), arena).toFloatArray(), gx);
        }
    }
}
