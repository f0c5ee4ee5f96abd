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
 * {@code torch.matmul} against PyTorch 1.13 in float64 (values in {@code src/test/resources/matmul}):
 * [3, 4] @ [4, 5], batch dimensions broadcast ([2, 1, 3, 4] @ [3, 4, 2]), a vector times a batch of
 * matrices ([4] @ [2, 4, 3]), a batch of matrices times a vector, two vectors, and a batch times a
 * transposed view ([2, 3, 4] @ [2, 5, 4].transpose(-2, -1)): shapes, values and both gradients,
 * summed over the batch dimensions an input was broadcast along.
 */
class MatmulTest {

    @Test
    void matmulAndItsGradientsMatchPyTorch() throws IOException {
        Map<String, float[]> v = TorchValues.read("/matmul/values.txt");
        Object[][] cases = {{"mm", new long[] {3, 4}, new long[] {4, 5}}, {"bcast", new long[] {2, 1, 3, 4}, new long[] {3, 4, 2}},
            {"vm", new long[] {4}, new long[] {2, 4, 3}}, {"mv", new long[] {2, 3, 4}, new long[] {4}},
            {"dot", new long[] {4}, new long[] {4}}};
        for (Object[] c : cases) {
            try (Arena arena = Arena.ofConfined()) {
                String key = (String) c[0];
                Tensor a = Tensor.of(arena, v.get(key + ".a"), (long[]) c[1]);
                Tensor b = Tensor.of(arena, v.get(key + ".b"), (long[]) c[2]);
                check(key, v, a, b, arena);
            }
        }
    }

    @Test
    void aTransposedBatchIsReadWhereItLies() throws IOException {
        Map<String, float[]> v = TorchValues.read("/matmul/values.txt");
        try (Arena arena = Arena.ofConfined()) {
            Tensor a = Tensor.of(arena, v.get("t.a"), 2, 3, 4);
            Tensor base = Tensor.of(arena, v.get("t.b"), 2, 5, 4);
            Tensor[] g = check("t", v, a, base.transpose(1, 2), arena);
            assertThat(g[1].shape()).containsExactly(2, 4, 5);
        }
    }

    @Test
    void mismatchedMatricesAreRefusedWithBothShapes() {
        try (Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> LinearAlgebra.matmul(Tensor.zeros(arena, 2, 3), Tensor.zeros(arena, 4, 2), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 3]").hasMessageContaining("[4, 2]");
            assertThatThrownBy(() -> LinearAlgebra.matmul(Tensor.zeros(arena, 2, 2, 3), Tensor.zeros(arena, 3, 3, 1), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("do not broadcast");
            assertThatThrownBy(() -> LinearAlgebra.matmul(Tensor.scalar(arena, 1f), Tensor.zeros(arena, 3), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one dimension");
            assertThat(LinearAlgebra.matmul(Tensor.zeros(arena, 2, 0), Tensor.zeros(arena, 0, 3), arena).toFloatArray())
                    .containsExactly(0f, 0f, 0f, 0f, 0f, 0f);
        }
    }

    private static Tensor[] check(String key, Map<String, float[]> v, Tensor a, Tensor b, Arena arena) {
        Tensor y = LinearAlgebra.matmul(a, b, arena);
        long[] want = TorchValues.shape(v, key + ".shape");
        assertThat(y.shape()).as(key).containsExactly(want);
        TorchValues.assertClose(key + " y", y.toFloatArray(), v.get(key + ".y"), 1e-6f);
        Tensor[] g = LinearAlgebra.matmulBackward(a, b, Tensor.of(arena, v.get(key + ".u"), y.shape()), arena);
        assertThat(g[0].shape()).as(key + " d a shape").containsExactly(a.shape());
        assertThat(g[1].shape()).as(key + " d b shape").containsExactly(b.shape());
        TorchValues.assertClose(key + " d a", g[0].toFloatArray(), v.get(key + ".ga"), 2e-6f);
        Tensor gb = key.equals("t") ? g[1].transpose(1, 2).contiguous(arena) : g[1];
        TorchValues.assertClose(key + " d b", gb.toFloatArray(), v.get(key + ".gb"), 2e-6f);
        return g;
    }
}
