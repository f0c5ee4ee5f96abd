package dev.panamax.properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static dev.panamax.properties.Theories.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.functional.Embeddings;
import dev.panamax.nn.tensor.Tensor;

/** Embedding gather and scatter-add, with repeated indices and a padding row. */
class EmbeddingPropertiesTest {

    @Test
    void gatherAndScatterAdd() {
        qt().withExamples(100).forAll(integers().between(1, 12), integers().between(1, 40), integers().between(0, 30), longs().all())
                .checkAssert((v, d, count, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    float[] ws = Arrays2.uniform(r, v * d, -1, 1);
                    long[] idx = new long[count];
                    for (int i = 0; i < count; i++) {
                        idx[i] = r.nextInt(v);
                    }
                    float[] gs = Arrays2.uniform(r, count * d, -1, 1);
                    Long padding = r.nextBoolean() ? (long) r.nextInt(v) : null;
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor w = Tensor.of(arena, ws, v, d);
                        Tensor indices = Tensor.ofLongs(arena, idx, count);
                        float[] y = Embeddings.lookup(w, indices, arena).toFloatArray();
                        double[] want = new double[v * d];
                        for (int i = 0; i < count; i++) {
                            for (int k = 0; k < d; k++) {
                                assertThat(y[i * d + k]).isEqualTo(ws[(int) idx[i] * d + k]);
                                if (padding == null || idx[i] != padding) {
                                    want[(int) idx[i] * d + k] += gs[i * d + k];
                                }
                            }
                        }
                        Tensor gw = Embeddings.lookupBackward(w, indices, Tensor.of(arena, gs, count, d), padding, arena);
                        Close.assertClose("gw", gw.toFloatArray(), want, 1e-5, 1e-6);
                    }
                });
    }

    @Test
    void outOfRangeIndexIsRejected() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor w = Tensor.zeros(arena, 4, 2);
            assertThatThrownBy(() -> Embeddings.lookup(w, Tensor.ofLongs(arena, new long[] {1, 4}, 2), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("indices[1] must be in [0, 4), got 4");
        }
    }
}
