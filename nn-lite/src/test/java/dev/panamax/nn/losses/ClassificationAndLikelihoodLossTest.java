package dev.panamax.nn.losses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.TorchValues;
import dev.panamax.nn.tensor.Tensor;

/**
 * SoftMarginLoss (far tails of ±40), HingeEmbeddingLoss (a distance exactly at the margin, where
 * PyTorch passes the gradient, and a label neither 1 nor -1), MultiMarginLoss (p 1 with a term
 * exactly at the corner, which PyTorch gives no gradient; p 2 with class weights; one sample),
 * MultiLabelSoftMarginLoss (with and without weights), PoissonNLLLoss (log-rates; rates with
 * Stirling's term) and GaussianNLLLoss (variances of zero and below eps, clamped; one per row as
 * {@code [N, 1]} and as {@code [N]}) against PyTorch 1.13 in float64, every reduction: the loss,
 * and the gradients for an upstream gradient of 0.5 (mean, sum) or a tensor of them (none).
 * Values in {@code src/test/resources/morelosses}.
 */
class ClassificationAndLikelihoodLossTest {

    private static final long[] ROWS_OF_FOUR = {3, 4};
    private static final long[] SCORES = {4, 5};
    private static final long[] COUNTS = {2, 5};

    @Test
    void softMargin() throws IOException {
        for (Reduction r : Reduction.values()) {
            check("soft", new SoftMarginLoss(r), r, "sx", "sy", ROWS_OF_FOUR, "u12", ROWS_OF_FOUR);
        }
    }

    @Test
    void hingeEmbedding() throws IOException {
        for (Reduction r : Reduction.values()) {
            check("hinge", new HingeEmbeddingLoss(1.5f, r), r, "hx", "hy", ROWS_OF_FOUR, "u12", ROWS_OF_FOUR);
        }
    }

    @Test
    void multiMargin() throws IOException {
        Map<String, float[]> in = TorchValues.read("/morelosses/inputs.txt");
        try (Arena arena = Arena.ofConfined()) {
            Tensor weight = Tensor.of(arena, in.get("mw"), 5);
            for (Reduction r : Reduction.values()) {
                check("multi", new MultiMarginLoss(1, 1f, null, r), r, "mx", "mt", SCORES, "u4", new long[] {4});
                check("multi_p2w", new MultiMarginLoss(2, 0.5f, weight, r), r, "mx", "mt", SCORES, "u4", new long[] {4});
            }
            Map<String, float[]> want = TorchValues.read("/morelosses/expected.txt");
            MultiMarginLoss loss = new MultiMarginLoss();
            Tensor one = Tensor.of(arena, java.util.Arrays.copyOf(in.get("mx"), 5), 5);
            float l = loss.forward(one, Tensor.ofLongs(arena, new long[] {2}), arena);
            assertClose("one sample loss", new float[] {l}, want.get("multi_one.loss"));
            assertClose("one sample gradient", loss.backward(Tensor.scalar(arena, 0.5f), arena).toFloatArray(),
                    want.get("multi_one.g0"));
        }
    }

    @Test
    void multilabelSoftMargin() throws IOException {
        Map<String, float[]> in = TorchValues.read("/morelosses/inputs.txt");
        try (Arena arena = Arena.ofConfined()) {
            Tensor weight = Tensor.of(arena, in.get("mw"), 5);
            for (Reduction r : Reduction.values()) {
                check("multilabel", new MultiLabelSoftMarginLoss(null, r), r, "lx", "ly", SCORES, "u4", new long[] {4});
                check("multilabel_w", new MultiLabelSoftMarginLoss(weight, r), r, "lx", "ly", SCORES, "u4", new long[] {4});
            }
        }
    }

    @Test
    void poissonNll() throws IOException {
        for (Reduction r : Reduction.values()) {
            check("poisson", new PoissonNllLoss(true, false, 1e-8f, r), r, "px", "pt", COUNTS, "u10", COUNTS);
            check("poisson_rate_full", new PoissonNllLoss(false, true, 1e-8f, r), r, "pr", "pt", COUNTS, "u10", COUNTS);
        }
    }

