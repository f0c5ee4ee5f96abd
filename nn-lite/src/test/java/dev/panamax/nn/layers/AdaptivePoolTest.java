package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.tensor.Tensor;

/**
 * Adaptive pools against PyTorch 1.13 (float64, values printed by it for these inputs): windows
 * that overlap and differ in size (5 x 7 to 3 x 4 and 2 x 5), and an output larger than the input.
 */
class AdaptivePoolTest {

    /** {@code ((arange(70) * 13 % 70) - 35) / 8} as {@code [1, 2, 5, 7]}: distinct values. */
    private static float[] input() {
        float[] x = new float[70];
        for (int i = 0; i < 70; i++) {
            x[i] = ((i * 13 % 70) - 35) / 8f;
        }
        return x;
    }

    @Test
    void avgTo3x4() {
        check(new AdaptiveAvgPool2d(3, 4), 3, 4, new float[] {-2.25f, 0.1875f, 0.520833333f, -0.6875f, 0.229166667f, 0.236111111f, -0.402777778f, -0.395833333f,
            -0.9375f, -0.6875f, 1.10416667f, -1.5625f, 2.125f, 0.1875f, -0.9375f, 1.5f,
            0.229166667f, 0.722222222f, 0.0833333333f, -0.395833333f, 1.25f, 0.770833333f, -0.354166667f, 0.625f},
            new float[] {-0.166666667f, -0.222222222f, -0.0555555556f, -0.0555555556f, 0f, 0.0833333333f, 0.0833333333f, -0.0555555556f,
            -0.185185185f, -0.12962963f, -0.166666667f, -0.037037037f, 0.0462962963f, 0.0833333333f, 0.111111111f, 0.037037037f,
            -0.0740740741f, -0.111111111f, -0.037037037f, -0.037037037f, 0f, 0.194444444f, 0.231481481f, 0.037037037f,
            -0.111111111f, -0.148148148f, -0.231481481f, -0.0833333333f, 0.0833333333f, 0.194444444f, 0.111111111f, 0f,
            -0.111111111f, -0.194444444f, -0.0833333333f, 0f, 0.0555555556f, 0.0555555556f, 0.166666667f, 0.111111111f,
            -0.0555555556f, -0.166666667f, -0.0555555556f, 0f, 0.0555555556f, 0.203703704f, 0.148148148f, 0.0925925926f,
            -0.0555555556f, -0.0555555556f, -0.0555555556f, 0f, 0.037037037f, 0.037037037f, 0.148148148f, 0.111111111f,
            -0.222222222f, -0.277777778f, -0.0555555556f, -0.0185185185f, 0.037037037f, 0.231481481f, 0.194444444f, -0.166666667f,
            -0.222222222f, -0.0555555556f, -0.0555555556f, 0f, 0.0833333333f, 0.0833333333f});
    }

    @Test
    void avgToALargerOutput7x9() {
        check(new AdaptiveAvgPool2d(7, 9), 7, 9, new float[] {-4.375f, -3.5625f, -1.9375f, -0.3125f, 0.5f, 1.3125f, 2.9375f, 0.1875f,
            -3.375f, -3.0625f, -2.25f, -0.625f, 1f, 1.8125f, 0.4375f, -0.125f,
            -0.6875f, -2.0625f, -0.4375f, 0.375f, 2f, 1.4375f, 0.0625f, -1.3125f,
            -1.875f, -0.25f, 0.5625f, 0.875f, 1.6875f, 3.3125f, 0.5625f, -3f,
            -2.1875f, -0.5625f, 1.0625f, 1.875f, 2.1875f, 0.8125f, 0.25f, -0.3125f,
            -1.6875f, -0.875f, 0.75f, 0.1875f, -1.1875f, 0.4375f, -0.9375f, -1.5f,
            0.125f, 0.9375f, 1.75f, 1.1875f, -1.5625f, -2.9375f, -2.625f, -1.8125f,
            -0.1875f, 1.4375f, 2.25f, 3.0625f, 0.3125f, -2.4375f, -1.625f, 0f,
            0.8125f, 2.4375f, -0.3125f, -3.875f, -3.0625f, -1.4375f, 0.1875f, 1f,
            1.3125f, 2.125f, 1.5625f, -1.1875f, -2.5625f, -1.75f, -0.125f, 1.5f,
            2.3125f, -0.4375f, 0.375f, -0.1875f, -0.75f, 0.0625f, 0.875f, 0.3125f,
            -0.25f, 0.5625f, -3.5f, -2.6875f, -1.0625f, 0.5625f, 1.375f, 2.1875f,
            -0.5625f, -3.3125f, -2.5f, -2.1875f, -1.375f, 0.25f, 1.875f, 2.6875f,
            1.3125f, -1.4375f, -2f, -1.1875f, 0.4375f, 1.25f, 0.6875f, 0.125f,
            0.9375f, -0.4375f, -1f, 0.625f, 1.4375f, 1.75f, 2.5625f, -0.1875f,
            -2.9375f, -2.125f, -1.3125f, 0.3125f, 1.9375f, 2.75f},
            new float[] {-0.666666667f, -0.416666667f, 0.0833333333f, 0.833333333f, -0.5f, -0.416666667f, 0.25f, 0.5f,
            -0.25f, -0.333333333f, 0.333333333f, 0.25f, -0.25f, -0.416666667f, 0.333333333f, 0.583333333f,
            -2.77555756e-17f, -0.916666667f, 0.333333333f, 0.583333333f, -0.25f, -0.583333333f, 0f, 0.333333333f,
            -2.77555756e-17f, -0.333333333f, 0f, 0.583333333f, -0.0833333333f, -0.583333333f, -0.0833333333f, 0.916666667f,
            -0.25f, -0.583333333f, 0f, 0.75f, 0.25f, -0.5f, -0.333333333f, 0.583333333f,
            0.25f, -0.833333333f, -0.0833333333f, 0.333333333f, 0.25f, -0.583333333f, 0f, 0.333333333f,
            0.25f, -0.833333333f, -0.333333333f, 0.333333333f, 0.583333333f, -0.583333333f, -0.333333333f, 0.666666667f,
            0.5f, -0.25f, -0.333333333f, 0.333333333f, 0.25f, -0.25f, -0.416666667f, 0.5f,
            0.5f, -0.25f, -0.666666667f, 0.416666667f, 0.5f, -0.666666667f});
    }

