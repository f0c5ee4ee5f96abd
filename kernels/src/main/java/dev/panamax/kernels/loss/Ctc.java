package dev.panamax.kernels.loss;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;

/**
 * Connectionist temporal classification (Graves et al. 2006), as PyTorch 1.13's {@code ctc_loss}
 * on the CPU: the negative log-likelihood of each sample's target summed over every alignment of
 * its frames to the target with blanks between and around the labels, by the forward (alpha)
 * recursion in log space over the extended target {@code blank, l1, blank, l2, ..., blank}; the
 * gradient by the backward (beta) recursion, PyTorch's formula
 * {@code exp(lp) - exp(log(sum over s with label c of alpha beta) + nll - lp)} per frame and class,
 * which is the gradient with respect to the logits of a log-softmax that produced the inputs (its
 * classes' terms sum to 0 per frame), scaled by the sample's upstream gradient; frames past a
 * sample's input length get 0.
 *
 * <p>Layouts: {@code logProbs [T, N, C]} (log-probabilities, e.g. a log-softmax over C),
 * {@code targets [N, S]} int64 padded (sample b's labels are its first {@code targetLengths[b]}),
 * {@code inputLengths [N]} and {@code targetLengths [N]} int64. The recursions run in double in a
 * caller's workspace of {@link #workspaceDoubles} doubles, one sample at a time.
 */
public final class Ctc {

    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE;

    private Ctc() {
    }

    /**
     * The doubles a workspace needs: alpha and beta over {@code T x (2S + 1)}, and a {@code T x C} sum.
     *
     * @throws IllegalArgumentException for a negative size, or a workspace past {@code Long.MAX_VALUE}
     */
    public static long workspaceDoubles(long t, long s, long c) {
        Checks.nonNegative("T (frames)", t);
        Checks.nonNegative("S (target length)", s);
        Checks.nonNegative("C (classes)", c);
        long recursions = s > (Long.MAX_VALUE - 1) / 2 ? Long.MAX_VALUE : Checks.elements(2, t, 2 * s + 1);
        long sums = Checks.elements(t, c);
        if (recursions == Long.MAX_VALUE || sums == Long.MAX_VALUE || recursions > Long.MAX_VALUE - sums) {
            throw new IllegalArgumentException("a CTC workspace for T = " + t + ", S = " + s + ", C = " + c
                    + " has more doubles than a long counts");
        }
        return recursions + sums;
    }

    /**
     * Each sample's negative log-likelihood into {@code nll [N]}: infinite where no alignment
     * exists (a target longer than its frames allow), or 0 there with {@code zeroInfinity}.
     */
    public static void forward(long t, long n, long c, long s, MemorySegment logProbs, long lpOff, MemorySegment targets,
                               long tgOff, MemorySegment inputLengths, long ilOff, MemorySegment targetLengths, long tlOff,
                               long blank, boolean zeroInfinity, MemorySegment workspace, MemorySegment nll, long nllOff) {
        check(t, n, c, s, logProbs, lpOff, targets, tgOff, inputLengths, ilOff, targetLengths, tlOff, blank, workspace);
        Checks.floats("nll", nll, nllOff, n);
        for (long b = 0; b < n; b++) {
            double loss = alphas(t, n, c, s, b, logProbs, lpOff, targets, tgOff, inputLengths, ilOff, targetLengths, tlOff,
                    blank, workspace);
            FloatLanes.set(nll, nllOff + b, (float) (zeroInfinity && Double.isInfinite(loss) ? 0 : loss));
        }
    }

