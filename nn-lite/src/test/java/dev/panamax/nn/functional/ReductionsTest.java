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
 * Sum and mean over one, two, the last and all dimensions of [2, 3, 4], with and without keepdim,
 * and max along a dimension with its indices (ties and a NaN among the values), its gradient and
 * argmax, against PyTorch 1.13 in float64 (values in {@code src/test/resources/arithmetic}).
 */
class ReductionsTest {

    @Test
    void sumAndMeanOverDimensionsMatchPyTorch() throws IOException {
        Map<String, float[]> v = TorchValues.read("/arithmetic/reductions.txt");
        Object[][] cases = {{"sum1", new int[] {1}, false, true}, {"sum02k", new int[] {0, 2}, true, true},
            {"sumlast", new int[] {-1}, false, true}, {"sumall", new int[] {}, false, true},
            {"mean12", new int[] {1, 2}, false, false}, {"meanallk", new int[] {0, 1, 2}, true, false}};
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.of(arena, v.get("x"), 2, 3, 4);
            for (Object[] c : cases) {
                String key = (String) c[0];
                int[] dims = (int[]) c[1];
                boolean keep = (Boolean) c[2];
                boolean sum = (Boolean) c[3];
                Tensor y = sum ? Reductions.sum(x, dims, keep, arena) : Reductions.mean(x, dims, keep, arena);
                long[] want = TorchValues.shape(v, key + ".shape");
                assertThat(y.shape()).as(key).containsExactly(want);
                TorchValues.assertClose(key + " y", y.toFloatArray(), v.get(key + ".y"), 1e-6f);
                Tensor u = Tensor.of(arena, v.get(key + ".u"), y.shape());
                Tensor gx = sum ? Reductions.sumBackward(x, dims, keep, u, arena)
                        : Reductions.meanBackward(x, dims, keep, u, arena);
                assertThat(gx.shape()).as(key + " d x shape").containsExactly(2, 3, 4);
                TorchValues.assertClose(key + " d x", gx.toFloatArray(), v.get(key + ".gx"), 1e-6f);
            }
            assertThatThrownBy(() -> Reductions.sum(x, new int[] {3}, false, arena)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-3 to 2");
            assertThatThrownBy(() -> Reductions.mean(x, new int[] {1, -2}, false, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than once");
            assertThatThrownBy(() -> Reductions.sumBackward(x, new int[] {1}, false, Tensor.zeros(arena, 2, 1, 4), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 4]");
            assertThat(Reductions.mean(Tensor.zeros(arena, 0, 3), new int[] {0}, false, arena).toFloatArray())
                    .containsOnly(Float.NaN);
            assertThat(Reductions.sum(Tensor.scalar(arena, 3f), new int[] {0}, false, arena).item()).isEqualTo(3f);
        }
    }

    @Test
    void maxAlongADimensionMatchesPyTorchWithTiesAndNaN() throws IOException {
        Map<String, float[]> v = TorchValues.read("/arithmetic/max.txt");
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.of(arena, v.get("x"), 2, 3, 4);
            for (Object[] c : new Object[][] {{"d1", 1, false}, {"last", -1, true}, {"d0", 0, false}}) {
                String key = (String) c[0];
                int dim = (Integer) c[1];
                boolean keep = (Boolean) c[2];
                Reductions.Maximum m = Reductions.max(x, dim, keep, arena);
                assertThat(m.values().shape()).as(key).containsExactly(TorchValues.shape(v, key + ".shape"));
                assertThat(m.values().toFloatArray()).as(key + " values").containsExactly(v.get(key + ".values"));
                float[] want = v.get(key + ".indices");
                long[] got = m.indices().toLongArray();
                for (int i = 0; i < want.length; i++) {
                    assertThat(got[i]).as("%s index %d", key, i).isEqualTo((long) want[i]);
                }
                assertThat(Reductions.argmax(x, dim, keep, arena).toLongArray()).containsExactly(got);
                Tensor gx = Reductions.maxBackward(x, m.indices(), dim, keep, Tensor.of(arena, v.get(key + ".u"), m.values().shape()),
                        arena);
                assertThat(gx.toFloatArray()).as(key + " d x").containsExactly(v.get(key + ".gx"));
            }
            assertThatThrownBy(() -> Reductions.max(Tensor.zeros(arena, 2, 0), 1, false, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no element");
            Tensor indices = Tensor.ofLongs(arena, new long[] {0, 5}, 2);
            assertThatThrownBy(() -> Reductions.maxBackward(Tensor.zeros(arena, 2, 3), indices, 1, false, Tensor.zeros(arena, 2),
                    arena)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("index 5");
        }
    }
}
