package dev.panamax.kernels.norm;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.Reductions;

/**
 * Batch normalisation over {@code x [N, C, S]} (S the product of the trailing dimensions, 1 for
 * {@code [N, C]}), contiguous, as {@code torch.nn.functional.batch_norm}.
 *
 * <p>Training normalises with the biased batch variance over the {@code m = N S} values of each
 * channel and updates the running variance with the unbiased one ({@code m / (m - 1)}), as PyTorch
 * does. Statistics are two-pass (mean, then squared deviations), each pass a blocked sum.
 * Weight and bias may be null (no affine transform).
 */
public final class BatchNorm {

    private BatchNorm() {
    }

    /**
     * Forward pass.
     *
     * @param training     use batch statistics and update the running ones; else use the running ones
     * @param runningMean  {@code [C]}, read in eval, updated in training (may be null in training)
     * @param runningVar   {@code [C]}, likewise
     * @param saveMean     {@code [C]} receives the mean used (for backward); may be null
     * @param saveRstd     {@code [C]} receives {@code 1/sqrt(var + eps)} used; may be null
     */
    public static void forward(boolean training, long n, long c, long s, MemorySegment x, long xOff,
                               MemorySegment weight, long wOff, MemorySegment bias, long bOff,
                               MemorySegment runningMean, long rmOff, MemorySegment runningVar, long rvOff,
                               float momentum, float eps, MemorySegment y, long yOff,
                               MemorySegment saveMean, MemorySegment saveRstd, long saveOff) {
        check(n, c, s, x, xOff, weight, wOff, bias, bOff, y, yOff);
        long m = n * s;
        if (!training && (runningMean == null || runningVar == null)) {
            throw new IllegalArgumentException("eval mode needs running_mean and running_var");
        }
        if (training && m < 2) {
            throw new IllegalArgumentException("training needs more than 1 value per channel, got N*S = " + m);
        }
        optional("running_mean", runningMean, rmOff, c);
        optional("running_var", runningVar, rvOff, c);
        optional("save_mean", saveMean, saveOff, c);
        optional("save_rstd", saveRstd, saveOff, c);
        if (m == 0) {
            // eval over no element (training needs two per channel): y is empty; the loops below would
            // still run N times per channel (found by fuzzing: N in the hundreds of millions with S = 0)
            GroupNorm.emptyStatistics(c, saveMean, saveRstd, saveOff);
            return;
        }
        for (long k = 0; k < c; k++) {
            float mean;
            double var;
            if (training) {
                mean = (float) (channelSum(n, c, s, x, xOff, k) / m);
                var = channelSquaredDeviations(n, c, s, x, xOff, k, mean) / m;
                updateRunning(runningMean, rmOff, runningVar, rvOff, k, momentum, mean, var, m);
            } else {
                mean = FloatLanes.get(runningMean, rmOff + k);
                var = FloatLanes.get(runningVar, rvOff + k);
            }
            normalizeChannel(n, c, s, x, xOff, weight, wOff, bias, bOff, eps, y, yOff, saveMean, saveRstd, saveOff, k, mean,
                    var);
        }
    }

    /**
     * The per-channel sums of {@code x}, added into {@code sum[C]}: the first statistic of a
     * batch norm whose batch is spread over several processes ({@code SyncBatchNorm}), which
     * the caller sums over them before {@link #squaredDeviations}.
     */
    public static void sums(long n, long c, long s, MemorySegment x, long xOff, double[] sum) {
        check(n, c, s, x, xOff, null, 0, null, 0, x, xOff);
        requireLength("sum", sum, c);
        for (long k = 0; k < c; k++) {
            sum[(int) k] += channelSum(n, c, s, x, xOff, k);
        }
    }

    /** The per-channel sums of {@code (x - mean[k])^2}, added into {@code out[C]} (the second statistic). */
    public static void squaredDeviations(long n, long c, long s, MemorySegment x, long xOff, float[] mean, double[] out) {
        check(n, c, s, x, xOff, null, 0, null, 0, x, xOff);
        requireLength("mean", mean, c);
        requireLength("out", out, c);
        for (long k = 0; k < c; k++) {
            out[(int) k] += channelSquaredDeviations(n, c, s, x, xOff, k, mean[(int) k]);
        }
    }

