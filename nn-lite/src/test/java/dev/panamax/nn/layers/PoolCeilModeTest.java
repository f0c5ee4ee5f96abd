package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.pool.PoolGeometry;
import dev.panamax.nn.tensor.Tensor;

/**
 * {@code ceil_mode=True} pools against PyTorch 1.13 (float64, the values written out below): the
 * extra windows at the bottom and right edges, clipped, and the average's divisor there (the
 * window's positions inside the padded input when padding counts, inside the input when not).
 */
class PoolCeilModeTest {

    /** {@code ((arange(48) * 7 % 48) - 20) / 8} as {@code [1, 1, 6, 8]}: distinct values. */
    private static float[] input() {
        float[] x = new float[48];
        for (int i = 0; i < 48; i++) {
            x[i] = ((i * 7 % 48) - 20) / 8f;
        }
        return x;
    }

    @Test
    void maxPoolAddsClippedWindowsOnOddSizes() {
        check(new MaxPool2d(PoolWindow.of(2).withCeilMode(true)), 3, 4,
                new float[] {-0.625f, 1.125f, 2.875f, 2.75f, 1.375f, 3.125f, 3f, 0.625f, 3.375f, 3.25f, 0.875f, 2.625f},
                new float[] {0f, 0f, 0f, 0f, 0f, 0f, 1f, 0f, 0f, 0.25f, 0f, 0.5f, 0f, 0.75f, 0f, 0f, 0f, 0f, 0f, 0f, 1.75f,
                    0f, 0f, 0f, 0f, 1.25f, 0f, 1.5f, 0f, 0f, 0f, 2f, 0f, 0f, 2.5f, 0f, 0f, 0f, 0f, 0f, 0f, 2.25f, 0f, 0f, 0f,
                    2.75f, 0f, 3f});
    }

    @Test
    void maxPoolWithPaddingAndStride() {
        check(new MaxPool2d(PoolWindow.of(3, 2, 1).withCeilMode(true)), 4, 5,
                new float[] {-0.625f, 1.125f, 2.875f, 2.875f, -1.375f, 1.375f, 3.125f, 3.125f, 2.875f, 0.625f, 3.375f,
                    3.375f, 3.125f, 2.625f, 2.625f, 3.375f, 3.375f, 0.875f, 2.625f, 2.625f},
                new float[] {0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0.25f, 0f, 0.5f, 0f, 4f, 0f, 1.25f, 0f, 0f, 0f, 0f, 0f, 0f,
                    0f, 0f, 0f, 1.5f, 0f, 7f, 0f, 0f, 0f, 2.5f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 14f, 0f, 0f, 0f, 4.5f, 0f,
                    17f});
    }

    @Test
    void averageCountingPaddingDividesByThePaddedWindow() {
        check(new AvgPool2d(PoolWindow.of(3, 2, 1).withCeilMode(true), true), 4, 5,
                new float[] {-0.694444444f, -0.166666667f, 1f, 0.166666667f, -0.625f, -0.0416666667f, 1.25f, 1f,
                    -0.583333333f, -0.1875f, 1.29166667f, 1.25f, -0.333333333f, 0.75f, 0.8125f, 0.979166667f, 0.125f, 0f,
                    0.875f, 0.65625f},
                new float[] {0.0277777778f, 0.0833333333f, 0.0555555556f, 0.138888889f, 0.0833333333f, 0.194444444f,
                    0.111111111f, 0.319444444f, 0.194444444f, 0.444444444f, 0.25f, 0.555555556f, 0.305555556f,
                    0.666666667f, 0.361111111f, 0.986111111f, 0.166666667f, 0.361111111f, 0.194444444f, 0.416666667f,
                    0.222222222f, 0.472222222f, 0.25f, 0.666666667f, 0.472222222f, 1f, 0.527777778f, 1.11111111f,
                    0.583333333f, 1.22222222f, 0.638888889f, 1.68055556f, 0.305555556f, 0.638888889f, 0.333333333f,
                    0.694444444f, 0.361111111f, 0.75f, 0.388888889f, 1.01388889f, 0.972222222f, 2.01388889f, 1.04166667f,
                    2.15277778f, 1.11111111f, 2.29166667f, 1.18055556f, 3.05555556f});
    }

