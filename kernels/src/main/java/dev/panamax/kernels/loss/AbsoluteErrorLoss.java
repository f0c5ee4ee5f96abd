package dev.panamax.kernels.loss;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;

/**
 * The losses of {@code d = input - target} that grow linearly for large errors, over {@code n}
 * contiguous elements, with PyTorch 1.13's formulas to the branch ({@link Kind}): {@code l1_loss},
 * {@code smooth_l1_loss(beta)} and {@code huber_loss(delta)}. Sums run in double; the loss is a
 * small part of a step.
 */
public final class AbsoluteErrorLoss {

    private AbsoluteErrorLoss() {
    }

    /** Which loss, and so which formula; {@code width} below is beta or delta. */
    public enum Kind {
        /** {@code |d|}; gradient {@code sign(d)}, 0 at 0. {@code width} unused. */
        L1,
        /**
         * {@code |d| < beta ? d^2 / (2 beta) : |d| - beta / 2} ({@code |d|} for beta 0); gradient
         * {@code d <= -beta ? -1 : d >= beta ? 1 : d / beta}, so -1 at {@code d = 0} when beta is 0, as
         * PyTorch's.
         */
        SMOOTH_L1,
        /**
         * {@code |d| < delta ? d^2 / 2 : delta (|d| - delta / 2)}; gradient
         * {@code d <= -delta ? -delta : d >= delta ? delta : d}. Delta must be positive.
         */
        HUBER
    }

    /** The loss reduced by {@link Reduction#MEAN} or {@link Reduction#SUM}; {@link #elementLosses} unreduced. */
    public static float forward(Kind kind, float width, long n, MemorySegment input, long iOff, MemorySegment target,
                                long tOff, Reduction reduction) {
        Reduction.scalar(reduction, "AbsoluteErrorLoss.elementLosses");
        check(kind, width, n, input, iOff, target, tOff);
        double total = 0;
        for (long i = 0; i < n; i++) {
            total += loss(kind, width, (double) FloatLanes.get(input, iOff + i) - FloatLanes.get(target, tOff + i));
        }
        return (float) (reduction == Reduction.SUM ? total : total / n);  // the mean of nothing is NaN, as PyTorch's
    }

    /**
     * Each element's loss ({@link Reduction#NONE}).
     *
     * @param out {@code [n]} contiguous, written
     */
    public static void elementLosses(Kind kind, float width, long n, MemorySegment input, long iOff, MemorySegment target,
                                     long tOff, MemorySegment out, long oOff) {
        check(kind, width, n, input, iOff, target, tOff);
        Checks.floats("out", out, oOff, n);
        for (long i = 0; i < n; i++) {
            FloatLanes.set(out, oOff + i,
                    (float) loss(kind, width, (double) FloatLanes.get(input, iOff + i) - FloatLanes.get(target, tOff + i)));
        }
    }

    /**
     * The gradient of the input, of the {@link Reduction#MEAN} ({@code 1/n}) or the
     * {@link Reduction#SUM}, scaled by {@code gradLoss}; {@code gTarget} (may be null) gets its negative.
     */
    public static void backward(Kind kind, float width, long n, MemorySegment input, long iOff, MemorySegment target,
                                long tOff, Reduction reduction, float gradLoss, MemorySegment gInput, long giOff,
                                MemorySegment gTarget, long gtOff) {
        Reduction.scalar(reduction, "AbsoluteErrorLoss.elementsBackward");
        gradients(kind, width, n, input, iOff, target, tOff, reduction == Reduction.SUM ? gradLoss : (double) gradLoss / n,
                null, 0, gInput, giOff, gTarget, gtOff);
    }

    /**
     * The gradient of the input given each element loss's upstream gradient ({@link #elementLosses});
     * {@code gTarget} (may be null) gets its negative.
     *
     * @param gradLosses {@code [n]} contiguous
     */
    public static void elementsBackward(Kind kind, float width, long n, MemorySegment input, long iOff,
                                        MemorySegment target, long tOff, MemorySegment gradLosses, long glOff,
                                        MemorySegment gInput, long giOff, MemorySegment gTarget, long gtOff) {
        Checks.floats("gradLosses", gradLosses, glOff, n);
        gradients(kind, width, n, input, iOff, target, tOff, 0, gradLosses, glOff, gInput, giOff, gTarget, gtOff);
    }

    private static void gradients(Kind kind, float width, long n, MemorySegment input, long iOff, MemorySegment target,
                                  long tOff, double uniform, MemorySegment gradLosses, long glOff,
                                  MemorySegment gInput, long giOff, MemorySegment gTarget, long gtOff) {
        check(kind, width, n, input, iOff, target, tOff);
        if (gInput != null) {
            Checks.floats("gInput", gInput, giOff, n);
        }
        if (gTarget != null) {
            Checks.floats("gTarget", gTarget, gtOff, n);
        }
        for (long i = 0; i < n; i++) {
            double d = (double) FloatLanes.get(input, iOff + i) - FloatLanes.get(target, tOff + i);
            double up = gradLosses == null ? uniform : FloatLanes.get(gradLosses, glOff + i);
            float g = (float) (up * slope(kind, width, d));
            if (gInput != null) {
                FloatLanes.set(gInput, giOff + i, g);
            }
            if (gTarget != null) {
                FloatLanes.set(gTarget, gtOff + i, -g);
            }
        }
    }

    private static double loss(Kind kind, double width, double d) {
        double a = Math.abs(d);
        return switch (kind) {
            case L1 -> a;
            case SMOOTH_L1 -> a < width ? 0.5 * d * d / width : a - 0.5 * width;
            case HUBER -> a < width ? 0.5 * d * d : width * (a - 0.5 * width);
        };
    }

    private static double slope(Kind kind, double width, double d) {
        return switch (kind) {
            case L1 -> Math.signum(d);
            case SMOOTH_L1 -> d <= -width ? -1 : d >= width ? 1 : d / width;
            case HUBER -> d <= -width ? -width : d >= width ? width : d;
        };
    }

    private static void check(Kind kind, float width, long n, MemorySegment input, long iOff, MemorySegment target,
                              long tOff) {
        if (kind == null) {
            throw new IllegalArgumentException("kind must not be null");
        }
        Checks.nonNegative("n", n);
        if (kind == Kind.SMOOTH_L1 && !(width >= 0f && width < Float.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("smooth_l1_loss needs a finite beta >= 0, got " + width);
        }
        if (kind == Kind.HUBER && !(width > 0f && width < Float.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("huber_loss needs a finite delta > 0, got " + width);
        }
        Checks.floats("input", input, iOff, n);
        Checks.floats("target", target, tOff, n);
    }
}