    @Test
    void gaussianNll() throws IOException {
        Map<String, float[]> in = TorchValues.read("/morelosses/inputs.txt");
        Map<String, float[]> want = TorchValues.read("/morelosses/expected.txt");
        try (Arena arena = Arena.ofConfined()) {
            for (Reduction r : Reduction.values()) {
                Object[][] cases = {
                    {"gauss", new GaussianNllLoss(false, 1e-6f, r), Tensor.of(arena, in.get("gv"), 4, 3)},
                    {"gauss_row1", new GaussianNllLoss(true, 1e-6f, r), Tensor.of(arena, in.get("gv1"), 4, 1)},
                    {"gauss_row", new GaussianNllLoss(false, 1e-3f, r), Tensor.of(arena, in.get("gv0"), 4)},
                };
                for (Object[] c : cases) {
                    String key = c[0] + "." + r.pytorchName();
                    GaussianNllLoss loss = (GaussianNllLoss) c[1];
                    Tensor var = (Tensor) c[2];
                    Tensor l = loss.forward(Tensor.of(arena, in.get("gx"), 4, 3), Tensor.of(arena, in.get("gt"), 4, 3), var, arena);
                    assertClose(key + " loss", l.toFloatArray(), want.get(key + ".loss"));
                    Tensor up = r == Reduction.NONE ? Tensor.of(arena, in.get("u43"), 4, 3) : Tensor.scalar(arena, 0.5f);
                    Tensor[] g = loss.backward(up, arena);
                    for (int i = 0; i < 3; i++) {
                        assertClose(key + " gradient " + i, g[i].toFloatArray(), want.get(key + ".g" + i));
                    }
                    assertThat(g[2].shape()).isEqualTo(var.shape());
                }
            }
        }
    }

    @Test
    void integerLabelsAndMisuse() throws IOException {
        Map<String, float[]> in = TorchValues.read("/morelosses/inputs.txt");
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.of(arena, in.get("sx"), 3, 4);
            float[] y = in.get("sy");
            long[] labels = new long[y.length];
            for (int i = 0; i < y.length; i++) {
                labels[i] = (long) y[i];
            }
            SoftMarginLoss soft = new SoftMarginLoss(Reduction.SUM);
            assertThat(soft.forward(x, Tensor.ofLongs(arena, labels, 3, 4), arena))
                    .isEqualTo(soft.forward(x, Tensor.of(arena, y, 3, 4), arena));

            Tensor scores = Tensor.of(arena, in.get("mx"), 4, 5);
            Tensor out = Tensor.ofLongs(arena, new long[] {2, 0, 5, 1}, 4);
            assertThatThrownBy(() -> new MultiMarginLoss().forward(scores, out, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("target[2] = 5 is not a class index in [0, 5)");
            assertThatThrownBy(() -> new MultiMarginLoss(3, 1f, null, Reduction.MEAN))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("p = 1 or 2");
            assertThatThrownBy(() -> new MultiMarginLoss().forward(scores, Tensor.of(arena, new float[4], 4), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("target must be INT64");
            assertThatThrownBy(() -> new MultiMarginLoss(1, 1f, Tensor.zeros(arena, 4), Reduction.MEAN)
                    .forward(scores, Tensor.ofLongs(arena, new long[] {0, 1, 2, 3}, 4), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight (one per class)");
            assertThatThrownBy(() -> new MultiLabelSoftMarginLoss().forward(scores, Tensor.zeros(arena, 4, 4), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("target");

            Tensor gx = Tensor.of(arena, in.get("gx"), 4, 3);
            Tensor gt = Tensor.of(arena, in.get("gt"), 4, 3);
            Tensor negative = Tensor.of(arena, new float[] {1f, -0.5f, 1f, 1f}, 4);
            assertThatThrownBy(() -> new GaussianNllLoss().forward(gx, gt, negative, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("var[1] = -0.5");
            assertThatThrownBy(() -> new GaussianNllLoss().forward(gx, gt, Tensor.zeros(arena, 4, 2), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("var must have the input's shape [4, 3]");
            assertThatThrownBy(() -> new PoissonNllLoss().forward(gx, Tensor.zeros(arena, 3, 4), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("target");
        }
    }

    private static void check(String tag, InputTargetLoss loss, Reduction r, String x, String y, long[] shape, String u,
                              long[] lossShape) throws IOException {
        Map<String, float[]> in = TorchValues.read("/morelosses/inputs.txt");
        Map<String, float[]> want = TorchValues.read("/morelosses/expected.txt");
        String key = tag + "." + r.pytorchName();
        try (Arena arena = Arena.ofConfined()) {
            Tensor target = y.equals("mt") ? Tensor.ofLongs(arena, longs(in.get(y)), 4) : Tensor.of(arena, in.get(y), shape);
            Tensor l = loss.forwardTensor(Tensor.of(arena, in.get(x), shape), target, arena);
            assertClose(key + " loss", l.toFloatArray(), want.get(key + ".loss"));
            if (r == Reduction.NONE) {
                assertThat(l.shape()).as(key + " shape").isEqualTo(lossShape);
            }
            Tensor up = r == Reduction.NONE ? Tensor.of(arena, in.get(u), lossShape) : Tensor.scalar(arena, 0.5f);
            assertClose(key + " gradient", loss.backward(up, arena).toFloatArray(), want.get(key + ".g0"));
        }
    }

    private static long[] longs(float[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (long) values[i];
        }
        return out;
    }

    private static void assertClose(String what, float[] actual, float[] expected) {
        TorchValues.assertClose(what, actual, expected, 3e-6f);
    }
}
