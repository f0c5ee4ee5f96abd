package dev.panamax.nn.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.TorchValues;
import dev.panamax.nn.tensor.Tensor;

/**
 * gather against PyTorch 1.13 in float64 (values in {@code src/test/resources/arithmetic}): along
 * the last dimension of [3, 4] with a repeated index (whose gradients add up), and along the first
 * of [2, 3, 4] with an index smaller than x outside it; out-of-range indices refused.
 */
class IndexingTest {

    @Test
    void gatherAndItsGradientMatchPyTorch() throws IOException {
        Map<String, float[]> v = TorchValues.read("/arithmetic/gather.txt");
        Object[][] cases = {{"rows", new long[] {3, 4}, 1, new long[] {3, 2}}, {"first", new long[] {2, 3, 4}, 0, new long[] {1, 3, 2}}};
        try (Arena arena = Arena.ofConfined()) {
            for (Object[] c : cases) {
                String key = (String) c[0];
                Tensor x = Tensor.of(arena, v.get(key + ".x"), (long[]) c[1]);
                int dim = (Integer) c[2];
                float[] idx = v.get(key + ".index");
                long[] ids = new long[idx.length];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = (long) idx[i];
                }
                Tensor index = Tensor.ofLongs(arena, ids, (long[]) c[3]);
                Tensor y = Indexing.gather(x, dim, index, arena);
                assertThat(y.shape()).containsExactly((long[]) c[3]);
                assertThat(y.toFloatArray()).as(key).containsExactly(v.get(key + ".y"));
                Tensor gx = Indexing.gatherBackward(x, dim, index, Tensor.of(arena, v.get(key + ".u"), (long[]) c[3]), arena);
                TorchValues.assertClose(key + " d x", gx.toFloatArray(), v.get(key + ".gx"), 1e-6f);
            }
            Tensor x = Tensor.zeros(arena, 3, 4);
            assertThatThrownBy(() -> Indexing.gather(x, 1, Tensor.ofLongs(arena, new long[] {4}, 1, 1), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("index 4");
            assertThatThrownBy(() -> Indexing.gather(x, 1, Tensor.ofLongs(arena, new long[] {0, 0, 0, 0}, 4, 1), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not exceed");
        }
    }
}
