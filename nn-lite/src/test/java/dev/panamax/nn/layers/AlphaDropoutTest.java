package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.tensor.Tensor;

/**
 * AlphaDropout keeps a standard normal input standard (mean 0, variance 1 within 1 % over 400,000
 * elements, as the self-normalising construction promises), drops a fraction p, passes the
 * gradient through its multipliers only, replays by seed, and is the identity in evaluation and
 * x * 0 at p = 1, as PyTorch's.
 */
class AlphaDropoutTest {

    @Test
    void keepsMeanAndVariance() {
        try (Arena arena = Arena.ofConfined()) {
            int n = 400_000;
            float[] xs = new float[n];
            SplittableRandom r = new SplittableRandom(3);
            for (int i = 0; i < n; i++) {
                xs[i] = (float) gaussian(r);
            }
            Tensor x = Tensor.of(arena, xs, n);
            AlphaDropout layer = new AlphaDropout(0.2f, 5);
            float[] y = layer.forward(x, arena).toFloatArray();
            double mean = 0;
            double squares = 0;
            for (float v : y) {
                mean += v / n;
                squares += (double) v * v / n;
            }
            assertThat(mean).isCloseTo(0, within(0.01));
            assertThat(squares - mean * mean).isCloseTo(1, within(0.01));
            float[] g = layer.backward(Tensor.empty(arena, n).fill(1f), arena).toFloatArray();
            double a = 1 / Math.sqrt((1.7580993408473766 * 1.7580993408473766 * 0.2 + 1) * 0.8);
            int dropped = 0;
            int otherwise = 0;                          // neither dropped nor scaled by a
            for (float v : g) {
                if (v == 0f) {
                    dropped++;
                } else if (Math.abs(v - a) > 1e-6) {
                    otherwise++;
                }
            }
            assertThat(otherwise).isZero();
            assertThat(dropped / (double) n).isCloseTo(0.2, within(0.005));
            assertThat(new AlphaDropout(0.2f, 5).forward(x, arena).toFloatArray()).isEqualTo(y);
        }
    }

    @Test
    void identityInEvaluationAndZeroAtOne() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.of(arena, new float[] {1f, -2f, 3f}, 3);
            AlphaDropout layer = new AlphaDropout(0.5f, 1);
            layer.eval();
            assertThat(layer.forward(x, arena)).isSameAs(x);
            AlphaDropout all = new AlphaDropout(1f, 1);
            assertThat(all.forward(x, arena).toFloatArray()).containsExactly(0f, -0f, 0f);
        }
    }

    /** FeatureAlphaDropout keeps or drops each channel of each sample whole, and keeps mean 0 and variance 1. */
    @Test
    void featuresDropWhole() {
        try (Arena arena = Arena.ofConfined()) {
            int n = 50;
            int c = 40;
            int positions = 100;
            float[] xs = new float[n * c * positions];
            SplittableRandom r = new SplittableRandom(4);
            for (int i = 0; i < xs.length; i++) {
                xs[i] = (float) gaussian(r);
            }
            FeatureAlphaDropout layer = new FeatureAlphaDropout(0.25f, 9);
            float[] y = layer.forward(Tensor.of(arena, xs, n, c, 10, 10), arena).toFloatArray();
            float[] g = layer.backward(Tensor.empty(arena, n, c, 10, 10).fill(1f), arena).toFloatArray();
            int droppedChannels = 0;
            double mean = 0;
            double squares = 0;
            for (int ch = 0; ch < n * c; ch++) {
                float first = g[ch * positions];
                for (int k = 0; k < positions; k++) {
                    assertThat(g[ch * positions + k]).isEqualTo(first);
                }
                droppedChannels += first == 0f ? 1 : 0;
            }
            for (float v : y) {
                mean += v / y.length;
                squares += (double) v * v / y.length;
            }
            assertThat(droppedChannels / (double) (n * c)).isCloseTo(0.25, within(0.04));
            assertThat(mean).isCloseTo(0, within(0.05));
            assertThat(squares - mean * mean).isCloseTo(1, within(0.05));
        }
    }

    private static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
