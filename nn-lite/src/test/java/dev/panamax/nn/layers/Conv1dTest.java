package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.pad.PadMode;
import dev.panamax.nn.tensor.Tensor;

/**
 * Conv1d (grouped, strided, dilated; reflect-padded), MaxPool1d and AvgPool1d (ceil_mode) against
 * PyTorch 1.13 in float64: outputs and gradients, the weights in PyTorch's 3-d shape.
 */
class Conv1dTest {

    /** {@code ((arange(88) * 7 % 88) - 44) / 16} as {@code [2, 4, 11]}. */
    private static float[] input() {
        float[] x = new float[88];
        for (int i = 0; i < 88; i++) {
            x[i] = ((i * 7 % 88) - 44) / 16f;
        }
        return x;
    }

    private static float[] upstream(int n) {
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (i % 5 - 2) / 3f;
        }
        return g;
    }

    @Test
    void groupedStridedDilated() {
        try (Arena arena = Arena.ofConfined()) {
            Conv1d conv = new Conv1d(4, 6, 3, 2, 1, 2, 2, true, PadMode.CONSTANT, Init.generator());
            conv.loadStateDict(Map.of("weight", Tensor.of(arena, new float[] {-1.1f, -0.6f, -0.1f, 0.4f, 0.9f, -0.9f, -0.4f, 0.1f,
            0.6f, 1.1f, -0.7f, -0.2f, 0.3f, 0.8f, -1f, -0.5f,
            0f, 0.5f, 1f, -0.8f, -0.3f, 0.2f, 0.7f, -1.1f,
            -0.6f, -0.1f, 0.4f, 0.9f, -0.9f, -0.4f, 0.1f, 0.6f,
            1.1f, -0.7f, -0.2f, 0.3f}, 6, 2, 3),
                    "bias", Tensor.of(arena, new float[] {-0.200000003f, -0.100000001f, 0f, 0.100000001f, 0.200000003f, 0.300000012f}, 6)));
            Tensor y = conv.forward(Tensor.of(arena, input(), 2, 4, 11), arena);
            assertThat(y.shape()).containsExactly(2, 6, 5);
            assertClose(y.toFloatArray(), new float[] {5.49375f, 3.475f, 0.049999997f, -1.175f, -0.956250003f, -2.51875f, 4.83125f, -0.781250001f,
            -0.343750001f, -0.868750001f, -1.475f, -3.15625f, -0.31875f, -0.23125f, 1.23125f, -3.56875f,
            4.85625f, 5.14375f, -1.71875f, -1.775f, -0.718749997f, -1.66875f, 3.21875f, 0.956250003f,
            0.068750003f, 4.71875001f, -2.01249999f, -3.16249999f, 1.18750001f, 1.48125001f, -1.38125f, -2.575f,
            -3.25f, 3.775f, 2.34375f, 0.781249999f, 0.156249999f, -2.70625f, -1.71875f, 4.90625f,
            -0.65f, -0.13125f, 5.45625f, -1.60625f, -3.16875f, 0.556250001f, -2.01875f, -2.28125f,
            -2.54375f, 1.25f, 2.03125f, 0.256250003f, -0.356249997f, -0.968749997f, -1.85625f, -0.231249988f,
            2.38750001f, 3.43750001f, 4.48750001f, 0.931250012f});
            assertClose(conv.backward(Tensor.of(arena, upstream(60), 2, 6, 5), arena).toFloatArray(),
                new float[] {0f, 0.2f, 0f, 0.233333333f, 0f, -0.233333333f, 0f, -0.7f,
            0f, 0.0333333333f, 0f, 0f, -0.466666667f, 0f, 0.333333333f, 0f,
            0.533333333f, 0f, 0.733333333f, 0f, -0.0666666667f, 0f, 0f, 0.0333333333f,
            0f, -0.7f, 0f, -0.233333333f, 0f, 0.233333333f, 0f, 0.2f,
            0f, 0f, 0.133333333f, 0f, 0.933333333f, 0f, 0.533333333f, 0f,
            0.133333333f, 0f, -0.666666667f, 0f, 0f, 0.2f, 0f, 0.233333333f,
            0f, -0.233333333f, 0f, -0.7f, 0f, 0.0333333333f, 0f, 0f,
            -0.466666667f, 0f, 0.333333333f, 0f, 0.533333333f, 0f, 0.733333333f, 0f,
            -0.0666666667f, 0f, 0f, 0.0333333333f, 0f, -0.7f, 0f, -0.233333333f,
            0f, 0.233333333f, 0f, 0.2f, 0f, 0f, 0.133333333f, 0f,
            0.933333333f, 0f, 0.533333333f, 0f, 0.133333333f, 0f, -0.666666667f, 0f});
            assertClose(conv.weight().grad().toFloatArray(), new float[] {-0.25f, 0.333333333f, -0.583333333f, 0.666666667f, -1.5f, 0.333333333f, -0.25f, 0.333333333f,
            -0.583333333f, 0.666666667f, -1.5f, 0.333333333f, -0.25f, 0.333333333f, -0.583333333f, 0.666666667f,
            -1.5f, 0.333333333f, -0.25f, 0.333333333f, -0.583333333f, -1.16666667f, 0.333333333f, 0.333333333f,
            -0.25f, 0.333333333f, -0.583333333f, -1.16666667f, 0.333333333f, 0.333333333f, -0.25f, 0.333333333f,
            -0.583333333f, -1.16666667f, 0.333333333f, 0.333333333f});
            assertClose(conv.bias().grad().toFloatArray(), new float[] {0f, 0f, 0f, 0f, 0f, 0f});
        }
    }

    @Test
    void reflectPadded() {
        try (Arena arena = Arena.ofConfined()) {
            Conv1d conv = new Conv1d(4, 3, 4, 1, 2, 1, 1, true, PadMode.REFLECT, Init.generator());
            conv.loadStateDict(Map.of("weight", Tensor.of(arena, new float[] {-1.1f, -0.6f, -0.1f, 0.4f, 0.9f, -0.9f, -0.4f, 0.1f,
            0.6f, 1.1f, -0.7f, -0.2f, 0.3f, 0.8f, -1f, -0.5f,
            0f, 0.5f, 1f, -0.8f, -0.3f, 0.2f, 0.7f, -1.1f,
            -0.6f, -0.1f, 0.4f, 0.9f, -0.9f, -0.4f, 0.1f, 0.6f,
            1.1f, -0.7f, -0.2f, 0.3f, 0.8f, -1f, -0.5f, 0f,
            0.5f, 1f, -0.8f, -0.3f, 0.2f, 0.7f, -1.1f, -0.6f}, 3, 4, 4),
                    "bias", Tensor.of(arena, new float[] {-0.200000003f, -0.100000001f, 0f}, 3)));
            Tensor y = conv.forward(Tensor.of(arena, input(), 2, 4, 11), arena);
            assertThat(y.shape()).containsExactly(2, 3, 12);
            assertClose(y.toFloatArray(), new float[] {-0.393750003f, 2.475f, 3.49375f, 8.975f, 10.05625f, 8.9375f, 0.668749997f, -1.55f,
            -2.11875f, -2.6875f, -3.08125f, -1.55f, -2.65625f, 3.23125f, 1.04375f, -4.91875f,
            -8.68125f, -8.59375f, -3.00625f, 2.03125f, 2.11875f, 2.20625f, 2.64375f, 1.15625f,
            -5.20625f, -3.34375f, -3.13125f, 3.75625f, 6.79375f, 7.08125f, 0.21875f, -1.14375f,
            -1.40625f, -1.66875f, -1.40625f, 1.13125f, 0.431249997f, -1.1f, -2.28125f, -2.85f,
            -3.41875f, -3.9875f, -6.75625f, -7.325f, -2.39375f, 9.1375f, 6.54375f, -1.825f,
            -1.00625f, 0.481249999f, 2.14375f, 2.23125f, 2.31875f, 2.40625f, 6.89375f, 7.53125f,
            1.01875f, -4.94375f, -0.106250001f, 1.15625f, 3.59375f, 1.05625f, -1.48125f, -1.74375f,
            -2.00625f, -2.26875f, -4.18125f, -3.34375f, 2.99375f, 3.83125f, 2.44375f, -4.91875f});
            assertClose(conv.backward(Tensor.of(arena, upstream(72), 2, 3, 12), arena).toFloatArray(),
                new float[] {0.4f, 0.2f, 0.7f, -0.666666667f, -0.233333333f, 1.03333333f, 0.633333333f, -0.766666667f,
            -1.26666667f, 0.2f, 1.4f, 0.5f, 0.6f, 0.7f, -2.4f, -0.9f,
            0.933333333f, 1.6f, 0.766666667f, -2.8f, -0.266666667f, 1.4f, -1.7f, 0.233333333f,
            2.23333333f, 1.23333333f, -2.33333333f, -2.23333333f, 1.03333333f, 2.3f, 1.8f, -1.5f,
            -1.66666667f, -1.6f, 0.633333333f, 2.23333333f, 1.03333333f, -2.23333333f, -2.33333333f, 1.23333333f,
            2.3f, 1.8f, -1.2f, -1.66666667f, 0.7f, -0.3f, -1.03333333f, -0.233333333f,
            1.03333333f, 0.633333333f, -0.766666667f, -0.666666667f, -0.866666667f, 1.16666667f, 1f, 1.66666667f,
            1.33333333f, -3.33333333f, -0.9f, 0.933333333f, 1.6f, 0.766666667f, -2.4f, -1.63333333f,
            1.16666667f, 1.1f, 1.1f, 0.666666667f, 0.5f, -2.33333333f, -2.23333333f, 1.03333333f,
            2.3f, 1.23333333f, -1.63333333f, -1.13333333f, 0.433333333f, 1.3f, 0.766666667f, 0.5f,
            -2.23333333f, -2.33333333f, 1.23333333f, 2.3f, 1.03333333f, -1.63333333f, -1.13333333f, 0.533333333f});
            assertClose(conv.weight().grad().toFloatArray(), new float[] {4.3125f, 1.22916667f, -0.0208333333f, 0.5625f, 1.5625f, 0.3125f, -2.77083333f, -2.1875f,
            -3.02083333f, 1.22916667f, -0.0208333333f, 0.5625f, -3.9375f, -1.52083333f, 2.72916667f, -0.354166667f,
            -2.77083333f, -1.52083333f, 1.5625f, -2.6875f, -1.85416667f, 1.22916667f, -1.1875f, 0.0625f,
            0.895833333f, -3.35416667f, -0.270833333f, 4.64583333f, 1.8125f, -0.604166667f, -1.1875f, 0.0625f,
            -0.0625f, -1.45833333f, -1.02083333f, 1.25f, -1.20833333f, -0.770833333f, -0.333333333f, 3.77083333f,
            3.14583333f, 1.75f, 2.1875f, -4.70833333f, 0.166666667f, 4.27083333f, 1.04166667f, -0.354166667f});
            assertClose(conv.bias().grad().toFloatArray(), new float[] {-1.33333333f, 1.33333333f, -1f});
        }
    }

    @Test
    void maxPoolCeil() {
        try (Arena arena = Arena.ofConfined()) {
            Layer pool = new MaxPool1d(3, 2, 1, true);
            Tensor y = pool.forward(Tensor.of(arena, input(), 2, 4, 11), arena);
            assertThat(y.shape()).containsExactly(2, 4, 6);
            assertClose(y.toFloatArray(), new float[] {-2.3125f, -1.4375f, -0.5625f, 0.3125f, 1.1875f, 1.625f, 2.5f, 2.5f,
            -1.25f, -0.375f, 0.5f, 0.9375f, 1.8125f, 2.6875f, 2.6875f, -1.0625f,
            -0.1875f, 0.25f, 1.125f, 2f, 2.4375f, -1.75f, -0.875f, -0.4375f,
            0.4375f, 1.3125f, 2.1875f, 2.625f, -1.5625f, -1.125f, -0.25f, 0.625f,
            1.5f, 2.375f, 2.375f, -1.8125f, -0.9375f, -0.0625f, 0.8125f, 1.6875f,
            2.5625f, 2.5625f, -1.625f, -0.75f, 0.125f, 1f, 1.875f, 2.3125f});
            assertClose(pool.backward(Tensor.of(arena, upstream(48), 2, 4, 6), arena).toFloatArray(),
                new float[] {0f, -0.666666667f, 0f, -0.333333333f, 0f, 0f, 0f, 0.333333333f,
            0f, 0.666666667f, -0.666666667f, 0f, -0.333333333f, 0f, 0f, 0f,
            0.333333333f, 0f, 0.666666667f, 0f, -0.666666667f, -0.333333333f, 0f, 0f,
            0f, 1f, 0f, 0f, 0f, -0.666666667f, 0f, -0.333333333f,
            0f, 0f, 0.333333333f, 0f, 0.666666667f, -0.666666667f, 0f, 0f,
            -0.333333333f, 0f, 0f, 0.333333333f, 0f, 0.666666667f, 0f, -0.666666667f,
            0f, -0.333333333f, 0f, 0f, 0f, 0.333333333f, 0.666666667f, 0f,
            -0.666666667f, 0f, -0.333333333f, 0f, 0f, 0f, 1f, 0f,
            0f, -0.666666667f, 0f, -0.333333333f, 0f, 0f, 0f, 0.333333333f,
            0f, 0.666666667f, 0f, -1f, 0f, 0f, 0f, 0f,
            0.333333333f, 0f, 0.666666667f, 0f, -0.666666667f, 0f, -0.333333333f, 0f});
        }
    }

    @Test
    void avgPoolCeilExcludingPadding() {
        try (Arena arena = Arena.ofConfined()) {
            Layer pool = new AvgPool1d(4, 2, 1, true, false);
            Tensor y = pool.forward(Tensor.of(arena, input(), 2, 4, 11), arena);
            assertThat(y.shape()).containsExactly(2, 4, 6);
            assertClose(y.toFloatArray(), new float[] {-2.3125f, -1.65625f, -0.78125f, 0.09375f, 0.96875f, 1.40625f, 0.666666667f, -0.96875f,
            -1.46875f, -0.59375f, 0.28125f, 0.71875f, 1.8125f, 1.09375f, -0.78125f, -1.28125f,
            -0.40625f, 0.03125f, 1.125f, 1.78125f, -0.09375f, -1.96875f, -1.09375f, -0.65625f,
            0.4375f, 1.09375f, 1.96875f, 0.09375f, -1.78125f, -1.34375f, -0.25f, 0.40625f,
            1.28125f, 0.78125f, -1.09375f, -2.03125f, -0.9375f, -0.28125f, 0.59375f, 1.46875f,
            0.96875f, 0.03125f, -1.625f, -0.96875f, -0.09375f, 0.78125f, 1.65625f, 2.09375f});
            assertClose(pool.backward(Tensor.of(arena, upstream(48), 2, 4, 6), arena).toFloatArray(),
                new float[] {-0.222222222f, -0.305555556f, -0.305555556f, -0.0833333333f, -0.0833333333f, 0.0833333333f, 0.0833333333f, 0.25f,
            0.25f, -0.166666667f, -0.166666667f, -0.111111111f, -0.111111111f, -0.111111111f, 0.0833333333f, 0.0833333333f,
            0.25f, 0.25f, 0f, 0f, -0.333333333f, -0.333333333f, 0f, 0.0833333333f,
            0.0833333333f, 0.25f, 0.25f, 0f, 0f, -0.25f, -0.25f, -0.0833333333f,
            -0.0833333333f, 0.111111111f, 0.277777778f, 0.277777778f, 0f, 0f, -0.25f, -0.25f,
            -0.0833333333f, -0.0833333333f, 0.166666667f, 0.166666667f, 0.222222222f, 0.0555555556f, 0.0555555556f, -0.25f,
            -0.25f, -0.0833333333f, -0.0833333333f, 0.0833333333f, 0.0833333333f, 0.416666667f, 0.416666667f, -0.222222222f,
            -0.305555556f, -0.305555556f, -0.0833333333f, -0.0833333333f, 0.0833333333f, 0.0833333333f, 0.25f, 0.25f,
            -0.166666667f, -0.166666667f, -0.111111111f, -0.111111111f, -0.111111111f, 0.0833333333f, 0.0833333333f, 0.25f,
            0.25f, 0f, 0f, -0.333333333f, -0.333333333f, 0f, 0.0833333333f, 0.0833333333f,
            0.25f, 0.25f, 0f, 0f, -0.25f, -0.25f, -0.0833333333f, -0.0833333333f});
        }
    }

    @Test
    void oneSequenceAndRefusals() {
        try (Arena arena = Arena.ofConfined()) {
            Conv1d conv = new Conv1d(4, 2, 3);
            Tensor one = Tensor.of(arena, java.util.Arrays.copyOf(input(), 44), 4, 11);
            Tensor y = conv.forward(one, arena);
            assertThat(y.shape()).containsExactly(2, 9);
            assertThat(y.toFloatArray()).containsExactly(conv.forward(one.unsqueeze(0), arena).toFloatArray());
            assertThat(conv.weight().value().shape()).containsExactly(2, 4, 3);
            assertThatThrownBy(() -> conv.forward(Tensor.zeros(arena, 2, 3, 11), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[*, 4, *]");
        }
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], within(2e-5f));
        }
    }
}
