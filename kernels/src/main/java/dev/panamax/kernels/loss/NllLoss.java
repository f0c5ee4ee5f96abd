package dev.panamax.kernels.loss;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;

/**
 * Negative log-likelihood of log-probabilities against class indices,
 * {@code torch.nn.functional.nll_loss(input, target, weight, ignore_index, reduction)}: row
 * {@code i}'s loss is {@code -w[t_i] input[i, t_i]}, 0 where the target is {@code ignoreIndex};
 * the mean divides by the summed weights of the targets not ignored (NaN when there are none), as
 * PyTorch's. With a log-softmax before it, this is {@link CrossEntropy}.
 *
 * <p>Layout: input {@code [N, C]} with row stride {@code ld >= C}; target {@code [N]} int64;
 * weight {@code [C]} or null.
 */
public final class NllLoss {

    private NllLoss() {
    }

    /** The loss reduced by {@link Reduction#MEAN} or {@link Reduction#SUM}; {@link #rowLosses} unreduced. */
    public static float forward(long n, long c, MemorySegment input, long off, long ld, MemorySegment target, long tOff,
                                MemorySegment weight, long wOff, long ignoreIndex, Reduction reduction) {
        Reduction.scalar(reduction, "NllLoss.rowLosses");
        check(n, c, input, off, ld, target, tOff, weight, wOff, ignoreIndex);
        double total = 0;
        double normaliser = 0;
        for (long i = 0; i < n; i++) {
            long t = FloatLanes.getLong(target, tOff + i);
            if (t != ignoreIndex) {
                double wt = weight == null ? 1 : FloatLanes.get(weight, wOff + t);
                total -= wt * FloatLanes.get(input, off + i * ld + t);
                normaliser += wt;
            }
        }
        return (float) (reduction == Reduction.SUM ? total : total / normaliser);
    }

    /**
     * Each row's loss ({@link Reduction#NONE}): {@code -w[t_i] input[i, t_i]}, 0 where ignored.
     *
     * @param out {@code [N]} contiguous, written
     */
    public static void rowLosses(long n, long c, MemorySegment input, long off, long ld, MemorySegment target, long tOff,
                                 MemorySegment weight, long wOff, long ignoreIndex, MemorySegment out, long oOff) {
        check(n, c, input, off, ld, target, tOff, weight, wOff, ignoreIndex);
        Checks.floats("out", out, oOff, n);
        for (long i = 0; i < n; i++) {
            long t = FloatLanes.getLong(target, tOff + i);
            float loss = 0f;
            if (t != ignoreIndex) {
                loss = -(weight == null ? 1f : FloatLanes.get(weight, wOff + t)) * FloatLanes.get(input, off + i * ld + t);
            }
            FloatLanes.set(out, oOff + i, loss);
        }
    }

    /**
     * The gradient of the input ({@code [N, C]}, row stride {@code ldGrad}, written: zero but for
     * {@code -scale w[t_i]} at each target), of the {@link Reduction#MEAN} ({@code scale = gradLoss / W})
     * or the {@link Reduction#SUM} ({@code scale = gradLoss}).
     */
    public static void backward(long n, long c, MemorySegment input, long off, long ld, MemorySegment target, long tOff,
                                MemorySegment weight, long wOff, long ignoreIndex, Reduction reduction, float gradLoss,
                                MemorySegment grad, long gOff, long ldGrad) {
        Reduction.scalar(reduction, "NllLoss.rowsBackward");
        check(n, c, input, off, ld, target, tOff, weight, wOff, ignoreIndex);
        double scale = reduction == Reduction.MEAN
                ? gradLoss / CrossEntropy.targetWeights(n, target, tOff, weight, wOff, ignoreIndex) : gradLoss;
        gradients(n, c, target, tOff, weight, wOff, ignoreIndex, scale, null, 0, grad, gOff, ldGrad);
    }

    /**
     * The gradient of the input given each row loss's upstream gradient ({@link #rowLosses}).
     *
     * @param gradRows {@code [N]} contiguous
     */
    public static void rowsBackward(long n, long c, MemorySegment input, long off, long ld, MemorySegment target,
                                    long tOff, MemorySegment weight, long wOff, long ignoreIndex, MemorySegment gradRows,
                                    long grOff, MemorySegment grad, long gOff, long ldGrad) {
        check(n, c, input, off, ld, target, tOff, weight, wOff, ignoreIndex);
        Checks.floats("gradRows", gradRows, grOff, n);
        gradients(n, c, target, tOff, weight, wOff, ignoreIndex, 0, gradRows, grOff, grad, gOff, ldGrad);
    }

    private static void gradients(long n, long c, MemorySegment target, long tOff, MemorySegment weight, long wOff,
                                  long ignoreIndex, double uniformScale, MemorySegment gradRows, long grOff,
                                  MemorySegment grad, long gOff, long ldGrad) {
        Checks.atLeast("ldGrad", ldGrad, c, "C");
        if (n == 0) {
            return;
        }
        Checks.matrix("grad", grad, gOff, n, c, ldGrad);
        for (long i = 0; i < n; i++) {
            long row = gOff + i * ldGrad;
            FloatLanes.fill(grad, row, c, 0f);
            long t = FloatLanes.getLong(target, tOff + i);
            if (t != ignoreIndex) {
                double scale = gradRows == null ? uniformScale : FloatLanes.get(gradRows, grOff + i);
                FloatLanes.set(grad, row + t, (float) (-scale * (weight == null ? 1 : FloatLanes.get(weight, wOff + t))));
            }
        }
    }

    private static void check(long n, long c, MemorySegment input, long off, long ld, MemorySegment target, long tOff,
                              MemorySegment weight, long wOff, long ignoreIndex) {
        Checks.nonNegative("N", n);
        Checks.positive("C", c);
        Checks.atLeast("ld", ld, c, "C");
        if (weight != null) {
            Checks.floats("weight", weight, wOff, c);
        }
        if (n == 0) {
            return;
        }
        Checks.matrix("input", input, off, n, c, ld);
        CrossEntropy.checkIndices(n, c, target, tOff, ignoreIndex);
    }
}
