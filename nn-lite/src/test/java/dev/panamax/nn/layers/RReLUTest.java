package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.tensor.Tensor;

/**
 * RReLU: in evaluation PyTorch 1.13's values and gradients (a leaky ReLU of slope (lower + upper) / 2,
 * 0 on the negative side); in training each non-positive element's slope lies in [lower, upper],
 * their mean over 200,000 elements is (lower + upper) / 2 within 0.2 %, backward multiplies by the
 * same slopes, and a seed replays them.
 */
class RReLUTest {

    @Test
    void evaluationIsTheMeanSlope() {
        try (Arena arena = Arena.ofConfined()) {
            RReLU layer = new RReLU(0.1f, 0.3f, 7);
            layer.eval();
            Tensor x = Tensor.of(arena, new float[] {-3f, -0.5f, 0f, 0.25f, 2f, -1e-3f}, 6);
            assertThat(layer.forward(x, arena).toFloatArray()).containsExactly(new float[] {-0.6f, -0.1f, 0f, 0.25f, 2f, -0.0002f},
                    within(1e-7f));
            assertThat(layer.backward(Tensor.of(arena, new float[] {1, 1, 1, 1, 1, 1}, 6), arena).toFloatArray())
                    .containsExactly(new float[] {0.2f, 0.2f, 0.2f, 1f, 1f, 0.2f}, within(1e-7f));
        }
    }

    @Test
    void trainingDrawsSlopesInTheRangeAndBackwardUsesThem() {
        try (Arena arena = Arena.ofConfined()) {
            int n = 200_000;
            float[] xs = new float[n];
            for (int i = 0; i < n; i++) {
                xs[i] = i % 4 == 0 ? 0.5f + i % 7 : -1f - i % 5;
            }
            Tensor x = Tensor.of(arena, xs, n);
            RReLU layer = new RReLU(0.125f, 1f / 3, 11);
            float[] y = layer.forward(x, arena).toFloatArray();
            float[] g = layer.backward(Tensor.empty(arena, n).fill(1f), arena).toFloatArray();
            double sum = 0;
            int negatives = 0;
            for (int i = 0; i < n; i++) {
                if (xs[i] > 0) {
                    assertThat(y[i]).isEqualTo(xs[i]);
                    assertThat(g[i]).isEqualTo(1f);
                } else {
                    float slope = y[i] / xs[i];
                    assertThat(slope).isBetween(0.125f, 1f / 3);
                    assertThat(g[i]).isCloseTo(slope, within(1e-6f));
                    sum += slope;
                    negatives++;
                }
            }
            assertThat(sum / negatives).isCloseTo((0.125 + 1.0 / 3) / 2, within(0.002 * (0.125 + 1.0 / 3) / 2));
            RReLU replay = new RReLU(0.125f, 1f / 3, 11);
            assertThat(replay.forward(x, arena).toFloatArray()).isEqualTo(y);
            assertThat(layer.forward(x, arena).toFloatArray()).isNotEqualTo(y);     // the next call draws anew
        }
    }

    @Test
    void badRangeIsRefused() {
        assertThatThrownBy(() -> new RReLU(0.5f, 0.25f)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lower <= upper");
    }
}
