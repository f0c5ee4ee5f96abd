package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.TorchValues;
import dev.panamax.nn.tensor.Tensor;

/**
 * Unfold (a 2 x 3 kernel with dilation, padding and stride of their own per side; unbatched with
 * a strided 3 x 3) and Fold (overlapping dilated 2 x 2 blocks, padded) against PyTorch 1.13 in
 * float64: outputs and input gradients. Values in {@code src/test/resources/patches}.
 */
class FoldUnfoldTest {

    @Test
    void unfold() throws IOException {
        Map<String, float[]> v = TorchValues.read("/patches/values.txt");
        try (Arena arena = Arena.ofConfined()) {
            Unfold layer = new Unfold(new ConvAttributes(new int[] {2, 3}, new int[] {2, 1}, new int[] {1, 0}, new int[] {1, 2},
                    new int[] {0, 0}, 1));
            check(layer, Tensor.of(arena, v.get("unfold.x"), 2, 3, 5, 6), v, "unfold", "gx", arena);
        }
    }

    @Test
    void unfoldUnbatched() throws IOException {
        Map<String, float[]> v = TorchValues.read("/patches/values.txt");
        try (Arena arena = Arena.ofConfined()) {
            Unfold layer = new Unfold(ConvAttributes.square(3, 2, 1, 1, 1));
            check(layer, Tensor.of(arena, v.get("unbatched.x"), 2, 4, 4), v, "unbatched", "gx", arena);
        }
    }

    @Test
    void fold() throws IOException {
        Map<String, float[]> v = TorchValues.read("/patches/values.txt");
        try (Arena arena = Arena.ofConfined()) {
            Fold layer = new Fold(new int[] {4, 5}, new ConvAttributes(new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1},
                    new int[] {1, 2}, new int[] {0, 0}, 1));
            Tensor blocks = Tensor.of(arena, v.get("fold.b"), 2, 12, 25);
            Tensor z = layer.forward(blocks, arena);
            assertThat(z.shape()).containsExactly(toLongs(v.get("fold.shape")));
            TorchValues.assertClose("fold", z.toFloatArray(), v.get("fold.z"));
            Tensor g = layer.backward(Tensor.of(arena, v.get("fold.u"), z.shape()), arena);
            TorchValues.assertClose("fold gradient", g.toFloatArray(), v.get("fold.gb"));
        }
    }

    @Test
    void misuse() {
        try (Arena arena = Arena.ofConfined()) {
            Fold fold = new Fold(4, 2);
            assertThatThrownBy(() -> fold.forward(Tensor.zeros(arena, 1, 8, 10), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has 3 x 3 = 9 blocks, got 10");
            assertThatThrownBy(() -> fold.forward(Tensor.zeros(arena, 1, 7, 9), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of the kernel's 2 x 2 = 4 taps");
            assertThatThrownBy(() -> new Unfold(5).forward(Tensor.zeros(arena, 1, 1, 4, 4), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("larger than the padded input");
            assertThatThrownBy(() -> new Unfold(ConvAttributes.square(2, 1, 0, 1, 2)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("groups 1");
            assertThatThrownBy(() -> new Unfold(2).backward(Tensor.zeros(arena, 1, 4, 9), arena))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    private static void check(Layer layer, Tensor x, Map<String, float[]> v, String key, String grad, Arena arena) {
        Tensor y = layer.forward(x, arena);
        assertThat(y.shape()).containsExactly(toLongs(v.get(key + ".shape")));
        TorchValues.assertClose(key, y.toFloatArray(), v.get(key + ".y"));
        Tensor g = layer.backward(Tensor.of(arena, v.get(key + ".u"), y.shape()), arena);
        assertThat(g.shape()).containsExactly(x.shape());
        TorchValues.assertClose(key + " gradient", g.toFloatArray(), v.get(key + "." + grad));
    }

    private static long[] toLongs(float[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (long) values[i];
        }
        return out;
    }
}
