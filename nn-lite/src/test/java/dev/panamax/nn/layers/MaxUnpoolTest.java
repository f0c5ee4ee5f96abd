package dev.panamax.nn.layers;

import static dev.panamax.nn.TorchValues.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.TorchValues;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * MaxPool2d's indices and MaxUnpool2d against PyTorch 1.13 ({@code src/test/resources/unpool}):
 * the indices of {@code return_indices=True} for 2 x 2 windows and for overlapping 3 x 3 windows of
 * stride 2 with padding (where positions repeat), the unpooled output at the pooled input's size,
 * and its gradient.
 */
class MaxUnpoolTest {

    @Test
    void twoByTwo() throws IOException {
        check("k2", PoolWindow.of(2));
    }

    @Test
    void overlappingWindowsWithPadding() throws IOException {
        check("k3s2p1", PoolWindow.of(3, 2, 1));
    }

    @Test
    void defaultSizeAndMisuse() {
        try (Arena arena = Arena.ofConfined()) {
            MaxUnpool2d unpool = new MaxUnpool2d(2);
            Tensor x = Tensor.zeros(arena, 2, 2, 2, 3);
            Tensor indices = Tensor.zeros(arena, DType.INT64, 2, 2, 2, 3);
            assertThat(unpool.forward(x, indices, null, arena).shape()).containsExactly(2, 2, 4, 6);
            Tensor far = Tensor.zeros(arena, DType.INT64, 2, 2, 2, 3);
            far.setLong(24, 1, 1, 1, 2);
            assertThatThrownBy(() -> unpool.forward(x, far, null, arena)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("24").hasMessageContaining("24 elements");
            assertThatThrownBy(() -> unpool.forward(x, Tensor.zeros(arena, 2, 2, 2, 3), null, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("INT64");
            MaxPool2d pool = new MaxPool2d(2);
            assertThatThrownBy(() -> pool.indices(arena)).isInstanceOf(IllegalStateException.class);
        }
    }

    private static void check(String tag, PoolWindow window) throws IOException {
        Map<String, float[]> v = TorchValues.read("/unpool/unpool.txt");
        float[] x = new float[120];
        for (int i = 0; i < 120; i++) {
            x[i] = ((i * 37 % 120) - 60) / 16f;
        }
        try (Arena arena = Arena.ofConfined()) {
            MaxPool2d pool = new MaxPool2d(window);
            Tensor y = pool.forward(Tensor.of(arena, x, 2, 2, 5, 6), arena);
            assertClose("pooled", y.toFloatArray(), v.get(tag + ".y"));
            Tensor indices = pool.indices(arena);
            assertThat(indices.dtype()).isEqualTo(DType.INT64);
            assertThat(indices.shape()).containsExactly(y.shape());
            long[] want = new long[v.get(tag + ".indices").length];
            for (int i = 0; i < want.length; i++) {
                want[i] = (long) v.get(tag + ".indices")[i];
            }
            assertThat(indices.toLongArray()).containsExactly(want);
            MaxUnpool2d unpool = new MaxUnpool2d(window);
            Tensor u = unpool.forward(y, indices, new int[] {5, 6}, arena);
            assertThat(u.shape()).containsExactly(2, 2, 5, 6);
            assertClose("unpooled", u.toFloatArray(), v.get(tag + ".unpooled"));
            float[] g = new float[120];
            for (int i = 0; i < 120; i++) {
                g[i] = ((i % 9) - 4) / 3f;
            }
            assertClose("gradient", unpool.backward(Tensor.of(arena, g, 2, 2, 5, 6), arena).toFloatArray(), v.get(tag + ".gy"));
        }
    }
}