    /**
     * Training forward with statistics computed elsewhere (over every process's batch): normalises
     * with {@code mean[k]} and the biased {@code var[k]} of {@code m} values, updates the running
     * statistics as {@link #forward} does, saves mean and {@code 1/sqrt(var + eps)}.
     */
    public static void forwardWithStatistics(long n, long c, long s, MemorySegment x, long xOff, MemorySegment weight,
                                             long wOff, MemorySegment bias, long bOff, float[] mean, double[] var, double m,
                                             MemorySegment runningMean, long rmOff, MemorySegment runningVar, long rvOff,
                                             float momentum, float eps, MemorySegment y, long yOff,
                                             MemorySegment saveMean, MemorySegment saveRstd, long saveOff) {
        check(n, c, s, x, xOff, weight, wOff, bias, bOff, y, yOff);
        requireLength("mean", mean, c);
        requireLength("var", var, c);
        if (!(m >= 2)) {
            throw new IllegalArgumentException("training needs more than 1 value per channel in all, got m = " + m);
        }
        optional("running_mean", runningMean, rmOff, c);
        optional("running_var", runningVar, rvOff, c);
        optional("save_mean", saveMean, saveOff, c);
        optional("save_rstd", saveRstd, saveOff, c);
        for (long k = 0; k < c; k++) {
            updateRunning(runningMean, rmOff, runningVar, rvOff, k, momentum, mean[(int) k], var[(int) k], m);
            normalizeChannel(n, c, s, x, xOff, weight, wOff, bias, bOff, eps, y, yOff, saveMean, saveRstd, saveOff, k,
                    mean[(int) k], var[(int) k]);
        }
    }

    private static double channelSum(long n, long c, long s, MemorySegment x, long xOff, long k) {
        double sum = 0;
        for (long i = 0; i < n; i++) {
            sum += Reductions.sum(s, x, xOff + (i * c + k) * s);
        }
        return sum;
    }

    private static double channelSquaredDeviations(long n, long c, long s, MemorySegment x, long xOff, long k, float mean) {
        double ssd = 0;
        for (long i = 0; i < n; i++) {
            ssd += Reductions.sumSquaredDeviations(s, x, xOff + (i * c + k) * s, mean);
        }
        return ssd;
    }

    /** Running statistics move by {@code momentum}, the variance's unbiased ({@code m / (m - 1)}). */
    private static void updateRunning(MemorySegment runningMean, long rmOff, MemorySegment runningVar, long rvOff, long k,
                                      float momentum, float mean, double var, double m) {
        if (runningMean != null) {
            float rm = FloatLanes.get(runningMean, rmOff + k);
            FloatLanes.set(runningMean, rmOff + k, (1 - momentum) * rm + momentum * mean);
        }
        if (runningVar != null) {
            float rv = FloatLanes.get(runningVar, rvOff + k);
            FloatLanes.set(runningVar, rvOff + k, (float) ((1 - momentum) * rv + momentum * var * m / (m - 1)));
        }
    }

    private static void normalizeChannel(long n, long c, long s, MemorySegment x, long xOff, MemorySegment weight, long wOff,
                                         MemorySegment bias, long bOff, float eps, MemorySegment y, long yOff,
                                         MemorySegment saveMean, MemorySegment saveRstd, long saveOff, long k, float mean,
                                         double var) {
        float rstd = (float) (1.0 / Math.sqrt(var + eps));
        float scale = rstd * AffineSpan.param(weight, wOff, k, 1f);
        float shift = AffineSpan.param(bias, bOff, k, 0f);
        for (long i = 0; i < n; i++) {
            long at = (i * c + k) * s;
            AffineSpan.scaleShift(s, x, xOff + at, mean, scale, shift, y, yOff + at);
        }
        if (saveMean != null) {
            FloatLanes.set(saveMean, saveOff + k, mean);
        }
        if (saveRstd != null) {
            FloatLanes.set(saveRstd, saveOff + k, rstd);
        }
    }

