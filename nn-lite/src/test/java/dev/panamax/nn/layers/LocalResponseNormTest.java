package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.TorchValues;
import dev.panamax.nn.tensor.Tensor;

/**
 * LocalResponseNorm against PyTorch 1.13 in float64: an odd window over 7 channels of 3 x 4
 * images, an even one (its window one channel longer before than after) over 1-d sequences, and a
 * window wider than the channels over 3-d volumes; outputs and input gradients. Values in
 * {@code src/test/resources/lrn}.
 */
class LocalResponseNormTest {

    @Test
    void againstPyTorch() throws IOException {
        Map<String, float[]> v = TorchValues.read("/lrn/values.txt");
        try (Arena arena = Arena.ofConfined()) {
            check(new LocalResponseNorm(5, 0.5f, 0.75f, 2f), Tensor.of(arena, v.get("odd.x"), 2, 7, 3, 4), "odd", v, arena);
            check(new LocalResponseNorm(4, 0.1f, 0.6f, 1f), Tensor.of(arena, v.get("even.x"), 2, 6, 5), "even", v, arena);
            check(new LocalResponseNorm(7, 2f, 1.5f, 0.5f), Tensor.of(arena, v.get("wide.x"), 1, 3, 2, 2, 2), "wide", v, arena);
        }
    }

    @Test
    void misuse() {
        try (Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> new LocalResponseNorm(2).forward(Tensor.zeros(arena, 4, 3), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 or more dimensions");
            assertThatThrownBy(() -> new LocalResponseNorm(0)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static void check(Layer layer, Tensor x, String key, Map<String, float[]> v, Arena arena) {
        Tensor y = layer.forward(x, arena);
        TorchValues.assertClose(key, y.toFloatArray(), v.get(key + ".y"));
        Tensor gx = layer.backward(Tensor.of(arena, v.get(key + ".u"), x.shape()), arena);
        TorchValues.assertClose(key + " gradient", gx.toFloatArray(), v.get(key + ".gx"));
    }
}
