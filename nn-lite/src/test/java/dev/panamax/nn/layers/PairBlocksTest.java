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
 * The blocks of two inputs against PyTorch 1.13 in float64: Bilinear over inputs with two leading
 * dimensions and over one sample without bias (values in {@code src/test/resources/bilinear}), and
 * the PairwiseDistance and CosineSimilarity modules over the functional cases of
 * {@code src/test/resources/distances}.
 */
class PairBlocksTest {

    @Test
    void bilinearMatchesPyTorchWithLeadingDimensionsAndUnbatched() throws IOException {
        Map<String, float[]> v = TorchValues.read("/bilinear/values.txt");
        try (Arena arena = Arena.ofConfined()) {
            Bilinear m = new Bilinear(3, 4, 2);
            assertThat(m.namedParameters()).containsOnlyKeys("weight", "bias");
            m.weight().value().copyFrom(Tensor.of(arena, v.get("weight"), 2, 3, 4));
            m.bias().value().copyFrom(Tensor.of(arena, v.get("bias"), 2));
            Tensor y = m.forward(Tensor.of(arena, v.get("x1"), 2, 3, 3), Tensor.of(arena, v.get("x2"), 2, 3, 4), arena);
            assertThat(y.shape()).containsExactly(2, 3, 2);
            TorchValues.assertClose("y", y.toFloatArray(), v.get("y"), 3e-6f);
            PairGradients g = m.backward(Tensor.of(arena, v.get("u"), 2, 3, 2), arena);
            assertThat(g.x1().shape()).containsExactly(2, 3, 3);
            assertThat(g.x2().shape()).containsExactly(2, 3, 4);
            TorchValues.assertClose("d x1", g.x1().toFloatArray(), v.get("gx1"), 3e-6f);
            TorchValues.assertClose("d x2", g.x2().toFloatArray(), v.get("gx2"), 3e-6f);
            TorchValues.assertClose("d weight", m.weight().grad().toFloatArray(), v.get("gweight"), 3e-6f);
            TorchValues.assertClose("d bias", m.bias().grad().toFloatArray(), v.get("gbias"), 3e-6f);

            Bilinear one = new Bilinear(3, 4, 2, false, Init.generator());
            assertThat(one.namedParameters()).containsOnlyKeys("weight");
            one.weight().value().copyFrom(m.weight().value());
            Tensor ys = one.forward(Tensor.of(arena, v.get("x1s"), 3), Tensor.of(arena, v.get("x2s"), 4), arena);
            assertThat(ys.shape()).containsExactly(2);
            TorchValues.assertClose("y one sample", ys.toFloatArray(), v.get("ys"), 3e-6f);
            PairGradients gs = one.backward(Tensor.of(arena, v.get("us"), 2), arena);
            assertThat(gs.x1().shape()).containsExactly(3);
            TorchValues.assertClose("d x1 one sample", gs.x1().toFloatArray(), v.get("gx1s"), 3e-6f);
            TorchValues.assertClose("d x2 one sample", gs.x2().toFloatArray(), v.get("gx2s"), 3e-6f);
            TorchValues.assertClose("d weight one sample", one.weight().grad().toFloatArray(), v.get("gweights"), 3e-6f);
        }
    }

    @Test
    void bilinearRefusesMismatchedInputsByName() {
        try (Arena arena = Arena.ofConfined()) {
            Bilinear m = new Bilinear(3, 4, 2);
            assertThatThrownBy(() -> m.forward(Tensor.zeros(arena, 5, 3), Tensor.zeros(arena, 5, 5), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x2 [*, 4]").hasMessageContaining("[5, 5]");
            assertThatThrownBy(() -> m.forward(Tensor.zeros(arena, 5, 3), Tensor.zeros(arena, 6, 4), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("same leading dimensions");
            assertThatThrownBy(() -> m.backward(Tensor.zeros(arena, 5, 2), arena))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("backward called before forward");
            m.forward(Tensor.zeros(arena, 5, 3), Tensor.zeros(arena, 5, 4), arena);
            assertThatThrownBy(() -> m.backward(Tensor.zeros(arena, 4, 2), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[4, 2]");
            assertThatThrownBy(() -> new Bilinear(0, 4, 2)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void distanceModulesAreTheFunctionalOps() throws IOException {
        Map<String, float[]> v = TorchValues.read("/distances/values.txt");
        try (Arena arena = Arena.ofConfined()) {
            Tensor a = Tensor.of(arena, v.get("a"), 2, 3, 4);
            Tensor b = Tensor.of(arena, v.get("b"), 2, 3, 4);
            CosineSimilarity cos = new CosineSimilarity(-1, 1e-3f);
            Tensor c = cos.forward(a, b, arena);
            assertThat(c.shape()).containsExactly(2, 3);
            TorchValues.assertClose("cosine", c.toFloatArray(), v.get("cos_last.y"), 3e-6f);
            PairGradients gc = cos.backward(Tensor.of(arena, v.get("cos_last.u"), 2, 3), arena);
            TorchValues.assertClose("cosine d x1", gc.x1().toFloatArray(), v.get("cos_last.g1"), 3e-6f);
            TorchValues.assertClose("cosine d x2", gc.x2().toFloatArray(), v.get("cos_last.g2"), 3e-6f);

            PairwiseDistance pd = new PairwiseDistance(1, 1e-3f, true);
            Tensor d = pd.forward(a, b, arena);
            assertThat(d.shape()).containsExactly(2, 3, 1);
            TorchValues.assertClose("distance", d.toFloatArray(), v.get("pd_p1_keep.y"), 3e-6f);
            PairGradients gd = pd.backward(Tensor.of(arena, v.get("pd_p1_keep.u"), 2, 3, 1), arena);
            TorchValues.assertClose("distance d x1", gd.x1().toFloatArray(), v.get("pd_p1_keep.g1"), 3e-6f);
            TorchValues.assertClose("distance d x2", gd.x2().toFloatArray(), v.get("pd_p1_keep.g2"), 3e-6f);
            assertThat(new PairwiseDistance().namedParameters()).isEmpty();
            assertThatThrownBy(() -> new PairwiseDistance(0.5, 1e-6f, false)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("0.5");
        }
    }
}
