package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.tensor.Tensor;

/**
 * PixelShuffle moves element {@code [c r^2 + i r + j, h, w]} to {@code [c, h r + i, w r + j]}
 * (PyTorch's definition); PixelUnshuffle undoes it, and each is the other's backward.
 */
class PixelShuffleTest {

    @Test
    void shufflesByPyTorchsIndexRuleAndUnshuffles() {
        try (Arena arena = Arena.ofConfined()) {
            int n = 2;
            int c = 2;
            int r = 3;
            int h = 2;
            int w = 4;
            float[] xs = new float[n * c * r * r * h * w];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = i;
            }
            Tensor x = Tensor.of(arena, xs, n, c * r * r, h, w);
            PixelShuffle shuffle = new PixelShuffle(r);
            Tensor y = shuffle.forward(x, arena);
            assertThat(y.shape()).containsExactly(n, c, h * r, w * r);
            for (int b = 0; b < n; b++) {
                for (int ch = 0; ch < c; ch++) {
                    for (int i = 0; i < r; i++) {
                        for (int j = 0; j < r; j++) {
                            for (int hh = 0; hh < h; hh++) {
                                for (int ww = 0; ww < w; ww++) {
                                    assertThat(y.get(b, ch, hh * r + i, ww * r + j)).isEqualTo(x.get(b, ch * r * r + i * r + j, hh, ww));
                                }
                            }
                        }
                    }
                }
            }
            assertThat(new PixelUnshuffle(r).forward(y, arena).toFloatArray()).containsExactly(xs);
            assertThat(shuffle.backward(y, arena).toFloatArray()).containsExactly(xs);
            Tensor one = Tensor.of(arena, java.util.Arrays.copyOf(xs, c * r * r * h * w), c * r * r, h, w);
            assertThat(shuffle.forward(one, arena).shape()).containsExactly(c, h * r, w * r);
            assertThatThrownBy(() -> new PixelShuffle(2).forward(Tensor.zeros(arena, 1, 3, 2, 2), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("r^2 = 4");
        }
    }
}
