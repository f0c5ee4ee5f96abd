package dev.panamax.nn.losses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.TorchValues;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * MarginRankingLoss (one pair exactly at the hinge's corner, where PyTorch passes the gradient),
 * CosineEmbeddingLoss (a parallel dissimilar pair) and TripletMarginLoss (p 2; p 1 with swap; p 3
 * with eps 1e-3) against PyTorch 1.13 in float64, every reduction: the loss, and the gradients of
 * all inputs for an upstream gradient of 0.5 (mean, sum) or a tensor of them (none). Values in
 * {@code src/test/resources/marginlosses}.
 */
class MarginLossesTest {

    @Test
    void marginRanking() throws IOException {
        for (Reduction r : Reduction.values()) {
            check("ranking", new MarginRankingLoss(0.125f, r), r, "r1", "r2", "ry", 1);
        }
    }

    @Test
    void cosineEmbedding() throws IOException {
        for (Reduction r : Reduction.values()) {
            check("cosine", new CosineEmbeddingLoss(0.25f, r), r, "x1", "x2", "y", 3);
        }
    }

    @Test
    void tripletMargin() throws IOException {
        for (Reduction r : Reduction.values()) {
            check("triplet", new TripletMarginLoss(1f, 2, 1e-6f, false, r), r, "a", "p", "n", 3);
            check("triplet_l1_swap", new TripletMarginLoss(0.5f, 1, 1e-6f, true, r), r, "a", "p", "n", 3);
            check("triplet_p3", new TripletMarginLoss(2f, 3, 1e-3f, false, r), r, "a", "p", "n", 3);
        }
    }

    @Test
    void integerLabelsAndMisuse() throws IOException {
        Map<String, float[]> in = read("/marginlosses/inputs.txt");
        try (Arena arena = Arena.ofConfined()) {
            Tensor x1 = Tensor.of(arena, in.get("x1"), 4, 3);
            Tensor x2 = Tensor.of(arena, in.get("x2"), 4, 3);
            Tensor floats = Tensor.of(arena, in.get("y"), 4);
            Tensor longs = Tensor.ofLongs(arena, new long[] {1, -1, 1, -1}, 4);
            CosineEmbeddingLoss loss = new CosineEmbeddingLoss(0.25f, Reduction.SUM);
            assertThat(loss.forward(x1, x2, longs, arena).item()).isEqualTo(loss.forward(x1, x2, floats, arena).item());
            assertThatThrownBy(() -> loss.forward(x1, x2, Tensor.zeros(arena, 3), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("target must have shape [4]");
            assertThatThrownBy(() -> new TripletMarginLoss().forward(x1, x2, Tensor.zeros(arena, 4, 2), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("input3");
            assertThatThrownBy(() -> new TripletMarginLoss(1f, 0.5, 1e-6f, false, Reduction.MEAN))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("p must be finite and >= 1");
            assertThatThrownBy(() -> new MarginRankingLoss().forward(Tensor.zeros(arena, 4), Tensor.zeros(arena, 4),
                    Tensor.zeros(arena, DType.INT64, 4), arena)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("target must be FLOAT32");
            assertThatThrownBy(() -> new MarginRankingLoss(0f, Reduction.NONE).backward(arena))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    private static void check(String tag, ThreeInputLoss loss, Reduction r, String a, String b, String c, int d)
            throws IOException {
        Map<String, float[]> in = read("/marginlosses/inputs.txt");
        Map<String, float[]> want = read("/marginlosses/expected.txt");
        String key = tag + "." + r.pytorchName();
        try (Arena arena = Arena.ofConfined()) {
            long[] shape = d == 1 ? new long[] {4} : new long[] {4, d};
            Tensor third = c.equals("y") || c.equals("ry") ? Tensor.of(arena, in.get(c), 4) : Tensor.of(arena, in.get(c), shape);
            Tensor l = loss.forward(Tensor.of(arena, in.get(a), shape), Tensor.of(arena, in.get(b), shape), third, arena);
            assertClose(key + " loss", l.toFloatArray(), want.get(key + ".loss"));
            Tensor up = r == Reduction.NONE ? Tensor.of(arena, in.get("u"), 4) : Tensor.scalar(arena, 0.5f);
            Tensor[] g = loss.backward(up, arena);
            for (int i = 0; i < 3; i++) {
                float[] expected = want.get(key + ".g" + i);
                if (expected == null) {
                    assertThat(g[i]).as(key + " gradient " + i).isNull();
                } else {
                    assertClose(key + " gradient " + i, g[i].toFloatArray(), expected);
                }
            }
        }
    }

    private static Map<String, float[]> read(String path) throws IOException {
        return TorchValues.read(path);
    }

    private static void assertClose(String what, float[] actual, float[] expected) {
        TorchValues.assertClose(what, actual, expected, 3e-6f);
    }
}