    /**
     * Backward pass, from the statistics the forward pass saved.
     * In training: {@code gx = (gy - sum(gy)/m - (x - mean) k) rstd w} with
     * {@code k = rstd^2 sum((x - mean) gy) / m}, PyTorch's form and order: the two projections
     * are taken off in units of gy before the scale, and the dot product is centred. For few
     * values per channel gx is a small difference of large terms, and an expanded form
     * ({@code gy a + (x - mean) b + c}, each coefficient scaled and rounded first, and
     * {@code sum(gy x) - mean sum(gy)}) erred by 1.1e-6 on a gx of 6e-5 from two values where
     * PyTorch's float32 errs by 5.7e-8 (found by the conformance runner on a generated case).
     * In eval the statistics are constants: {@code gx = gy w rstd}.
     * {@code gWeight = sum(gy xhat)} and {@code gBias = sum(gy)} are added into their outputs
     * (either may be null); {@code gx} is written.
     */
    public static void backward(boolean training, long n, long c, long s, MemorySegment x, long xOff,
                                MemorySegment weight, long wOff, MemorySegment saveMean, MemorySegment saveRstd,
                                long saveOff, MemorySegment gy, long gyOff, MemorySegment gx, long gxOff,
                                MemorySegment gWeight, MemorySegment gBias, long gwOff) {
        check(n, c, s, x, xOff, weight, wOff, null, 0, gy, gyOff);
        Checks.floats("save_mean", saveMean, saveOff, c);
        Checks.floats("save_rstd", saveRstd, saveOff, c);
        if (gx != null) {
            Checks.floats("gx", gx, gxOff, Checks.elements(n, c, s));
        }
        optional("gWeight", gWeight, gwOff, c);
        optional("gBias", gBias, gwOff, c);
        double m = (double) n * s;
        if (m == 0) {
            return;                                  // no element: gx is empty, the parameter gradients gain nothing
        }
        for (long k = 0; k < c; k++) {
            double sg = channelSum(n, c, s, gy, gyOff, k);
            float mean = FloatLanes.get(saveMean, saveOff + k);
            double sgxhat = channelCenteredDot(n, c, s, x, xOff, mean, gy, gyOff, k) * FloatLanes.get(saveRstd, saveOff + k);
            AffineSpan.accumulate(gWeight, gwOff, k, sgxhat);
            AffineSpan.accumulate(gBias, gwOff, k, sg);
            if (gx != null) {
                channelInputGradient(training, n, c, s, x, xOff, weight, wOff, saveMean, saveRstd, saveOff, gy, gyOff, gx,
                        gxOff, k, sg, sgxhat, m);
            }
        }
    }

    /**
     * The per-channel sums of {@code gy} and of {@code gy x}, added into {@code sumGy[C]} and
     * {@code sumGyX[C]}: what a batch norm spread over several processes sums over them before
     * {@link #inputGradient} (each process's own sums give its weight and bias gradients, through
     * {@link #parameterGradients}).
     */
    public static void gradientSums(long n, long c, long s, MemorySegment x, long xOff, MemorySegment gy, long gyOff,
                                    double[] sumGy, double[] sumGyX) {
        check(n, c, s, x, xOff, null, 0, null, 0, gy, gyOff);
        requireLength("sumGy", sumGy, c);
        requireLength("sumGyX", sumGyX, c);
        for (long k = 0; k < c; k++) {
            sumGy[(int) k] += channelSum(n, c, s, gy, gyOff, k);
            sumGyX[(int) k] += channelDot(n, c, s, gy, gyOff, x, xOff, k);
        }
    }

    /** Adds {@code sum(gy xhat)} and {@code sum(gy)} per channel, from {@link #gradientSums}, into the parameter gradients. */
    public static void parameterGradients(long c, MemorySegment saveMean, MemorySegment saveRstd, long saveOff,
                                          double[] sumGy, double[] sumGyX, MemorySegment gWeight, MemorySegment gBias,
                                          long gwOff) {
        Checks.positive("C", c);
        Checks.floats("save_mean", saveMean, saveOff, c);
        Checks.floats("save_rstd", saveRstd, saveOff, c);
        requireLength("sumGy", sumGy, c);
        requireLength("sumGyX", sumGyX, c);
        optional("gWeight", gWeight, gwOff, c);
        optional("gBias", gBias, gwOff, c);
        for (long k = 0; k < c; k++) {
            double sg = sumGy[(int) k];
            AffineSpan.accumulate(gWeight, gwOff, k,
                    (sumGyX[(int) k] - FloatLanes.get(saveMean, saveOff + k) * sg) * FloatLanes.get(saveRstd, saveOff + k));
            AffineSpan.accumulate(gBias, gwOff, k, sg);
        }
    }

