package dev.panamax.kernels.loss;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;

/**
 * Cross-entropy of logits against class probabilities (soft targets: mixup, distillation),
 * {@code torch.nn.functional.cross_entropy(logits, target, weight, reduction,
 * label_smoothing=eps)} with a float target of the logits' shape: the mean or the sum
 * ({@link Reduction}) from {@link #forward}, each row's loss from {@link #rowLosses}.
 *
 * <p>With {@code lp = log_softmax(logits)} per row and the smoothed target
 * {@code t' = (1 - eps) t + eps / C}:
 * {@code loss = -1/N sum_i sum_c w[c] t'[i,c] lp[i,c]}. Unlike the loss against class indices
 * ({@link CrossEntropy}) the mean divides by N, not by the targets' summed weights, and nothing is
 * ignored, as in PyTorch; rows need not sum to 1 (PyTorch does not check either).
 *
 * <p>Layout: logits and target {@code [N, C]} with row strides {@code ld}, {@code ldTarget >= C};
 * weight {@code [C]} or null (all ones). Sums run in double, row by row: the loss is a small part
 * of a training step, and one formula for every C keeps the bits independent of the lanes.
 */
public final class SoftTargetCrossEntropy {

    private SoftTargetCrossEntropy() {
    }

    /** The mean loss over the N rows (NaN when N is 0, as PyTorch's mean of nothing). */
    public static float forward(long n, long c, MemorySegment logits, long off, long ld, MemorySegment target, long tOff,
                                long ldTarget, MemorySegment weight, long wOff, float labelSmoothing) {
        return forward(n, c, logits, off, ld, target, tOff, ldTarget, weight, wOff, labelSmoothing, Reduction.MEAN);
    }

    /** The loss reduced by {@link Reduction#MEAN} (over N rows) or {@link Reduction#SUM}; {@link #rowLosses} unreduced. */
    public static float forward(long n, long c, MemorySegment logits, long off, long ld, MemorySegment target, long tOff,
                                long ldTarget, MemorySegment weight, long wOff, float labelSmoothing, Reduction reduction) {
        Reduction.scalar(reduction, "SoftTargetCrossEntropy.rowLosses");
        check(n, c, logits, off, ld, target, tOff, ldTarget, weight, wOff, labelSmoothing);
        double total = 0;
        for (long i = 0; i < n; i++) {
            total += rowLoss(c, logits, off + i * ld, target, tOff + i * ldTarget, weight, wOff, labelSmoothing);
        }
        // the mean of no rows is NaN, as PyTorch's (0 / 0)
        return (float) (reduction == Reduction.SUM ? total : total / n);
    }

    /**
     * Each row's loss, unreduced ({@link Reduction#NONE}): {@code -sum_c w[c] t'[i,c] lp[i,c]}.
     *
     * @param out {@code [N]} contiguous, written
     */
    public static void rowLosses(long n, long c, MemorySegment logits, long off, long ld, MemorySegment target, long tOff,
                                 long ldTarget, MemorySegment weight, long wOff, float labelSmoothing,
                                 MemorySegment out, long oOff) {
        check(n, c, logits, off, ld, target, tOff, ldTarget, weight, wOff, labelSmoothing);
        Checks.floats("out", out, oOff, n);
        for (long i = 0; i < n; i++) {
            FloatLanes.set(out, oOff + i,
                    (float) rowLoss(c, logits, off + i * ld, target, tOff + i * ldTarget, weight, wOff, labelSmoothing));
        }
    }

    /** {@code sum_c w t' (lse - x_c)} of one row. */
    private static double rowLoss(long c, MemorySegment logits, long row, MemorySegment target, long tRow,
                                  MemorySegment weight, long wOff, float labelSmoothing) {
        double lse = CrossEntropy.logSumExp(c, logits, row);
        double loss = 0;
        for (long k = 0; k < c; k++) {
            double w = weight == null ? 1 : FloatLanes.get(weight, wOff + k);
            double t = smoothed(FloatLanes.get(target, tRow + k), labelSmoothing, c);
            loss += w * t * (lse - FloatLanes.get(logits, row + k));
        }
        return loss;
    }

    /**
     * The gradient of the logits, scaled by {@code gradLoss}:
     * {@code g[i,k] = gradLoss/N (p[i,k] S_i - w[k] t'[i,k])} with {@code S_i = sum_c w[c] t'[i,c]}
     * and {@code p = softmax(logits)}.
     *
     * @param grad {@code [N, C]} with row stride {@code ldGrad}, written
     */
    public static void backward(long n, long c, MemorySegment logits, long off, long ld, MemorySegment target, long tOff,
                                long ldTarget, MemorySegment weight, long wOff, float labelSmoothing, float gradLoss,
                                MemorySegment grad, long gOff, long ldGrad) {
        backward(n, c, logits, off, ld, target, tOff, ldTarget, weight, wOff, labelSmoothing, Reduction.MEAN, gradLoss,
                grad, gOff, ldGrad);
    }

