package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.TorchValues;
import dev.panamax.nn.tensor.Tensor;

/**
 * Embedding's max_norm (2-norm and 1-norm: the rows read renormalised in place, the others not),
 * scale_grad_by_freq with a padding row, against PyTorch 1.13 in float64 (output, table after the
 * forward pass, table gradient); and from_pretrained, frozen (a buffer: no parameter, no gradient)
 * or not. Values in {@code src/test/resources/embedding}.
 */
class EmbeddingOptionsTest {

    @Test
    void againstPyTorch() throws IOException {
        Map<String, float[]> v = TorchValues.read("/embedding/options.txt");
        check("maxnorm", Embedding.Options.defaults().maxNorm(1.0), v);
        check("maxnorm_p1", Embedding.Options.defaults().maxNorm(2.0).normType(1), v);
        check("freq_pad", Embedding.Options.defaults().scaleGradByFreq(true).paddingIdx(1L), v);
    }

    @Test
    void fromPretrained() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor vectors = Tensor.of(arena, new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
            Embedding frozen = Embedding.fromPretrained(vectors, true, Embedding.Options.defaults());
            assertThat(frozen.parameters()).isEmpty();
            assertThat(frozen.weight()).isNull();
            assertThat(frozen.stateDict().get("weight").toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);
            Tensor ids = Tensor.ofLongs(arena, new long[] {2, 0}, 2);
            assertThat(frozen.forward(ids, arena).toFloatArray()).containsExactly(5, 6, 1, 2);
            assertThat(frozen.backward(Tensor.zeros(arena, 2, 2).fill(1f), arena)).isNull();
            assertThat(frozen.table().toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);

            Embedding trainable = Embedding.fromPretrained(vectors, false, Embedding.Options.defaults());
            assertThat(trainable.namedParameters()).containsKey("weight");
            trainable.forward(ids, arena);
            trainable.backward(Tensor.zeros(arena, 2, 2).fill(1f), arena);
            assertThat(trainable.weight().grad().toFloatArray()).containsExactly(1, 1, 0, 0, 1, 1);
            assertThatThrownBy(() -> Embedding.fromPretrained(Tensor.zeros(arena, 6), true, Embedding.Options.defaults()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[num, dim]");
            assertThatThrownBy(() -> Embedding.Options.defaults().maxNorm(-1.0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max_norm");
        }
    }

    private static void check(String key, Embedding.Options options, Map<String, float[]> v) {
        try (Arena arena = Arena.ofConfined()) {
            Embedding e = new Embedding(6, 4, options, new SplittableRandom(1));
            e.table().copyFrom(Tensor.of(arena, v.get("w0"), 6, 4));
            Tensor ids = Tensor.ofLongs(arena, new long[] {0, 2, 2, 5, 1, 0}, 2, 3);
            TorchValues.assertClose(key + " output", e.forward(ids, arena).toFloatArray(), v.get(key + ".y"));
            TorchValues.assertClose(key + " table", e.table().toFloatArray(), v.get(key + ".table"));
            e.backward(Tensor.of(arena, v.get("u"), 2, 3, 4), arena);
            TorchValues.assertClose(key + " gradient", e.weight().grad().toFloatArray(), v.get(key + ".g"));
        }
    }
}