    /**
     * Training's input gradient with sums over {@code m} values computed elsewhere (every
     * process's {@link #gradientSums}, summed): {@code gx = w rstd (gy - sum(gy)/m - xhat sum(gy xhat)/m)}.
     */
    public static void inputGradient(long n, long c, long s, MemorySegment x, long xOff, MemorySegment weight, long wOff,
                                     MemorySegment saveMean, MemorySegment saveRstd, long saveOff, MemorySegment gy,
                                     long gyOff, double[] sumGy, double[] sumGyX, double m, MemorySegment gx, long gxOff) {
        check(n, c, s, x, xOff, weight, wOff, null, 0, gy, gyOff);
        Checks.floats("save_mean", saveMean, saveOff, c);
        Checks.floats("save_rstd", saveRstd, saveOff, c);
        Checks.floats("gx", gx, gxOff, Checks.elements(n, c, s));
        requireLength("sumGy", sumGy, c);
        requireLength("sumGyX", sumGyX, c);
        if (!(m > 0)) {
            throw new IllegalArgumentException("m must be > 0, got " + m);
        }
        for (long k = 0; k < c; k++) {
            double sg = sumGy[(int) k];
            double sgxhat = (sumGyX[(int) k] - FloatLanes.get(saveMean, saveOff + k) * sg) * FloatLanes.get(saveRstd, saveOff + k);
            channelInputGradient(true, n, c, s, x, xOff, weight, wOff, saveMean, saveRstd, saveOff, gy, gyOff, gx, gxOff, k,
                    sg, sgxhat, m);
        }
    }

    private static double channelDot(long n, long c, long s, MemorySegment a, long aOff, MemorySegment b, long bOff, long k) {
        double dot = 0;
        for (long i = 0; i < n; i++) {
            long at = (i * c + k) * s;
            dot += Reductions.dot(s, a, aOff + at, b, bOff + at);
        }
        return dot;
    }

    private static double channelCenteredDot(long n, long c, long s, MemorySegment x, long xOff, float mean,
                                             MemorySegment gy, long gyOff, long k) {
        double dot = 0;
        for (long i = 0; i < n; i++) {
            long at = (i * c + k) * s;
            dot += Reductions.centeredDot(s, x, xOff + at, mean, gy, gyOff + at);
        }
        return dot;
    }

    /** The input gradient of channel k given {@code sg = sum(gy)} and {@code sgxhat = sum(gy xhat)} over m values. */
    private static void channelInputGradient(boolean training, long n, long c, long s, MemorySegment x, long xOff,
                                             MemorySegment weight, long wOff, MemorySegment saveMean, MemorySegment saveRstd,
                                             long saveOff, MemorySegment gy, long gyOff, MemorySegment gx, long gxOff, long k,
                                             double sg, double sgxhat, double m) {
        float mean = FloatLanes.get(saveMean, saveOff + k);
        float rstd = FloatLanes.get(saveRstd, saveOff + k);
        float scale = rstd * AffineSpan.param(weight, wOff, k, 1f);
        // eval: the statistics are constants, gx = gy rstd w (x is not read: an infinite x
        // would make a zero projection NaN)
        float gyMean = training ? (float) (sg / m) : 0f;
        float proj = training ? (float) (sgxhat * rstd / m) : 0f;
        for (long i = 0; i < n; i++) {
            long at = (i * c + k) * s;
            if (training) {
                AffineSpan.projectOut(s, gy, gyOff + at, gyMean, x, xOff + at, mean, proj, scale, gx, gxOff + at);
            } else {
                AffineSpan.scaleShift(s, gy, gyOff + at, 0f, scale, 0f, gx, gxOff + at);
            }
        }
    }

    private static void requireLength(String name, float[] a, long c) {
        if (a == null || a.length != c) {
            throw new IllegalArgumentException(name + " must hold C = " + c + " values, got "
                    + (a == null ? "null" : Integer.toString(a.length)));
        }
    }

    private static void requireLength(String name, double[] a, long c) {
        if (a == null || a.length != c) {
            throw new IllegalArgumentException(name + " must hold C = " + c + " values, got "
                    + (a == null ? "null" : Integer.toString(a.length)));
        }
    }

    private static void check(long n, long c, long s, MemorySegment x, long xOff, MemorySegment weight, long wOff,
                              MemorySegment bias, long bOff, MemorySegment y, long yOff) {
        Checks.nonNegative("N", n);
        Checks.positive("C", c);
        Checks.nonNegative("S", s);
        Checks.floats("x", x, xOff, Checks.elements(n, c, s));
        Checks.floats("y", y, yOff, Checks.elements(n, c, s));
        optional("weight", weight, wOff, c);
        optional("bias", bias, bOff, c);
    }

    static void optional(String name, MemorySegment seg, long off, long n) {
        if (seg != null) {
            Checks.floats(name, seg, off, n);
        }
    }
}
