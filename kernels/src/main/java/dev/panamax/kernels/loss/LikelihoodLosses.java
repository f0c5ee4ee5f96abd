package dev.panamax.kernels.loss;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;

/**
 * Negative log-likelihoods of regression targets under a predicted distribution, with PyTorch
 * 1.13's formulas to the branch: one loss per element, which the caller reduces, and the gradients
 * given each loss's upstream gradient ({@code gradLosses [n]}, or one {@code uniform} value for all
 * when it is null). Computed in double.
 *
 * <ul>
 * <li>{@code poisson_nll_loss}: a Poisson rate, given as its logarithm x ({@code exp(x) - t x}) or
 *     as itself ({@code x - t log(x + eps)}); with {@code full}, Stirling's approximation of
 *     {@code log(t!)}, {@code t log t - t + log(2 pi t) / 2}, is added where {@code t > 1}.</li>
 * <li>{@code gaussian_nll_loss}: a normal distribution's mean x and variance v,
 *     {@code (log max(v, eps) + (x - t)^2 / max(v, eps)) / 2}, plus {@code log(2 pi) / 2} with
 *     {@code full}. The variance is clamped without a gradient, as PyTorch clamps it (in place,
 *     under {@code no_grad}): a clamped variance's gradient is the formula's at eps. A variance
 *     may be shared by the last dimension's {@code d} elements ({@code varianceShared}): a
 *     homoscedastic row, as PyTorch's variance of size 1 there.</li>
 * </ul>
 */
public final class LikelihoodLosses {

    private LikelihoodLosses() {
    }

    private static final double HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

    /** Each element's Poisson negative log-likelihood into {@code out [n]}. */
    public static void poissonNll(long n, MemorySegment x, long ox, MemorySegment t, long ot, boolean logInput, boolean full,
                                  float eps, MemorySegment out, long oOut) {
        checkPair("poisson_nll_loss", n, x, ox, t, ot);
        Checks.floats("out", out, oOut, n);
        for (long i = 0; i < n; i++) {
            double xi = FloatLanes.get(x, ox + i);
            double ti = FloatLanes.get(t, ot + i);
            double loss = logInput ? Math.exp(xi) - ti * xi : xi - ti * Math.log(xi + eps);
            if (full && ti > 1) {
                loss += ti * Math.log(ti) - ti + 0.5 * Math.log(2 * Math.PI * ti);
            }
            FloatLanes.set(out, oOut + i, (float) loss);
        }
    }

    /** The gradient of {@link #poissonNll} with respect to its input: {@code exp(x) - t} or {@code 1 - t / (x + eps)}. */
    public static void poissonNllBackward(long n, MemorySegment x, long ox, MemorySegment t, long ot, boolean logInput,
                                          float eps, MemorySegment gradLosses, long glOff, float uniform, MemorySegment gx,
                                          long ogx) {
        checkPair("poisson_nll_loss", n, x, ox, t, ot);
        LossUpstream.check(n, gradLosses, glOff);
        Checks.floats("gInput", gx, ogx, n);
        for (long i = 0; i < n; i++) {
            double xi = FloatLanes.get(x, ox + i);
            double ti = FloatLanes.get(t, ot + i);
            double slope = logInput ? Math.exp(xi) - ti : 1 - ti / (xi + eps);
            FloatLanes.set(gx, ogx + i, (float) (slope * LossUpstream.at(i, gradLosses, glOff, uniform)));
        }
    }

    /**
     * Each element's Gaussian negative log-likelihood into {@code out [n]}.
     *
     * @param d              the last dimension's size ({@code n} is a multiple of it unless 0)
     * @param var            {@code [n]} variances, or {@code [n / d]} with {@code varianceShared}; none negative
     *                       (all checked before any write)
     * @param varianceShared whether each run of {@code d} elements shares one variance
     */
    public static void gaussianNll(long n, long d, MemorySegment x, long ox, MemorySegment t, long ot, MemorySegment var,
                                   long ov, boolean varianceShared, boolean full, float eps, MemorySegment out, long oOut) {
        checkGaussian(n, d, x, ox, t, ot, var, ov, varianceShared, eps);
        Checks.floats("out", out, oOut, n);
        for (long i = 0; i < n; i++) {
            double v = Math.max(FloatLanes.get(var, ov + (varianceShared ? i / d : i)), eps);
            double e = (double) FloatLanes.get(x, ox + i) - FloatLanes.get(t, ot + i);
            FloatLanes.set(out, oOut + i, (float) (0.5 * (Math.log(v) + e * e / v) + (full ? HALF_LOG_TWO_PI : 0)));
        }
    }

