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
                double sum = 0;
                for (long i = 0; i < n; i++) {
                    sum += Reductions.sum(s, x, xOff + (i * c + k) * s);
                }
                mean = (float) (sum / m);
                double ssd = 0;
                for (long i = 0; i < n; i++) {
                    ssd += Reductions.sumSquaredDeviations(s, x, xOff + (i * c + k) * s, mean);
                }
                var = ssd / m;
                if (runningMean != null) {
                    float rm = FloatLanes.get(runningMean, rmOff + k);
                    FloatLanes.set(runningMean, rmOff + k, (1 - momentum) * rm + momentum * mean);
                }
                if (runningVar != null) {
                    float rv = FloatLanes.get(runningVar, rvOff + k);
                    FloatLanes.set(runningVar, rvOff + k, (float) ((1 - momentum) * rv + momentum * var * m / (m - 1)));
                }
            } else {
                mean = FloatLanes.get(runningMean, rmOff + k);
                var = FloatLanes.get(runningVar, rvOff + k);
            }
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
    }

    /**
     * Backward pass, from the statistics the forward pass saved.
     * In training: {@code gx = w rstd / m (m gy - sum(gy) - xhat sum(gy xhat))};
     * in eval the statistics are constants: {@code gx = gy w rstd}.
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
            double sg = 0;
            double sgx = 0;
            for (long i = 0; i < n; i++) {
                long at = (i * c + k) * s;
                sg += Reductions.sum(s, gy, gyOff + at);
                sgx += Reductions.dot(s, gy, gyOff + at, x, xOff + at);
            }
            double mean = FloatLanes.get(saveMean, saveOff + k);
            double rstd = FloatLanes.get(saveRstd, saveOff + k);
            double w = AffineSpan.param(weight, wOff, k, 1f);
            double sgxhat = (sgx - mean * sg) * rstd;
            AffineSpan.accumulate(gWeight, gwOff, k, sgxhat);
            AffineSpan.accumulate(gBias, gwOff, k, sg);
            if (gx == null) {
                continue;
            }
            // gx = gy a + (x - mean) b + c, expanding xhat = (x - mean) rstd
            double a = w * rstd;
            double b = training ? -w * rstd * rstd * sgxhat / m : 0;
            double cc = training ? -w * rstd * sg / m : 0;
            for (long i = 0; i < n; i++) {
                long at = (i * c + k) * s;
                AffineSpan.combine(s, gy, gyOff + at, (float) a, x, xOff + at, (float) mean, (float) b, (float) cc,
                        gx, gxOff + at);
            }
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