    /**
     * The gradient with respect to {@code logProbs} into {@code gradLogProbs [T, N, C]} (written
     * whole), given each sample's upstream gradient ({@code gradNll [N]}, or one {@code uniform}
     * value for all when it is null).
     */
    public static void backward(long t, long n, long c, long s, MemorySegment logProbs, long lpOff, MemorySegment targets,
                                long tgOff, MemorySegment inputLengths, long ilOff, MemorySegment targetLengths, long tlOff,
                                long blank, boolean zeroInfinity, MemorySegment gradNll, long gnOff, float uniform,
                                MemorySegment workspace, MemorySegment gradLogProbs, long gOff) {
        check(t, n, c, s, logProbs, lpOff, targets, tgOff, inputLengths, ilOff, targetLengths, tlOff, blank, workspace);
        LossUpstream.check(n, gradNll, gnOff);
        Checks.floats("gradLogProbs", gradLogProbs, gOff, Checks.elements(Checks.elements(t, n), c));
        long width = 2 * s + 1;
        long betaAt = t * width;
        long sumAt = 2 * t * width;
        for (long b = 0; b < n; b++) {
            double nllB = alphas(t, n, c, s, b, logProbs, lpOff, targets, tgOff, inputLengths, ilOff, targetLengths, tlOff,
                    blank, workspace);
            int frames = (int) FloatLanes.getLong(inputLengths, ilOff + b);
            long labels = FloatLanes.getLong(targetLengths, tlOff + b);
            long ext = 2 * labels + 1;
            double up = LossUpstream.at(b, gradNll, gnOff, uniform);
            boolean zeroed = zeroInfinity && Double.isInfinite(nllB);
            for (long e = 0; e < t * c; e++) {
                workspace.setAtIndex(D, sumAt + e, Double.NEGATIVE_INFINITY);
            }
            for (long e = 0; e < t * width; e++) {
                workspace.setAtIndex(D, betaAt + e, Double.NEGATIVE_INFINITY);
            }
            long last = frames - 1;
            setBeta(workspace, betaAt, width, last, ext - 1, lp(logProbs, lpOff, n, c, last, b, blank));
            accumulate(workspace, sumAt, c, last, blank, alpha(workspace, width, last, ext - 1) + beta(workspace, betaAt, width,
                    last, ext - 1));
            if (labels > 0) {
                long label = label(targets, tgOff, s, b, ext - 2, blank);
                setBeta(workspace, betaAt, width, last, ext - 2, lp(logProbs, lpOff, n, c, last, b, label));
                accumulate(workspace, sumAt, c, last, label, alpha(workspace, width, last, ext - 2)
                        + beta(workspace, betaAt, width, last, ext - 2));
            }
            for (long f = last - 1; f >= 0; f--) {
                for (long e = ext - 1; e >= 0; e--) {
                    long label = label(targets, tgOff, s, b, e, blank);
                    double b1 = beta(workspace, betaAt, width, f + 1, e);
                    double b2 = e < ext - 1 ? beta(workspace, betaAt, width, f + 1, e + 1) : Double.NEGATIVE_INFINITY;
                    double b3 = e < ext - 2 && label(targets, tgOff, s, b, e + 2, blank) != label
                            ? beta(workspace, betaAt, width, f + 1, e + 2) : Double.NEGATIVE_INFINITY;
                    double value = logSumExp(b1, b2, b3) + lp(logProbs, lpOff, n, c, f, b, label);
                    setBeta(workspace, betaAt, width, f, e, value);
                    accumulate(workspace, sumAt, c, f, label, alpha(workspace, width, f, e) + value);
                }
            }
            for (long f = 0; f < t; f++) {
                for (long k = 0; k < c; k++) {
                    long at = gOff + (f * n + b) * c + k;
                    if (f >= frames || zeroed) {
                        FloatLanes.set(gradLogProbs, at, 0f);
                        continue;
                    }
                    double lp = lp(logProbs, lpOff, n, c, f, b, k);
                    double sum = workspace.getAtIndex(D, sumAt + f * c + k);
                    FloatLanes.set(gradLogProbs, at, (float) ((Math.exp(lp) - Math.exp(sum + nllB - lp)) * up));
                }
            }
        }
    }

    /** Sample b's alphas into the workspace's first {@code T x (2S + 1)} doubles; returns its negative log-likelihood. */
    private static double alphas(long t, long n, long c, long s, long b, MemorySegment logProbs, long lpOff,
                                 MemorySegment targets, long tgOff, MemorySegment inputLengths, long ilOff,
                                 MemorySegment targetLengths, long tlOff, long blank, MemorySegment workspace) {
        long width = 2 * s + 1;
        long frames = FloatLanes.getLong(inputLengths, ilOff + b);
        long labels = FloatLanes.getLong(targetLengths, tlOff + b);
        long ext = 2 * labels + 1;
        for (long e = 0; e < t * width; e++) {
            workspace.setAtIndex(D, e, Double.NEGATIVE_INFINITY);
        }
        workspace.setAtIndex(D, 0, lp(logProbs, lpOff, n, c, 0, b, blank));
        if (labels > 0) {
            workspace.setAtIndex(D, 1, lp(logProbs, lpOff, n, c, 0, b, label(targets, tgOff, s, b, 1, blank)));
        }
        for (long f = 1; f < frames; f++) {
            for (long e = 0; e < ext; e++) {
                long label = label(targets, tgOff, s, b, e, blank);
                double a1 = alpha(workspace, width, f - 1, e);
                double a2 = e > 0 ? alpha(workspace, width, f - 1, e - 1) : Double.NEGATIVE_INFINITY;
                // a label may follow the one before the blank between them unless it repeats it
                double a3 = e > 1 && label(targets, tgOff, s, b, e - 2, blank) != label
                        ? alpha(workspace, width, f - 1, e - 2) : Double.NEGATIVE_INFINITY;
                workspace.setAtIndex(D, f * width + e, logSumExp(a1, a2, a3) + lp(logProbs, lpOff, n, c, f, b, label));
            }
        }
        long lastFrame = frames - 1;
        if (labels == 0) {
            return -alpha(workspace, width, lastFrame, 0);
        }
        return -logSumExp(alpha(workspace, width, lastFrame, ext - 1), alpha(workspace, width, lastFrame, ext - 2),
                Double.NEGATIVE_INFINITY);
    }

