package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.tensor.Tensor;

/** Dropout2d drops whole channels, scales the rest by 1/(1-p), replays its mask in backward, and is the identity in eval. */
class Dropout2dTest {

    @Test
    void dropsWholeChannelsAtTheRateAsked() {
        try (Arena arena = Arena.ofConfined()) {
            int n = 40;
            int c = 50;
            int plane = 6;
            float[] xs = new float[n * c * plane];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = 1f + (i % 7);
            }
            Tensor x = Tensor.of(arena, xs, n, c, 2, 3);
            Dropout2d drop = new Dropout2d(0.3f, 11);
            float[] y = drop.forward(x, arena).toFloatArray();
            float[] gx = drop.backward(Tensor.of(arena, xs, n, c, 2, 3), arena).toFloatArray();
            int dropped = 0;
            for (int p = 0; p < n * c; p++) {
                boolean zero = y[p * plane] == 0f;
                dropped += zero ? 1 : 0;
                for (int k = 0; k < plane; k++) {
                    int i = p * plane + k;
                    float want = zero ? 0f : xs[i] / 0.7f;
                    assertThat(y[i]).as("output %d", i).isCloseTo(want, within(1e-5f));
                    assertThat(gx[i]).as("gradient %d", i).isEqualTo(y[i]);
                }
            }
            // 2000 channels at p = 0.3: 600 expected, standard deviation 20.5
            assertThat(dropped).isBetween(520, 680);
            drop.eval();
            assertThat(drop.forward(x, arena)).isSameAs(x);
            assertThatThrownBy(() -> new Dropout2d(0.5f).train().forward(Tensor.zeros(arena, 4, 5), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[N, C, H, W]");
        }
    }
}