    @Test
    void averageWithoutPaddingDividesByTheInputPart() {
        check(new AvgPool2d(PoolWindow.of(3, 2, 1).withCeilMode(true), false), 4, 5,
                new float[] {-1.5625f, -0.25f, 1.5f, 0.25f, -1.875f, -0.0625f, 1.25f, 1f, -0.583333333f, -0.375f, 1.9375f,
                    1.25f, -0.333333333f, 0.75f, 1.625f, 2.9375f, 0.25f, 0f, 1.75f, 2.625f},
                new float[] {0.0625f, 0.145833333f, 0.0833333333f, 0.208333333f, 0.125f, 0.291666667f, 0.166666667f,
                    0.791666667f, 0.3125f, 0.590277778f, 0.277777778f, 0.625f, 0.347222222f, 0.763888889f, 0.416666667f,
                    1.875f, 0.25f, 0.444444444f, 0.194444444f, 0.416666667f, 0.222222222f, 0.472222222f, 0.25f,
                    1.08333333f, 0.708333333f, 1.23611111f, 0.527777778f, 1.11111111f, 0.583333333f, 1.22222222f,
                    0.638888889f, 2.72222222f, 0.458333333f, 0.791666667f, 0.333333333f, 0.694444444f, 0.361111111f,
                    0.75f, 0.388888889f, 1.63888889f, 2.45833333f, 4.20833333f, 1.75f, 3.61111111f, 1.86111111f,
                    3.83333333f, 1.97222222f, 8.22222222f});
    }

    @Test
    void outputSizesFollowPyTorchsRule() {
        // a window may not start in the right padding: 10 rows, kernel 3, stride 4, padding 1 -> 3, not 4
        assertThat(new PoolGeometry(10, 10, 3, 3, 4, 4, 1, 1, true).outHeight()).isEqualTo(3);
        assertThat(new PoolGeometry(9, 9, 3, 3, 3, 3, 0, 0, true).outHeight()).isEqualTo(3);
        assertThat(new PoolGeometry(7, 7, 2, 2, 2, 2, 0, 0, true).outHeight()).isEqualTo(4);
        assertThat(new PoolGeometry(7, 7, 2, 2, 2, 2, 0, 0, false).outHeight()).isEqualTo(3);
        // ceil_mode lets a kernel larger than the input through when one window starts in it, as PyTorch
        assertThat(new PoolGeometry(1, 1, 2, 2, 2, 2, 0, 0, true).outWidth()).isEqualTo(1);
        assertThatThrownBy(() -> new PoolGeometry(1, 1, 2, 2, 2, 2, 0, 0, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("larger than the padded input");
        assertThat(PoolWindow.of(2).withCeilMode(true)).isNotEqualTo(PoolWindow.of(2));
        assertThat(new MaxPool2d(PoolWindow.of(2).withCeilMode(true)).toString()).contains("ceil_mode=True");
    }

    private static void check(Layer pool, int outH, int outW, float[] y, float[] gx) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor out = pool.forward(Tensor.of(arena, input(), 1, 1, 6, 8), arena);
            assertThat(out.shape()).containsExactly(1, 1, outH, outW);
            assertClose(out.toFloatArray(), y);
            float[] gy = new float[outH * outW];
            for (int i = 0; i < gy.length; i++) {
                gy[i] = (i + 1) / 4f;
            }
            assertClose(pool.backward(Tensor.of(arena, gy, 1, 1, outH, outW), arena).toFloatArray(), gx);
        }
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], within(2e-6f));
        }
    }
}