    @Test
    void maxTo3x4() {
        check(new AdaptiveMaxPool2d(3, 4), 3, 4, new float[] {-0.125f, 3.125f, 3.75f, 3.75f, 3.5f, 4.125f, 3.125f, 2.875f,
            3.5f, 2.25f, 3.875f, 2.875f, 4.25f, 4.25f, 2f, 3.625f,
            4.25f, 4.25f, 4f, 3.625f, 3.375f, 4f, 4f, 2.75f},
            new float[] {0f, 0f, 0f, 0f, 0f, 0.333333333f, 0f, 0f,
            -0.666666667f, 0f, -0.666666667f, 0f, 0f, 0f, 0f, 0f,
            -0.666666667f, 0f, 0f, 0f, 0f, 1f, 0f, 0f,
            0f, 0f, -0.333333333f, 0f, 0f, 0f, 0f, 0.666666667f,
            -0.666666667f, 0f, 0f, 0f, 0f, 0f, 0f, 0f,
            0f, 0f, 0f, 0f, 0f, 0f, 0f, 0.666666667f,
            0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f,
            0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f,
            -0.666666667f, 0f, 0f, 0f, 0f, 0.333333333f});
    }

    @Test
    void maxTo2x5() {
        check(new AdaptiveMaxPool2d(2, 5), 2, 5, new float[] {2.5f, 4.125f, 4.125f, 3.75f, 3.75f, 3.5f, 4.125f, 4.125f,
            3.875f, 2.875f, 4.25f, 4.25f, 3.25f, 3f, 3.625f, 3.375f,
            3.375f, 4f, 3f, 2.75f},
            new float[] {0f, 0f, 0f, 0f, 0f, 1f, 0f, 0f,
            0f, 0f, 0f, 0f, 0f, 0f, 0f, -0.666666667f,
            -0.666666667f, 0f, 0f, 0f, 0f, -0.666666667f, 0f, 0f,
            0f, 0f, 0.666666667f, 0f, 0f, 0f, 0f, 0f,
            0.333333333f, 0f, 0f, 0f, 0f, 0f, 0f, 0f,
            0f, 0f, 0f, -1f, 0f, 0f, 0f, 0f,
            0.666666667f, 0f, 0f, 0f, 0f, 0.666666667f, 0f, 0f,
            0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f,
            -1f, 0f, 0f, 0f, 0f, 0.666666667f});
    }

    @Test
    void oneByOneIsTheGlobalPoolAndUnbatchedImagesWork() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.of(arena, input(), 1, 2, 5, 7);
            assertThat(new AdaptiveAvgPool2d(1).forward(x, arena).toFloatArray())
                    .containsExactly(new GlobalAvgPool2d().forward(x, arena).toFloatArray());
            assertThat(new AdaptiveMaxPool2d(1).forward(x, arena).toFloatArray())
                    .containsExactly(new GlobalMaxPool2d().forward(x, arena).toFloatArray());
            AdaptiveAvgPool2d keepWidth = new AdaptiveAvgPool2d(2, -1);
            assertThat(keepWidth.forward(Tensor.of(arena, input(), 2, 5, 7), arena).shape()).containsExactly(2, 2, 7);
            assertThatThrownBy(() -> new AdaptiveMaxPool2d(0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("output_size");
        }
    }

    private static void check(Layer pool, int oh, int ow, float[] y, float[] gx) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor out = pool.forward(Tensor.of(arena, input(), 1, 2, 5, 7), arena);
            assertThat(out.shape()).containsExactly(1, 2, oh, ow);
            assertClose(out.toFloatArray(), y);
            float[] gy = new float[2 * oh * ow];
            for (int i = 0; i < gy.length; i++) {
                gy[i] = (i % 5 - 2) / 3f;
            }
            assertClose(pool.backward(Tensor.of(arena, gy, 1, 2, oh, ow), arena).toFloatArray(), gx);
        }
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], within(2e-6f));
        }
    }
}
