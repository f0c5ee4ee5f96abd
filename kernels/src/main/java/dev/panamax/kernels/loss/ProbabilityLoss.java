package dev.panamax.kernels.loss;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;

/**
 * The losses of an input of probabilities or log-probabilities against a target of them, over
 * {@code n} contiguous elements, each optionally weighted, with PyTorch 1.13's formulas to the
 * branch ({@link Kind}): {@code binary_cross_entropy} and {@code kl_div}. Sums run in double; the
 * loss is a small part of a step.
 */
public final class ProbabilityLoss {

    private ProbabilityLoss() {
    }

    /** Which loss; {@code x} is the input, {@code t} the target. */
    public enum Kind {
        /**
         * {@code -(t max(log x, -100) + (1 - t) max(log(1 - x), -100))}, x a probability in [0, 1]
         * (anything else is refused, as PyTorch refuses it; the target is not checked, as there).
         * Gradient {@code (x - t) / max(x (1 - x), 1e-12)}: PyTorch's clamps, so a probability of
         * exactly 0 or 1 gives a loss of at most 100 and a finite gradient.
         */
        BINARY_CROSS_ENTROPY,
        /**
         * {@code xlogy(t, t) - t x}: x log-probabilities, t probabilities ({@code 0 log 0 = 0});
         * gradient {@code -t}.
         */
        KL_DIVERGENCE,
        /** {@code exp(t) (t - x)}: both log-probabilities ({@code log_target=True}); gradient {@code -exp(t)}. */
        KL_DIVERGENCE_LOG_TARGET
    }

    /** PyTorch's floor under the logarithms of binary cross-entropy. */
    private static final double LOG_FLOOR = -100;
    /** PyTorch's floor under {@code x (1 - x)} in binary cross-entropy's gradient. */
    private static final double EPSILON = 1e-12;

    /**
     * The loss reduced by {@link Reduction#MEAN} or {@link Reduction#SUM}; {@link #elementLosses} unreduced.
     *
     * @param weight {@code [n]} contiguous weights of the elements' losses, or null
     */
    public static float forward(Kind kind, long n, MemorySegment input, long iOff, MemorySegment target, long tOff,
                                MemorySegment weight, long wOff, Reduction reduction) {
        Reduction.scalar(reduction, "ProbabilityLoss.elementLosses");
        check(kind, n, input, iOff, target, tOff, weight, wOff);
        double total = 0;
        for (long i = 0; i < n; i++) {
            total += weighted(weight, wOff + i, loss(kind, FloatLanes.get(input, iOff + i), FloatLanes.get(target, tOff + i)));
        }
        return (float) (reduction == Reduction.SUM ? total : total / n);  // the mean of nothing is NaN, as PyTorch's
    }

    /**
     * Each element's loss ({@link Reduction#NONE}).
     *
     * @param weight {@code [n]} contiguous, or null
     * @param out    {@code [n]} contiguous, written
     */
    public static void elementLosses(Kind kind, long n, MemorySegment input, long iOff, MemorySegment target, long tOff,
                                     MemorySegment weight, long wOff, MemorySegment out, long oOff) {
        check(kind, n, input, iOff, target, tOff, weight, wOff);
        Checks.floats("out", out, oOff, n);
        for (long i = 0; i < n; i++) {
            double l = loss(kind, FloatLanes.get(input, iOff + i), FloatLanes.get(target, tOff + i));
            FloatLanes.set(out, oOff + i, (float) weighted(weight, wOff + i, l));
        }
    }

    /**
     * The gradient of the input, of the {@link Reduction#MEAN} ({@code 1/n}) or the
     * {@link Reduction#SUM}, scaled by {@code gradLoss}.
     *
     * @param weight {@code [n]} contiguous, or null
     * @param gInput {@code [n]} contiguous, written
     */
    public static void backward(Kind kind, long n, MemorySegment input, long iOff, MemorySegment target, long tOff,
                                MemorySegment weight, long wOff, Reduction reduction, float gradLoss,
                                MemorySegment gInput, long giOff) {
        Reduction.scalar(reduction, "ProbabilityLoss.elementsBackward");
        gradients(kind, n, input, iOff, target, tOff, weight, wOff,
                reduction == Reduction.SUM ? gradLoss : (double) gradLoss / n, null, 0, gInput, giOff);
    }

    /**
     * The gradient of the input given each element loss's upstream gradient ({@link #elementLosses}).
     *
     * @param gradLosses {@code [n]} contiguous
     */
    public static void elementsBackward(Kind kind, long n, MemorySegment input, long iOff, MemorySegment target,
                                        long tOff, MemorySegment weight, long wOff, MemorySegment gradLosses, long glOff,
                                        MemorySegment gInput, long giOff) {
        Checks.floats("gradLosses", gradLosses, glOff, n);
        gradients(kind, n, input, iOff, target, tOff, weight, wOff, 0, gradLosses, glOff, gInput, giOff);
    }

    private static void gradients(Kind kind, long n, MemorySegment input, long iOff, MemorySegment target, long tOff,
                                  MemorySegment weight, long wOff, double uniform, MemorySegment gradLosses, long glOff,
                                  MemorySegment gInput, long giOff) {
        check(kind, n, input, iOff, target, tOff, weight, wOff);
        Checks.floats("gInput", gInput, giOff, n);
        for (long i = 0; i < n; i++) {
            double up = gradLosses == null ? uniform : FloatLanes.get(gradLosses, glOff + i);
            double g = slope(kind, FloatLanes.get(input, iOff + i), FloatLanes.get(target, tOff + i));
            FloatLanes.set(gInput, giOff + i, (float) (up * weighted(weight, wOff + i, g)));
        }
    }

    private static double weighted(MemorySegment weight, long at, double value) {
        return weight == null ? value : FloatLanes.get(weight, at) * value;
    }

    private static double loss(Kind kind, double x, double t) {
        return switch (kind) {
            case BINARY_CROSS_ENTROPY -> (t - 1) * Math.max(Math.log1p(-x), LOG_FLOOR) - t * Math.max(Math.log(x), LOG_FLOOR);
            case KL_DIVERGENCE -> (t == 0 ? 0 : t * Math.log(t)) - t * x;
            case KL_DIVERGENCE_LOG_TARGET -> Math.exp(t) * (t - x);
        };
    }

    private static double slope(Kind kind, double x, double t) {
        return switch (kind) {
            case BINARY_CROSS_ENTROPY -> (x - t) / Math.max((1 - x) * x, EPSILON);
            case KL_DIVERGENCE -> -t;
            case KL_DIVERGENCE_LOG_TARGET -> -Math.exp(t);
        };
    }


    private static void check(Kind kind, long n, MemorySegment input, long iOff, MemorySegment target, long tOff,
                              MemorySegment weight, long wOff) {
        if (kind == null) {
            throw new IllegalArgumentException("kind must not be null");
        }
        Checks.nonNegative("n", n);
        Checks.floats("input", input, iOff, n);
        Checks.floats("target", target, tOff, n);
        if (weight != null) {
            Checks.floats("weight", weight, wOff, n);
        }
        if (kind == Kind.BINARY_CROSS_ENTROPY) {
            for (long i = 0; i < n; i++) {           // all of them before the first write
                float x = FloatLanes.get(input, iOff + i);
                if (!(x >= 0 && x <= 1)) {
                    throw new IllegalArgumentException("binary_cross_entropy: every element of input must be a probability "
                            + "in [0, 1] (apply a sigmoid first, or use the with-logits loss), got input[" + i + "] = " + x);
                }
            }
        }
    }
}
