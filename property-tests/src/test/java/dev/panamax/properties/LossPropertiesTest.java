package dev.panamax.properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static dev.panamax.properties.Theories.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.functional.ClassificationMarginFunctions;
import dev.panamax.nn.functional.Losses;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * cross_entropy, mse_loss and binary_cross_entropy_with_logits against double references, and
 * their three reductions against one another.
 */
class LossPropertiesTest {

    static double crossEntropy(double[] x, long[] t, double[] w, double eps, int n, int c) {
        double nll = 0;
        double smooth = 0;
        double norm = 0;
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < c; k++) {
                max = Math.max(max, x[i * c + k]);
            }
            double sum = 0;
            for (int k = 0; k < c; k++) {
                sum += Math.exp(x[i * c + k] - max);
            }
            double lse = max + Math.log(sum);
            double wt = w == null ? 1 : w[(int) t[i]];
            norm += wt;
            nll += wt * (lse - x[i * c + (int) t[i]]);
            for (int k = 0; k < c; k++) {
                smooth += (w == null ? 1 : w[k]) * (lse - x[i * c + k]);
            }
        }
        return ((1 - eps) * nll + eps / c * smooth) / norm;
    }

    static double bce(double[] x, double[] t, double[] pw, int c) {
        double total = 0;
        for (int i = 0; i < x.length; i++) {
            double p = pw == null ? 1 : pw[i % c];
            double logSig = -Reference.softplus(-x[i]);
            double logOneMinus = -x[i] - Reference.softplus(-x[i]);
            total += -(p * t[i] * logSig + (1 - t[i]) * logOneMinus);
        }
        return total / x.length;
    }

    @Test
    void crossEntropyMatchesReference() {
        qt().withExamples(150).forAll(integers().between(1, 9), integers().between(1, 40), booleans().all(), longs().all())
                .checkAssert((n, c, weighted, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    float[] xs = Arrays2.uniform(r, n * c, -6, 6);
                    long[] ts = new long[n];
                    for (int i = 0; i < n; i++) {
                        ts[i] = r.nextInt(c);
                    }
                    float[] ws = weighted ? Arrays2.uniform(r, c, 0.2, 3) : null;
                    float eps = new float[] {0f, 0.1f, 0.35f}[r.nextInt(3)];
                    float gradLoss = (float) (r.nextDouble() * 2 - 0.5);
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor x = Tensor.of(arena, xs, n, c);
                        Tensor t = Tensor.ofLongs(arena, ts, n);
                        Tensor w = ws == null ? null : Tensor.of(arena, ws, c);
                        double[] wd = ws == null ? null : Reference.toDouble(ws);
                        double[] xd = Reference.toDouble(xs);
                        Close.assertClose("loss", Losses.crossEntropy(x, t, w, eps, arena).item(),
                                crossEntropy(xd, ts, wd, eps, n, c), 1e-5, 1e-6);
                        double[] want = Reference.gradient(v -> gradLoss * crossEntropy(v, ts, wd, eps, n, c), xd);
                        Close.assertClose("grad", Losses.crossEntropyBackward(x, t, w, eps, gradLoss, arena).toFloatArray(),
                                want, 1e-3, 1e-6);
                    }
                });
    }

    @Test
    void mseAndBceMatchReference() {
        qt().withExamples(150).forAll(integers().between(1, 6), integers().between(1, 40), booleans().all(), longs().all())
                .checkAssert((rows, c, posWeighted, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    float[] xs = Arrays2.uniform(r, rows * c, -8, 8);
                    float[] ts = Arrays2.uniform(r, rows * c, 0, 1);
                    float[] pw = posWeighted ? Arrays2.uniform(r, c, 0.3, 4) : null;
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor x = Tensor.of(arena, xs, rows, c);
                        Tensor t = Tensor.of(arena, ts, rows, c);
                        Tensor p = pw == null ? null : Tensor.of(arena, pw, c);
                        double[] xd = Reference.toDouble(xs);
                        double[] td = Reference.toDouble(ts);
                        double[] pd = pw == null ? null : Reference.toDouble(pw);
                        Close.assertClose("bce", Losses.bceWithLogits(x, t, p, arena).item(), bce(xd, td, pd, c), 1e-5, 1e-6);
                        Close.assertClose("bce grad", Losses.bceWithLogitsBackward(x, t, p, 1f, arena).toFloatArray(),
                                Reference.gradient(v -> bce(v, td, pd, c), xd), 1e-3, 1e-6);

                        double[] mseWant = Reference.gradient(v -> {
                            double s = 0;
                            for (int i = 0; i < v.length; i++) {
                                s += (v[i] - td[i]) * (v[i] - td[i]);
                            }
                            return s / v.length;
                        }, xd);
                        double mse = 0;
                        for (int i = 0; i < xd.length; i++) {
                            mse += (xd[i] - td[i]) * (xd[i] - td[i]);
                        }
                        Close.assertClose("mse", Losses.mse(x, t, arena).item(), mse / xd.length, 1e-5, 1e-6);
                        Tensor[] g = Losses.mseBackward(x, t, 1f, arena);
                        Close.assertClose("mse grad input", g[0].toFloatArray(), mseWant, 1e-3, 1e-6);
                        double[] neg = new double[mseWant.length];
                        for (int i = 0; i < neg.length; i++) {
                            neg[i] = -mseWant[i];
                        }
                        Close.assertClose("mse grad target", g[1].toFloatArray(), neg, 1e-3, 1e-6);
                    }
                });
    }

    /**
     * The unreduced losses add up to the sum, which is the mean times its divisor (the targets'
     * weights for class indices, the rows for probabilities, the elements for MSE and BCE); the
     * unreduced backward scales each row (element) by its own upstream gradient, and with one
     * upstream value everywhere equals the sum's backward to the bit.
     */
    @Test
    void reductionsAgree() {
        qt().withExamples(100).forAll(integers().between(1, 7), integers().between(1, 40), booleans().all(), longs().all())
                .checkAssert((n, c, weighted, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    float[] xs = Arrays2.uniform(r, n * c, -6, 6);
                    long[] ts = new long[n];
                    for (int i = 0; i < n; i++) {
                        ts[i] = r.nextInt(4) == 0 ? -100 : r.nextInt(c);
                    }
                    float[] ws = weighted ? Arrays2.uniform(r, c, 0.2, 3) : null;
                    float eps = new float[] {0f, 0.1f, 0.35f}[r.nextInt(3)];
                    float[] up = Arrays2.uniform(r, n * c, -2, 2);
                    float same = up[0];
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor x = Tensor.of(arena, xs, n, c);
                        Tensor w = ws == null ? null : Tensor.of(arena, ws, c);
                        Tensor indices = Tensor.ofLongs(arena, ts, n);
                        Tensor probabilities = Tensor.of(arena, Arrays2.uniform(r, n * c, 0, 1), n, c);
                        double divisor = 0;
                        for (long t : ts) {
                            divisor += t == -100 ? 0 : ws == null ? 1 : ws[(int) t];
                        }
                        for (Tensor target : new Tensor[] {indices, probabilities}) {
                            double d = target == indices ? divisor : n;
                            float sum = Losses.crossEntropy(x, target, w, eps, -100, Reduction.SUM, arena).item();
                            float mean = Losses.crossEntropy(x, target, w, eps, -100, Reduction.MEAN, arena).item();
                            float[] each = Losses.crossEntropy(x, target, w, eps, -100, Reduction.NONE, arena).toFloatArray();
                            assertThat(each).hasSize(n);
                            Close.assertClose("sum of the rows", sum, total(each), 1e-5, 1e-5);
                            if (d > 0) {
                                Close.assertClose("mean times divisor", sum, (double) mean * d, 1e-5, 1e-5);
                            }
                            Tensor rowsUp = Tensor.of(arena, java.util.Arrays.copyOf(up, n), n);
                            float[] g = Losses.crossEntropyBackward(x, target, w, eps, -100, Reduction.NONE, rowsUp, arena)
                                    .toFloatArray();
                            float[] gSum = Losses.crossEntropyBackward(x, target, w, eps, -100, Reduction.SUM,
                                    Tensor.scalar(arena, 1f), arena).toFloatArray();
                            double[] scaled = new double[n * c];
                            for (int i = 0; i < n * c; i++) {
                                scaled[i] = (double) gSum[i] * up[i / c];
                            }
                            Close.assertClose("rows scaled by their upstream", g, scaled, 1e-5, 1e-6);
                            Tensor uniform = Tensor.empty(arena, n).fill(same);
                            float[] gUniform = Losses.crossEntropyBackward(x, target, w, eps, -100, Reduction.NONE, uniform,
                                    arena).toFloatArray();
                            assertThat(gUniform).containsExactly(Losses.crossEntropyBackward(x, target, w, eps, -100,
                                    Reduction.SUM, Tensor.scalar(arena, same), arena).toFloatArray());
                        }
                        Tensor t01 = Tensor.of(arena, Arrays2.uniform(r, n * c, 0, 1), n, c);
                        Tensor upstream = Tensor.of(arena, up, n, c);
                        Close.assertClose("mse", Losses.mse(x, t01, Reduction.SUM, arena).item(),
                                total(Losses.mse(x, t01, Reduction.NONE, arena).toFloatArray()), 1e-5, 1e-5);
                        Close.assertClose("mse mean", Losses.mse(x, t01, Reduction.SUM, arena).item(),
                                (double) Losses.mse(x, t01, arena).item() * n * c, 1e-5, 1e-5);
                        Close.assertClose("bce", Losses.bceWithLogits(x, t01, null, Reduction.SUM, arena).item(),
                                total(Losses.bceWithLogits(x, t01, null, Reduction.NONE, arena).toFloatArray()), 1e-5, 1e-5);
                        float[] mseSum = Losses.mseBackward(x, t01, Reduction.SUM, Tensor.scalar(arena, 1f), arena)[0].toFloatArray();
                        float[] bceSum = Losses.bceWithLogitsBackward(x, t01, null, Reduction.SUM, Tensor.scalar(arena, 1f), arena)
                                .toFloatArray();
                        float[] mseEach = Losses.mseBackward(x, t01, Reduction.NONE, upstream, arena)[0].toFloatArray();
                        float[] bceEach = Losses.bceWithLogitsBackward(x, t01, null, Reduction.NONE, upstream, arena).toFloatArray();
                        double[] mseWant = new double[n * c];
                        double[] bceWant = new double[n * c];
                        for (int i = 0; i < n * c; i++) {
                            mseWant[i] = (double) mseSum[i] * up[i];
                            bceWant[i] = (double) bceSum[i] * up[i];
                        }
                        Close.assertClose("mse elements scaled", mseEach, mseWant, 1e-5, 1e-6);
                        Close.assertClose("bce elements scaled", bceEach, bceWant, 1e-5, 1e-6);
                    }
                });
    }

    /**
     * NLL of a log-softmax is cross-entropy (without smoothing), in every reduction, for per-position
     * scores too; and the gradients agree once the log-softmax's backward is applied.
     */
    @Test
    void nllOfLogSoftmaxIsCrossEntropy() {
        qt().withExamples(60).forAll(integers().between(1, 5), integers().between(1, 12), booleans().all(), longs().all())
                .checkAssert((n, c, weighted, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    int d = 1 + r.nextInt(3);
                    long[] ts = new long[n * d];
                    for (int i = 0; i < ts.length; i++) {
                        ts[i] = r.nextInt(5) == 0 ? -100 : r.nextInt(c);
                    }
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor x = Tensor.of(arena, Arrays2.uniform(r, n * c * d, -5, 5), n, c, d);
                        Tensor t = Tensor.ofLongs(arena, ts, n, d);
                        Tensor w = weighted ? Tensor.of(arena, Arrays2.uniform(r, c, 0.2, 3), c) : null;
                        Tensor logp = dev.panamax.nn.functional.SoftmaxFunctions.logSoftmax(x, 1, arena);
                        for (Reduction red : Reduction.values()) {
                            float[] ce = Losses.crossEntropy(x, t, w, 0f, -100, red, arena).toFloatArray();
                            float[] nll = Losses.nll(logp, t, w, -100, red, arena).toFloatArray();
                            Close.assertClose("nll " + red, nll, Reference.toDouble(ce), 1e-5, 2e-6);
                            Tensor up = red == Reduction.NONE ? Tensor.of(arena, Arrays2.uniform(r, n * d, -1, 1), n, d)
                                    : Tensor.scalar(arena, 0.7f);
                            Tensor gce = Losses.crossEntropyBackward(x, t, w, 0f, -100, red, up, arena);
                            Tensor gnll = dev.panamax.nn.functional.SoftmaxFunctions.logSoftmaxBackward(logp,
                                    Losses.nllBackward(logp, t, w, -100, red, up, arena), 1, arena);
                            Close.assertClose("gradient " + red, gnll.toFloatArray(), Reference.toDouble(gce.toFloatArray()),
                                    1e-4, 1e-6);
                        }
                    }
                });
    }

    /**
     * The probability forms against the logit forms: KL divergence of a log-softmax from soft targets
     * is their soft cross-entropy less the targets' entropy, binary cross-entropy of a sigmoid is
     * binary cross-entropy with logits, in every reduction, and their gradients agree once the
     * log-softmax's or the sigmoid's backward is applied.
     */
    @Test
    void probabilityFormsMatchLogitForms() {
        qt().withExamples(60).forAll(integers().between(1, 6), integers().between(2, 12), longs().all())
                .checkAssert((n, c, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    float[] ts = Arrays2.uniform(r, n * c, 0, 1);
                    double entropy = 0;
                    for (int i = 0; i < n; i++) {
                        double rowSum = 0;
                        for (int k = 0; k < c; k++) {
                            rowSum += ts[i * c + k];
                        }
                        for (int k = 0; k < c; k++) {
                            ts[i * c + k] = (float) (ts[i * c + k] / rowSum);
                            entropy -= ts[i * c + k] * Math.log(ts[i * c + k]);
                        }
                    }
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor x = Tensor.of(arena, Arrays2.uniform(r, n * c, -5, 5), n, c);
                        Tensor t = Tensor.of(arena, ts, n, c);
                        Tensor logp = dev.panamax.nn.functional.SoftmaxFunctions.logSoftmax(x, 1, arena);
                        double ce = Losses.crossEntropy(x, t, null, 0f, -100, Reduction.SUM, arena).item();
                        Close.assertClose("kl = cross-entropy - entropy", Losses.klDiv(logp, t, Reduction.SUM, false, arena).item(),
                                ce - entropy, 1e-4, 1e-5);
                        Close.assertClose("batchmean", Losses.klDivBatchMean(logp, t, false, arena).item(),
                                (ce - entropy) / n, 1e-4, 1e-5);
                        Tensor logT = Tensor.of(arena, logs(ts), n, c);
                        Close.assertClose("log target", Losses.klDiv(logp, logT, Reduction.SUM, true, arena).item(),
                                ce - entropy, 1e-4, 1e-5);
                        Tensor gKl = dev.panamax.nn.functional.SoftmaxFunctions.logSoftmaxBackward(logp,
                                Losses.klDivBackward(logp, t, Reduction.SUM, false, Tensor.scalar(arena, 0.7f), arena), 1, arena);
                        float[] gCe = Losses.crossEntropyBackward(x, t, null, 0f, -100, Reduction.SUM,
                                Tensor.scalar(arena, 0.7f), arena).toFloatArray();
                        Close.assertClose("kl gradient", gKl.toFloatArray(), Reference.toDouble(gCe), 1e-4, 1e-6);

                        Tensor binary = Tensor.of(arena, Arrays2.uniform(r, n * c, 0, 1), n, c);
                        Tensor p = dev.panamax.nn.functional.Activations.forward(
                                dev.panamax.kernels.activation.Activation.SIGMOID, x, arena);
                        for (Reduction red : Reduction.values()) {
                            float[] bce = Losses.binaryCrossEntropy(p, binary, null, red, arena).toFloatArray();
                            float[] logits = Losses.bceWithLogits(x, binary, null, red, arena).toFloatArray();
                            Close.assertClose("bce " + red, bce, Reference.toDouble(logits), 1e-4, 1e-5);
                            Tensor up = red == Reduction.NONE ? Tensor.of(arena, Arrays2.uniform(r, n * c, -1, 1), n, c)
                                    : Tensor.scalar(arena, 0.7f);
                            Tensor gBce = dev.panamax.nn.functional.Activations.backward(
                                    dev.panamax.kernels.activation.Activation.SIGMOID, x,
                                    Losses.binaryCrossEntropyBackward(p, binary, null, red, up, arena), arena);
                            float[] gLogits = Losses.bceWithLogitsBackward(x, binary, null, red, up, arena).toFloatArray();
                            Close.assertClose("bce gradient " + red, gBce.toFloatArray(), Reference.toDouble(gLogits), 1e-3,
                                    1e-6);
                        }
                    }
                });
    }

    /**
     * The margin forms of logistic regression against binary cross-entropy with logits: soft
     * margin with labels ±1 is BCE with targets {@code (1 + y) / 2}, element by element in every
     * reduction; multi-label soft margin is BCE averaged over the classes (the mean over samples of
     * that is BCE's mean; the sum, BCE's sum over C). Gradients alike.
     */
    @Test
    void marginFormsMatchLogisticForms() {
        qt().withExamples(60).forAll(integers().between(1, 6), integers().between(1, 12), longs().all())
                .checkAssert((n, c, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    float[] ys = new float[n * c];
                    float[] ts = new float[n * c];
                    for (int i = 0; i < n * c; i++) {
                        ys[i] = r.nextBoolean() ? 1f : -1f;
                        ts[i] = (1 + ys[i]) / 2;
                    }
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor x = Tensor.of(arena, Arrays2.uniform(r, n * c, -8, 8), n, c);
                        Tensor y = Tensor.of(arena, ys, n, c);
                        Tensor t = Tensor.of(arena, ts, n, c);
                        for (Reduction red : Reduction.values()) {
                            float[] soft = ClassificationMarginFunctions.softMargin(x, y, red, arena).toFloatArray();
                            float[] bce = Losses.bceWithLogits(x, t, null, red, arena).toFloatArray();
                            Close.assertClose("soft margin " + red, soft, Reference.toDouble(bce), 1e-5, 1e-6);
                            Tensor up = red == Reduction.NONE ? Tensor.of(arena, Arrays2.uniform(r, n * c, -1, 1), n, c)
                                    : Tensor.scalar(arena, 0.7f);
                            Close.assertClose("soft margin gradient " + red,
                                    ClassificationMarginFunctions.softMarginBackward(x, y, red, up, arena).toFloatArray(),
                                    Reference.toDouble(Losses.bceWithLogitsBackward(x, t, null, red, up, arena).toFloatArray()),
                                    1e-5, 1e-7);
                        }
                        Tensor probabilities = Tensor.of(arena, Arrays2.uniform(r, n * c, 0, 1), n, c);
                        Close.assertClose("multi-label mean",
                                ClassificationMarginFunctions.multilabelSoftMargin(x, probabilities, null, Reduction.MEAN, arena).item(),
                                Losses.bceWithLogits(x, probabilities, null, Reduction.MEAN, arena).item(), 1e-5, 1e-6);
                        Close.assertClose("multi-label sum",
                                ClassificationMarginFunctions.multilabelSoftMargin(x, probabilities, null, Reduction.SUM, arena).item(),
                                Losses.bceWithLogits(x, probabilities, null, Reduction.SUM, arena).item() / c, 1e-5, 1e-6);
                        float[] g = ClassificationMarginFunctions.multilabelSoftMarginBackward(x, probabilities, null,
                                Reduction.SUM, Tensor.scalar(arena, 1f), arena).toFloatArray();
                        float[] gBce = Losses.bceWithLogitsBackward(x, probabilities, null, Reduction.SUM,
                                Tensor.scalar(arena, 1f / c), arena).toFloatArray();
                        Close.assertClose("multi-label gradient", g, Reference.toDouble(gBce), 1e-5, 1e-7);
                    }
                });
    }

    /**
     * A multi-label margin loss whose every row lists one class (then -1, then anything in range)
     * is the multi-class hinge loss of that class with p 1 and margin 1: the same pairs, the same
     * 1 / C. Losses and gradients in every reduction.
     */
    @Test
    void oneListedClassIsTheMultiClassHinge() {
        qt().withExamples(60).forAll(integers().between(1, 6), integers().between(1, 12), longs().all())
                .checkAssert((n, c, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    long[] classes = new long[n];
                    long[] lists = new long[n * c];
                    for (int i = 0; i < n; i++) {
                        classes[i] = r.nextInt(c);
                        for (int j = 0; j < c; j++) {
                            lists[i * c + j] = j == 0 ? classes[i] : j == 1 ? -1 : r.nextInt(-1, c);
                        }
                    }
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor x = Tensor.of(arena, Arrays2.uniform(r, n * c, -2, 2), n, c);
                        Tensor y = Tensor.ofLongs(arena, classes, n);
                        Tensor t = Tensor.ofLongs(arena, lists, n, c);
                        for (Reduction red : Reduction.values()) {
                            Close.assertClose("loss " + red,
                                    ClassificationMarginFunctions.multilabelMargin(x, t, red, arena).toFloatArray(),
                                    Reference.toDouble(ClassificationMarginFunctions.multiMargin(x, y, 1, 1f, null, red, arena)
                                            .toFloatArray()), 1e-5, 1e-6);
                            Tensor up = red == Reduction.NONE ? Tensor.of(arena, Arrays2.uniform(r, n, -1, 1), n)
                                    : Tensor.scalar(arena, 0.7f);
                            Close.assertClose("gradient " + red,
                                    ClassificationMarginFunctions.multilabelMarginBackward(x, t, red, up, arena).toFloatArray(),
                                    Reference.toDouble(ClassificationMarginFunctions.multiMarginBackward(x, y, 1, 1f, null, red, up,
                                            arena).toFloatArray()), 1e-5, 1e-7);
                        }
                    }
                });
    }

    private static float[] logs(float[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) Math.log(values[i]);
        }
        return out;
    }

    private static double total(float[] values) {
        double s = 0;
        for (float v : values) {
            s += v;
        }
        return s;
    }

    @Test
    void ignoredTargetsTakeNoPart() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.of(arena, Arrays2.uniform(r, 5 * 4, -3, 3), 5, 4);
            Tensor w = Tensor.of(arena, new float[] {0.5f, 1f, 2f, 1.5f}, 4);
            Tensor t = Tensor.ofLongs(arena, new long[] {2, -100, 0, -100, 3}, 5);
            Tensor kept = Tensor.zeros(arena, 3, 4);
            kept.select(0, 0).copyFrom(x.select(0, 0));
            kept.select(0, 1).copyFrom(x.select(0, 2));
            kept.select(0, 2).copyFrom(x.select(0, 4));
            Tensor tk = Tensor.ofLongs(arena, new long[] {2, 0, 3}, 3);
            assertThat(Losses.crossEntropy(x, t, w, 0.1f, -100, arena).item())
                    .isEqualTo(Losses.crossEntropy(kept, tk, w, 0.1f, arena).item());
            Tensor g = Losses.crossEntropyBackward(x, t, w, 0.1f, -100, 1f, arena);
            Tensor gk = Losses.crossEntropyBackward(kept, tk, w, 0.1f, 1f, arena);
            assertThat(g.select(0, 1).toFloatArray()).containsOnly(0f);
            assertThat(g.select(0, 3).toFloatArray()).containsOnly(0f);
            assertThat(g.select(0, 4).toFloatArray()).containsExactly(gk.select(0, 2).toFloatArray());
            assertThat(Float.isNaN(Losses.crossEntropy(x, Tensor.ofLongs(arena, new long[] {-100, -100, -100, -100, -100}, 5),
                    null, 0f, -100, arena).item())).as("all ignored: NaN, as PyTorch").isTrue();
        }
    }

    @Test
    void badTargetsAreRejected() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.zeros(arena, 2, 3);
            assertThatThrownBy(() -> Losses.crossEntropy(x, Tensor.ofLongs(arena, new long[] {0, 3}, 2), null, 0f, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("target[1] must be a class index in [0, 3)")
                    .hasMessageContaining("got 3");
            assertThatThrownBy(() -> Losses.crossEntropy(x, Tensor.zeros(arena, DType.INT64, 3), null, 0f, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("target must have shape [2]");
            // a float32 target is one of class probabilities, of the logits' shape; labels are int64
            assertThatThrownBy(() -> Losses.crossEntropy(x, Tensor.zeros(arena, 2), null, 0f, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the logits' shape [2, 3], got [2]")
                    .hasMessageContaining("class indices are int64");
        }
    }
}
