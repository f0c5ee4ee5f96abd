package dev.panamax.kernels.loss;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.Reductions;
import dev.panamax.kernels.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Cross-entropy of logits against class indices, with optional class weights and label
 * smoothing: {@code torch.nn.functional.cross_entropy(logits, target, weight,
 * reduction, label_smoothing=eps)}, the mean or the sum ({@link Reduction}) from
 * {@link #forward}, each row's loss from {@link #rowLosses}.
 *
 * <p>With {@code lp = log_softmax(logits)} per row and {@code W = sum_i weight[target_i]}
 * (N without weights):
 * {@code loss = (1-eps)/W * sum_i -w[t_i] lp[i,t_i] + eps/(C W) * sum_i sum_c -w[c] lp[i,c]}.
 * The log-softmax is never materialised: each row needs only its log-sum-exp.
 *
 * <p>Layout: logits {@code [N, C]} with row stride {@code ld >= C}; target {@code [N]} int64 in
 * {@code [0, C)} or equal to {@code ignoreIndex} (PyTorch's {@code ignore_index}, -100 by default:
 * such a row takes no part in the loss or in W, and gets a zero gradient, as padded positions of
 * a batch of sequences need); weight {@code [C]} or null.
 */
public final class CrossEntropy {

    private CrossEntropy() {
    }

    /** PyTorch's default {@code ignore_index}. */
    public static final long IGNORE_INDEX = -100;

    /** The mean loss over the rows whose target is not {@code ignoreIndex} (NaN when there are none, as in PyTorch). */
    public static float forward(long n, long c, MemorySegment logits, long off, long ld,
                                MemorySegment target, long tOff, MemorySegment weight, long wOff,
                                float labelSmoothing, long ignoreIndex) {
        return forward(n, c, logits, off, ld, target, tOff, weight, wOff, labelSmoothing, ignoreIndex, Reduction.MEAN);
    }

    /**
     * The loss reduced by {@link Reduction#MEAN} (as above) or {@link Reduction#SUM} (the rows'
     * weighted losses added, 0 for none); {@link #rowLosses} gives them unreduced.
     */
    public static float forward(long n, long c, MemorySegment logits, long off, long ld,
                                MemorySegment target, long tOff, MemorySegment weight, long wOff,
                                float labelSmoothing, long ignoreIndex, Reduction reduction) {
        Reduction.scalar(reduction, "CrossEntropy.rowLosses");
        check(n, c, logits, off, ld, target, tOff, weight, wOff, labelSmoothing, ignoreIndex);
        double weightSum = weight == null ? c : Reductions.sum(c, weight, wOff);
        double nll = 0;
        double smooth = 0;
        double normaliser = 0;
        for (long i = 0; i < n; i++) {
            long row = off + i * ld;
            long ti = FloatLanes.getLong(target, tOff + i);
            if (ti == ignoreIndex) {
                continue;
            }
            int t = (int) ti;
            double lse = logSumExp(c, logits, row);
            double wt = weight == null ? 1.0 : FloatLanes.get(weight, wOff + t);
            normaliser += wt;
            nll += wt * (lse - FloatLanes.get(logits, row + t));
            if (labelSmoothing != 0f) {
                smooth += smoothingTerm(c, logits, row, weight, wOff, weightSum, lse);
            }
        }
        double sum = (1 - (double) labelSmoothing) * nll + labelSmoothing / (double) c * smooth;
        // the mean of nothing is NaN, as PyTorch returns (0 / 0)
        return (float) (reduction == Reduction.SUM ? sum : sum / normaliser);
    }

    /**
     * Each row's loss, unreduced ({@link Reduction#NONE}):
     * {@code l_i = (1-eps) w[t_i] (lse_i - x[i,t_i]) + eps/C sum_c w[c] (lse_i - x[i,c])}, 0 where the
     * target is ignored.
     *
     * @param out {@code [N]} contiguous, written
     */
    public static void rowLosses(long n, long c, MemorySegment logits, long off, long ld,
                                 MemorySegment target, long tOff, MemorySegment weight, long wOff,
                                 float labelSmoothing, long ignoreIndex, MemorySegment out, long oOff) {
        check(n, c, logits, off, ld, target, tOff, weight, wOff, labelSmoothing, ignoreIndex);
        Checks.floats("out", out, oOff, n);
        double weightSum = weight == null ? c : Reductions.sum(c, weight, wOff);
        for (long i = 0; i < n; i++) {
            long row = off + i * ld;
            long ti = FloatLanes.getLong(target, tOff + i);
            double loss = 0;
            if (ti != ignoreIndex) {
                int t = (int) ti;
                double lse = logSumExp(c, logits, row);
                double wt = weight == null ? 1.0 : FloatLanes.get(weight, wOff + t);
                loss = (1 - (double) labelSmoothing) * wt * (lse - FloatLanes.get(logits, row + t));
                if (labelSmoothing != 0f) {
                    loss += labelSmoothing / (double) c * smoothingTerm(c, logits, row, weight, wOff, weightSum, lse);
                }
            }
            FloatLanes.set(out, oOff + i, (float) loss);
        }
    }

    /** {@code sum_c w[c] (lse - x[row + c])}: a row's loss against the uniform target, times C. */
    private static double smoothingTerm(long c, MemorySegment logits, long row, MemorySegment weight, long wOff,
                                        double weightSum, double lse) {
        double weighted = weight == null ? Reductions.sum(c, logits, row) : Reductions.dot(c, weight, wOff, logits, row);
        return lse * weightSum - weighted;
    }

    /**
     * The gradient of the logits, scaled by {@code gradLoss} (the upstream gradient of the loss):
     * {@code g[i,k] = gradLoss/W * ((1-eps) w[t_i] (p[i,k] - [k = t_i]) + eps/C (p[i,k] sum(w) - w[k]))}.
     *
     * @param grad {@code [N, C]} with row stride {@code ldGrad}, written
     */
    public static void backward(long n, long c, MemorySegment logits, long off, long ld,
                                MemorySegment target, long tOff, MemorySegment weight, long wOff,
                                float labelSmoothing, long ignoreIndex, float gradLoss,
                                MemorySegment grad, long gOff, long ldGrad) {
        backward(n, c, logits, off, ld, target, tOff, weight, wOff, labelSmoothing, ignoreIndex, Reduction.MEAN, gradLoss,
                grad, gOff, ldGrad);
    }

    /**
     * The gradient of the {@link Reduction#MEAN} loss (as above) or of the {@link Reduction#SUM}
     * (the same without the {@code 1/W}), scaled by {@code gradLoss}; {@link #rowsBackward} for
     * {@link Reduction#NONE}.
     *
     * @param grad {@code [N, C]} with row stride {@code ldGrad}, written
     */
    public static void backward(long n, long c, MemorySegment logits, long off, long ld,
                                MemorySegment target, long tOff, MemorySegment weight, long wOff,
                                float labelSmoothing, long ignoreIndex, Reduction reduction, float gradLoss,
                                MemorySegment grad, long gOff, long ldGrad) {
        Reduction.scalar(reduction, "CrossEntropy.rowsBackward");
        check(n, c, logits, off, ld, target, tOff, weight, wOff, labelSmoothing, ignoreIndex);
        Checks.atLeast("ldGrad", ldGrad, c, "C");
        if (n == 0) {
            return;
        }
        Checks.matrix("grad", grad, gOff, n, c, ldGrad);
        double scale = reduction == Reduction.MEAN ? gradLoss / targetWeights(n, target, tOff, weight, wOff, ignoreIndex)
                : gradLoss;
        rowGradients(n, c, logits, off, ld, target, tOff, weight, wOff, labelSmoothing, ignoreIndex, scale, null, 0,
                grad, gOff, ldGrad);
    }

    /**
     * The gradient of the logits given each row loss's upstream gradient ({@link #rowLosses},
     * {@link Reduction#NONE}):
     * {@code g[i,k] = gradRows[i] ((1-eps) w[t_i] (p[i,k] - [k = t_i]) + eps/C (p[i,k] sum(w) - w[k]))},
     * zero rows where the target is ignored.
     *
     * @param gradRows {@code [N]} contiguous
     * @param grad     {@code [N, C]} with row stride {@code ldGrad}, written
     */
    public static void rowsBackward(long n, long c, MemorySegment logits, long off, long ld,
                                    MemorySegment target, long tOff, MemorySegment weight, long wOff,
                                    float labelSmoothing, long ignoreIndex, MemorySegment gradRows, long grOff,
                                    MemorySegment grad, long gOff, long ldGrad) {
        check(n, c, logits, off, ld, target, tOff, weight, wOff, labelSmoothing, ignoreIndex);
        Checks.atLeast("ldGrad", ldGrad, c, "C");
        if (n == 0) {
            return;
        }
        Checks.floats("gradRows", gradRows, grOff, n);
        Checks.matrix("grad", grad, gOff, n, c, ldGrad);
        rowGradients(n, c, logits, off, ld, target, tOff, weight, wOff, labelSmoothing, ignoreIndex, 0, gradRows, grOff,
                grad, gOff, ldGrad);
    }

    // Every row's gradient, scaled by uniformScale, or by gradRows[i] where that is not null:
    // p = exp(x - max) / sum, times pScale, less w[k] wScale, then the target column gets
    // -(1-eps) w_t scale. The numerators go into grad on the way: one exponential an element, one
    // call of it in each method, and the division leaves out lse's rounding, which exp(x - lse)
    // magnifies by |x - lse| in every element.
    //
    // Rows of few classes in scalars, of more in vectors, in two methods, each with its own loop
    // over the rows (their first lines the same on purpose): too large for C2 to inline
    // (FreqInlineSize), so each is compiled alone and its exponential fits the node budget
    // whatever ran before. Written as one method, the forms boxed vectors: a log-sum-exp first
    // and exp(x - lse) after (two vector calls) ran past C2's node budget in some JVMs that ran
    // rows of 7, then 33 classes; a scalar and a vector row form called from one loop, the vector
    // one inlined, boxed in 1 JVM of 6 there (576 B a row of 33); every row in vectors boxed in a
    // LeNet-5 training step (10 classes) in 2 JVMs of 5.

    private static void rowGradients(long n, long c, MemorySegment logits, long off, long ld,
                                     MemorySegment target, long tOff, MemorySegment weight, long wOff,
                                     float labelSmoothing, long ignoreIndex, double uniformScale,
                                     MemorySegment gradRows, long grOff, MemorySegment grad, long gOff, long ldGrad) {
        if (c >= 2 * LANES) {
            manyClassesRows(n, c, logits, off, ld, target, tOff, weight, wOff, labelSmoothing, ignoreIndex, uniformScale,
                    gradRows, grOff, grad, gOff, ldGrad);
            return;
        }
        double weightSum = weight == null ? c : Reductions.sum(c, weight, wOff);
        double eps = labelSmoothing;
        for (long i = 0; i < n; i++) {
            long row = off + i * ld;
            long out = gOff + i * ldGrad;
            long ti = FloatLanes.getLong(target, tOff + i);
            if (ti == ignoreIndex) {
                FloatLanes.fill(grad, out, c, 0f);
                continue;
            }
            double scale = gradRows == null ? uniformScale : FloatLanes.get(gradRows, grOff + i);
            int t = (int) ti;
            double wt = weight == null ? 1.0 : FloatLanes.get(weight, wOff + t);
            float wScale = (float) (scale * eps / c);
            float max = FloatLanes.get(logits, row);
            for (long k = 1; k < c; k++) {
                max = Math.max(max, FloatLanes.get(logits, row + k));
            }
            double sum = 0;
            for (long k = 0; k < c; k++) {
                float e = VectorMath.expNonPositive(FloatLanes.get(logits, row + k) - max);
                FloatLanes.set(grad, out + k, e);
                sum += e;
            }
            float pScale = (float) (scale * ((1 - eps) * wt + eps / c * weightSum) / sum);
            for (long k = 0; k < c; k++) {
                float w = weight == null ? 1f : FloatLanes.get(weight, wOff + k);
                FloatLanes.set(grad, out + k, w * -wScale + FloatLanes.get(grad, out + k) * pScale);
            }
            FloatLanes.set(grad, out + t, (float) (FloatLanes.get(grad, out + t) - scale * (1 - eps) * wt));
        }
    }

    /** {@link #rowGradients} for two vectors of classes or more. */
    private static void manyClassesRows(long n, long c, MemorySegment logits, long off, long ld,
                                        MemorySegment target, long tOff, MemorySegment weight, long wOff,
                                        float labelSmoothing, long ignoreIndex, double uniformScale,
                                        MemorySegment gradRows, long grOff, MemorySegment grad, long gOff, long ldGrad) {
        double weightSum = weight == null ? c : Reductions.sum(c, weight, wOff);
        double eps = labelSmoothing;
        for (long i = 0; i < n; i++) {
            long row = off + i * ld;
            long out = gOff + i * ldGrad;
            long ti = FloatLanes.getLong(target, tOff + i);
            if (ti == ignoreIndex) {
                FloatLanes.fill(grad, out, c, 0f);
                continue;
            }
            double scale = gradRows == null ? uniformScale : FloatLanes.get(gradRows, grOff + i);
            int t = (int) ti;
            double wt = weight == null ? 1.0 : FloatLanes.get(weight, wOff + t);
            float wScale = (float) (scale * eps / c);
            double sum = Reductions.sumExpInto(c, logits, row, Reductions.max(c, logits, row), grad, out);
            float pScale = (float) (scale * ((1 - eps) * wt + eps / c * weightSum) / sum);
            float uniform = weight == null ? -wScale : 0f;
            // Two loops rather than one with branches between vector values: a vector merged
            // from two branches is boxed by C2.
            for (long k = 0; k < c; k += LANES) {
                VectorMask<Float> m = SPECIES.indexInRange(k, c);
                FloatVector e = FloatVector.fromMemorySegment(SPECIES, grad, (out + k) * Float.BYTES, ORDER, m);
                e.fma(pScale, uniform).intoMemorySegment(grad, (out + k) * Float.BYTES, ORDER, m);
            }
            if (weight != null && wScale != 0f) {
                for (long k = 0; k < c; k += LANES) {
                    VectorMask<Float> m = SPECIES.indexInRange(k, c);
                    FloatVector g = FloatVector.fromMemorySegment(SPECIES, weight, (wOff + k) * Float.BYTES, ORDER, m).mul(-wScale).add(FloatVector.fromMemorySegment(SPECIES, grad, (out + k) * Float.BYTES, ORDER, m));
                    g.intoMemorySegment(grad, (out + k) * Float.BYTES, ORDER, m);
                }
            }
            FloatLanes.set(grad, out + t, (float) (FloatLanes.get(grad, out + t) - scale * (1 - eps) * wt));
        }
    }

    /** {@code log sum_k exp(logits[row + k])} over C elements, by the row's maximum. */
    static double logSumExp(long c, MemorySegment logits, long row) {
        float max = Reductions.max(c, logits, row);
        return max + Math.log(Reductions.sumExp(c, logits, row, max));
    }

    private static void check(long n, long c, MemorySegment logits, long off, long ld,
                              MemorySegment target, long tOff, MemorySegment weight, long wOff, float eps,
                              long ignoreIndex) {
        Checks.nonNegative("N", n);
        Checks.positive("C", c);
        Checks.atLeast("ld", ld, c, "C");
        if (!(eps >= 0f && eps <= 1f)) {
            throw new IllegalArgumentException("label_smoothing must be in [0, 1], got " + eps);
        }
        if (weight != null) {
            Checks.floats("weight", weight, wOff, c);
        }
        if (n == 0) {
            return;
        }
        Checks.matrix("logits", logits, off, n, c, ld);
        checkIndices(n, c, target, tOff, ignoreIndex);
    }

    /** Fails unless each of the N int64 targets is a class index in [0, C) or {@code ignoreIndex}. */
    static void checkIndices(long n, long c, MemorySegment target, long tOff, long ignoreIndex) {
        Checks.longs("target", target, tOff, n);
        for (long i = 0; i < n; i++) {
            long t = FloatLanes.getLong(target, tOff + i);
            if ((t < 0 || t >= c) && t != ignoreIndex) {
                throw new IllegalArgumentException("target[" + i + "] must be a class index in [0, " + c + ") or ignore_index ("
                        + ignoreIndex + "), got " + t);
            }
        }
    }

    /** {@code W}: the summed weights (1 without weights) of the targets not ignored, the mean's divisor. */
    static double targetWeights(long n, MemorySegment target, long tOff, MemorySegment weight, long wOff, long ignoreIndex) {
        double sum = 0;
        for (long i = 0; i < n; i++) {
            long t = FloatLanes.getLong(target, tOff + i);
            if (t != ignoreIndex) {
                sum += weight == null ? 1.0 : FloatLanes.get(weight, wOff + t);
            }
        }
        return sum;
    }
}
