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
 * cosine_similarity along a middle and the last dimension (an identical pair; a norm below eps,
 * clamped) and pairwise_distance (p 2; p 1 with keepdim and eps 1e-3; p 3) on [2, 3, 4] against
 * PyTorch 1.13 in float64: values, shapes and the gradients of both inputs. Values in
 * {@code src/test/resources/distances}.
 */
class DistancesTest {

    @Test
    void cosineSimilarity() throws IOException {
        Map<String, float[]> v = TorchValues.read("/distances/values.txt");
        try (Arena arena = Arena.ofConfined()) {
            Tensor a = Tensor.of(arena, v.get("a"), 2, 3, 4);
            Tensor b = Tensor.of(arena, v.get("b"), 2, 3, 4);
            for (Object[] c : new Object[][] {{"cos_dim1", 1, 1e-8f}, {"cos_last", -1, 1e-3f}}) {
                String key = (String) c[0];
                int dim = (Integer) c[1];
                float eps = (Float) c[2];
                Tensor y = Distances.cosineSimilarity(a, b, dim, eps, arena);
                Tensor u = Tensor.of(arena, v.get(key + ".u"), y.shape());
                check(key, y, Distances.cosineSimilarityBackward(a, b, dim, eps, u, arena), v);
            }
        }
    }

    @Test
    void pairwiseDistance() throws IOException {
        Map<String, float[]> v = TorchValues.read("/distances/values.txt");
        try (Arena arena = Arena.ofConfined()) {
            Tensor a = Tensor.of(arena, v.get("a"), 2, 3, 4);
            Tensor b = Tensor.of(arena, v.get("b"), 2, 3, 4);
            for (Object[] c : new Object[][] {{"pd", 2.0, 1e-6f, false}, {"pd_p1_keep", 1.0, 1e-3f, true},
                {"pd_p3", 3.0, 1e-6f, false}}) {
                String key = (String) c[0];
                double p = (Double) c[1];
                float eps = (Float) c[2];
                boolean keep = (Boolean) c[3];
                Tensor y = Distances.pairwiseDistance(a, b, p, eps, keep, arena);
                Tensor u = Tensor.of(arena, v.get(key + ".u"), y.shape());
                check(key, y, Distances.pairwiseDistanceBackward(a, b, p, eps, keep, u, arena), v);
            }
        }
    }

    @Test
    void misuse() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor a = Tensor.zeros(arena, 2, 3);
            assertThatThrownBy(() -> Distances.cosineSimilarity(a, Tensor.zeros(arena, 3, 2), 1, 1e-8f, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x2");
            assertThatThrownBy(() -> Distances.cosineSimilarity(a, a, 2, 1e-8f, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dim 2 is out of range");
            assertThatThrownBy(() -> Distances.pairwiseDistance(a, a, 0.5, 1e-6f, false, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("p >= 1");
            assertThat(Distances.pairwiseDistance(Tensor.zeros(arena, 2, 0), Tensor.zeros(arena, 2, 0), 2, 0f, false, arena)
                    .toFloatArray()).containsExactly(0f, 0f);
        }
    }

    private static void check(String key, Tensor y, Tensor[] g, Map<String, float[]> v) {
        long[] want = TorchValues.shape(v, key + ".shape");
        assertThat(y.shape()).as(key + " shape").containsExactly(want);
        TorchValues.assertClose(key, y.toFloatArray(), v.get(key + ".y"), 3e-6f);
        TorchValues.assertClose(key + " d x1", g[0].toFloatArray(), v.get(key + ".g1"), 3e-6f);
        TorchValues.assertClose(key + " d x2", g[1].toFloatArray(), v.get(key + ".g2"), 3e-6f);
        assertThat(g[0].shape()).containsExactly(2, 3, 4);
    }
}