    /** {@code log(exp a + exp b + exp c)}, -inf when all are. */
    private static double logSumExp(double a, double b, double c) {
        double max = Math.max(a, Math.max(b, c));
        if (max == Double.NEGATIVE_INFINITY) {
            return Double.NEGATIVE_INFINITY;
        }
        return Math.log(Math.exp(a - max) + Math.exp(b - max) + Math.exp(c - max)) + max;
    }

    /** The label at position e of sample b's extended target: blank at even positions. */
    private static long label(MemorySegment targets, long tgOff, long s, long b, long e, long blank) {
        return e % 2 == 0 ? blank : FloatLanes.getLong(targets, tgOff + b * s + e / 2);
    }

    private static double lp(MemorySegment logProbs, long lpOff, long n, long c, long f, long b, long k) {
        return FloatLanes.get(logProbs, lpOff + (f * n + b) * c + k);
    }

    private static double alpha(MemorySegment w, long width, long f, long e) {
        return w.getAtIndex(D, f * width + e);
    }

    private static double beta(MemorySegment w, long betaAt, long width, long f, long e) {
        return w.getAtIndex(D, betaAt + f * width + e);
    }

    private static void setBeta(MemorySegment w, long betaAt, long width, long f, long e, double v) {
        w.setAtIndex(D, betaAt + f * width + e, v);
    }

    /** Adds {@code exp(v)} to the log-space sum of frame f's class k. */
    private static void accumulate(MemorySegment w, long sumAt, long c, long f, long k, double v) {
        long at = sumAt + f * c + k;
        double old = w.getAtIndex(D, at);
        double max = Math.max(old, v);
        w.setAtIndex(D, at, max == Double.NEGATIVE_INFINITY ? max : Math.log(Math.exp(old - max) + Math.exp(v - max)) + max);
    }

    private static void check(long t, long n, long c, long s, MemorySegment logProbs, long lpOff, MemorySegment targets,
                              long tgOff, MemorySegment inputLengths, long ilOff, MemorySegment targetLengths, long tlOff,
                              long blank, MemorySegment workspace) {
        Checks.nonNegative("T (frames)", t);
        Checks.nonNegative("N (samples)", n);
        Checks.positive("C (classes)", c);
        Checks.nonNegative("S (target length)", s);
        if (blank < 0 || blank >= c) {
            throw new IllegalArgumentException("blank must be a class in [0, " + c + "), got " + blank);
        }
        Checks.floats("logProbs", logProbs, lpOff, Checks.elements(Checks.elements(t, n), c));
        Checks.longs("targets", targets, tgOff, Checks.elements(n, s));
        Checks.longs("inputLengths", inputLengths, ilOff, n);
        Checks.longs("targetLengths", targetLengths, tlOff, n);
        if (n > 0 && (workspace == null || workspace.byteSize() / Double.BYTES < workspaceDoubles(t, s, c))) {
            throw new IllegalArgumentException("the workspace needs " + workspaceDoubles(t, s, c) + " doubles, got "
                    + (workspace == null ? "none" : workspace.byteSize() / Double.BYTES));
        }
        for (long b = 0; b < n; b++) {
            long frames = FloatLanes.getLong(inputLengths, ilOff + b);
            long labels = FloatLanes.getLong(targetLengths, tlOff + b);
            if (frames < 1 || frames > t) {
                throw new IllegalArgumentException("inputLengths[" + b + "] = " + frames + " must be in [1, T = " + t + "]");
            }
            if (labels < 0 || labels > s) {
                throw new IllegalArgumentException("targetLengths[" + b + "] = " + labels + " must be in [0, S = " + s + "]");
            }
            for (long j = 0; j < labels; j++) {
                long label = FloatLanes.getLong(targets, tgOff + b * s + j);
                if (label < 0 || label >= c || label == blank) {
                    throw new IllegalArgumentException("targets[" + b + ", " + j + "] = " + label + " must be a class in [0, " + c
                            + ") other than the blank (" + blank + ")");
                }
            }
        }
    }
}
