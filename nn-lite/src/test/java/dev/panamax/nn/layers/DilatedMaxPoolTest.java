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
 * MaxPool2d (and MaxPool1d) with dilation against PyTorch 1.13 in float64 (3 x 3 windows dilated by 2, padded and
 * strided, with and without ceil_mode; a 2 x 3 window dilated only in height): output shape,
 * values, the indices return_indices gives, and the input gradient. Values in
 * {@code src/test/resources/dilatedpool}.
 */
class DilatedMaxPoolTest {

    @Test
    void againstPyTorch() throws IOException {
        Map<String, float[]> v = TorchValues.read("/dilatedpool/values.txt");
        check(PoolWindow.of(3, 2, 1).withDilation(2, 2), "k3s2p1d2", v);
        check(PoolWindow.of(3, 2, 1).withDilation(2, 2).withCeilMode(true), "k3s2p1d2_ceil", v);
        check(new PoolWindow(new int[] {2, 3}, new int[] {1, 2}, new int[] {1, 1}).withDilation(3, 1), "k23d31", v);
    }

    @Test
    void sequences() throws IOException {
        Map<String, float[]> v = TorchValues.read("/dilatedpool/pool1d.txt");
        try (Arena arena = Arena.ofConfined()) {
            MaxPool1d pool = new MaxPool1d(3, 2, 1, 2, true);
            Tensor y = pool.forward(Tensor.of(arena, v.get("x"), 2, 3, 11), arena);
            assertThat(y.shape()).containsExactly(2, 3, 5);
            TorchValues.assertClose("max_pool1d", y.toFloatArray(), v.get("y"));
            TorchValues.assertClose("max_pool1d gradient", pool.backward(Tensor.of(arena, v.get("u"), 2, 3, 5), arena)
                    .toFloatArray(), v.get("gx"));
        }
    }

    /** Windows whose every tap lies in the padding give -inf and pass no gradient, as PyTorch's (found by fuzzing). */
    @Test
    void windowsWithoutTapsAreMinusInfinity() {
        try (Arena arena = Arena.ofConfined()) {
            MaxPool2d pool = new MaxPool2d(PoolWindow.of(2, 1, 1).withDilation(3, 2).withCeilMode(true));
            Tensor x = Tensor.of(arena, new float[] {1, 2, 3, 4}, 1, 1, 2, 2);
            Tensor y = pool.forward(x, arena);
            assertThat(y.toFloatArray()).containsExactly(Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY);
            assertThat(pool.indices(arena).toLongArray()).containsExactly(-1, -1);
            assertThat(pool.backward(Tensor.of(arena, new float[] {1, 1}, 1, 1, 1, 2), arena).toFloatArray())
                    .containsExactly(0f, 0f, 0f, 0f);
        }
    }

    @Test
    void averagePoolingTakesNoDilation() {
        assertThatThrownBy(() -> new AvgPool2d(PoolWindow.of(2).withDilation(2, 1), true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no dilation");
        assertThat(PoolWindow.of(2).withDilation(1, 1)).isEqualTo(PoolWindow.of(2));
        assertThat(PoolWindow.of(2).withDilation(2, 1)).isNotEqualTo(PoolWindow.of(2));
    }

    private static void check(PoolWindow window, String key, Map<String, float[]> v) {
        try (Arena arena = Arena.ofConfined()) {
            MaxPool2d pool = new MaxPool2d(window);
            Tensor x = Tensor.of(arena, v.get("x"), 2, 2, 7, 8);
            Tensor y = pool.forward(x, arena);
            float[] shape = v.get(key + ".shape");
            assertThat(y.shape()).as(key).containsExactly((long) shape[0], (long) shape[1], (long) shape[2], (long) shape[3]);
            TorchValues.assertClose(key, y.toFloatArray(), v.get(key + ".y"));
            long[] indices = pool.indices(arena).toLongArray();
            float[] want = v.get(key + ".idx");
            for (int i = 0; i < want.length; i++) {
                assertThat(indices[i]).as(key + " index %d", i).isEqualTo((long) want[i]);
            }
            Tensor gx = pool.backward(Tensor.of(arena, v.get(key + ".u"), y.shape()), arena);
            TorchValues.assertClose(key + " gradient", gx.toFloatArray(), v.get(key + ".gx"));
        }
    }
}