    /**
     * The gradient of the {@link Reduction#MEAN} loss (as above) or of the {@link Reduction#SUM}
     * (without the {@code 1/N}); {@link #rowsBackward} for {@link Reduction#NONE}.
     *
     * @param grad {@code [N, C]} with row stride {@code ldGrad}, written
     */
    public static void backward(long n, long c, MemorySegment logits, long off, long ld, MemorySegment target, long tOff,
                                long ldTarget, MemorySegment weight, long wOff, float labelSmoothing, Reduction reduction,
                                float gradLoss, MemorySegment grad, long gOff, long ldGrad) {
        Reduction.scalar(reduction, "SoftTargetCrossEntropy.rowsBackward");
        check(n, c, logits, off, ld, target, tOff, ldTarget, weight, wOff, labelSmoothing);
        Checks.atLeast("ldGrad", ldGrad, c, "C");
        if (n == 0) {
            return;
        }
        Checks.matrix("grad", grad, gOff, n, c, ldGrad);
        double scale = reduction == Reduction.MEAN ? (double) gradLoss / n : gradLoss;
        rowGradients(n, c, logits, off, ld, target, tOff, ldTarget, weight, wOff, labelSmoothing, scale, null, 0,
                grad, gOff, ldGrad);
    }

    /**
     * The gradient of the logits given each row loss's upstream gradient ({@link #rowLosses}):
     * {@code g[i,k] = gradRows[i] (p[i,k] S_i - w[k] t'[i,k])}.
     *
     * @param gradRows {@code [N]} contiguous
     * @param grad     {@code [N, C]} with row stride {@code ldGrad}, written
     */
    public static void rowsBackward(long n, long c, MemorySegment logits, long off, long ld, MemorySegment target,
                                    long tOff, long ldTarget, MemorySegment weight, long wOff, float labelSmoothing,
                                    MemorySegment gradRows, long grOff, MemorySegment grad, long gOff, long ldGrad) {
        check(n, c, logits, off, ld, target, tOff, ldTarget, weight, wOff, labelSmoothing);
        Checks.atLeast("ldGrad", ldGrad, c, "C");
        if (n == 0) {
            return;
        }
        Checks.floats("gradRows", gradRows, grOff, n);
        Checks.matrix("grad", grad, gOff, n, c, ldGrad);
        rowGradients(n, c, logits, off, ld, target, tOff, ldTarget, weight, wOff, labelSmoothing, 0, gradRows, grOff,
                grad, gOff, ldGrad);
    }

    /** Every row's gradient, scaled by {@code uniformScale}, or by {@code gradRows[i]} where that is not null. */
    private static void rowGradients(long n, long c, MemorySegment logits, long off, long ld, MemorySegment target,
                                     long tOff, long ldTarget, MemorySegment weight, long wOff, float labelSmoothing,
                                     double uniformScale, MemorySegment gradRows, long grOff,
                                     MemorySegment grad, long gOff, long ldGrad) {
        for (long i = 0; i < n; i++) {
            long row = off + i * ld;
            long tRow = tOff + i * ldTarget;
            long out = gOff + i * ldGrad;
            double scale = gradRows == null ? uniformScale : FloatLanes.get(gradRows, grOff + i);
            double lse = CrossEntropy.logSumExp(c, logits, row);
            double s = 0;
            for (long k = 0; k < c; k++) {
                double w = weight == null ? 1 : FloatLanes.get(weight, wOff + k);
                s += w * smoothed(FloatLanes.get(target, tRow + k), labelSmoothing, c);
            }
            for (long k = 0; k < c; k++) {
                double w = weight == null ? 1 : FloatLanes.get(weight, wOff + k);
                double p = Math.exp(FloatLanes.get(logits, row + k) - lse);
                double t = smoothed(FloatLanes.get(target, tRow + k), labelSmoothing, c);
                FloatLanes.set(grad, out + k, (float) (scale * (p * s - w * t)));
            }
        }
    }

    private static double smoothed(float t, float eps, long c) {
        return (1 - (double) eps) * t + (double) eps / c;
    }

    private static void check(long n, long c, MemorySegment logits, long off, long ld, MemorySegment target, long tOff,
                              long ldTarget, MemorySegment weight, long wOff, float eps) {
        Checks.nonNegative("N", n);
        Checks.positive("C", c);
        Checks.atLeast("ld", ld, c, "C");
        Checks.atLeast("ldTarget", ldTarget, c, "C");
        if (!(eps >= 0f && eps <= 1f)) {
            throw new IllegalArgumentException("label_smoothing must be in [0, 1], got " + eps);
        }
        if (weight != null) {
            Checks.floats("weight", weight, wOff, c);
        }
        if (n > 0) {
            Checks.matrix("logits", logits, off, n, c, ld);
            Checks.matrix("target", target, tOff, n, c, ldTarget);
        }
    }
}