    /**
     * The gradients of {@link #gaussianNll}: of the input and the target ({@code [n]} each,
     * {@code ±(x - t) / v}) and of the variance ({@code (1 / v - (x - t)^2 / v^2) / 2}, summed over
     * each shared run). Any of the three outputs may be null when not wanted.
     */
    public static void gaussianNllBackward(long n, long d, MemorySegment x, long ox, MemorySegment t, long ot, MemorySegment var,
                                           long ov, boolean varianceShared, float eps, MemorySegment gradLosses, long glOff,
                                           float uniform, MemorySegment gx, long ogx, MemorySegment gt, long ogt,
                                           MemorySegment gv, long ogv) {
        checkGaussian(n, d, x, ox, t, ot, var, ov, varianceShared, eps);
        LossUpstream.check(n, gradLosses, glOff);
        long variances = varianceShared ? (n == 0 ? 0 : n / d) : n;
        if (gx != null) {
            Checks.floats("gInput", gx, ogx, n);
        }
        if (gt != null) {
            Checks.floats("gTarget", gt, ogt, n);
        }
        if (gv != null) {
            Checks.floats("gVar", gv, ogv, variances);
            for (long j = 0; j < variances; j++) {
                FloatLanes.set(gv, ogv + j, 0f);
            }
        }
        double shared = 0;
        for (long i = 0; i < n; i++) {
            long vi = varianceShared ? i / d : i;
            double v = Math.max(FloatLanes.get(var, ov + vi), eps);
            double e = (double) FloatLanes.get(x, ox + i) - FloatLanes.get(t, ot + i);
            double up = LossUpstream.at(i, gradLosses, glOff, uniform);
            if (gx != null) {
                FloatLanes.set(gx, ogx + i, (float) (up * e / v));
            }
            if (gt != null) {
                FloatLanes.set(gt, ogt + i, (float) (-up * e / v));
            }
            if (gv != null) {
                double g = up * 0.5 * (1 / v - e * e / (v * v));
                if (!varianceShared) {
                    FloatLanes.set(gv, ogv + i, (float) g);
                } else {
                    shared += g;                          // a run's sum in double, written once at its end
                    if ((i + 1) % d == 0) {
                        FloatLanes.set(gv, ogv + vi, (float) shared);
                        shared = 0;
                    }
                }
            }
        }
    }

    private static void checkPair(String what, long n, MemorySegment x, long ox, MemorySegment t, long ot) {
        Checks.nonNegative(what + " elements", n);
        Checks.floats("input", x, ox, n);
        Checks.floats("target", t, ot, n);
    }

    private static void checkGaussian(long n, long d, MemorySegment x, long ox, MemorySegment t, long ot, MemorySegment var,
                                      long ov, boolean varianceShared, float eps) {
        checkPair("gaussian_nll_loss", n, x, ox, t, ot);
        if (!(eps > 0) || Float.isInfinite(eps)) {
            throw new IllegalArgumentException("gaussian_nll_loss: eps must be finite and > 0, got " + eps);
        }
        long variances = n;
        if (varianceShared) {
            Checks.nonNegative("gaussian_nll_loss last dimension", d);
            if (n > 0 && (d == 0 || n % d != 0)) {
                throw new IllegalArgumentException("gaussian_nll_loss: " + n + " elements are not rows of " + d);
            }
            variances = n == 0 ? 0 : n / d;
        }
        Checks.floats("var", var, ov, variances);
        for (long j = 0; j < variances; j++) {
            float v = FloatLanes.get(var, ov + j);
            if (v < 0) {                                  // NaN passes and gives NaN, as in PyTorch
                throw new IllegalArgumentException("gaussian_nll_loss: var has a negative entry, var[" + j + "] = " + v);
            }
        }
    }
}
