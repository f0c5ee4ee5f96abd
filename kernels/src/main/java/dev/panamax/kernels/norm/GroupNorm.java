package dev.panamax.kernels.norm;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.Reductions;

/**
 * Group normalisation of {@code x [N, C, S]} contiguous, {@code torch.nn.functional.group_norm}:
 * the C channels split into G contiguous groups; each (sample, group) is normalised over its
 * {@code C/G * S} values (one contiguous span) with the biased variance; per-channel weight and
 * bias (either may be null). G = C is instance norm, G = 1 normalises each sample as a whole.
 */
public final class GroupNorm {

    private GroupNorm() {
    }

    /**
     * Forward pass. {@code saveMean}/{@code saveRstd} ({@code [N, G]}, may be null) receive the
     * statistics for backward.
     */
    public static void forward(long n, long c, long s, long groups, MemorySegment x, long xOff,
                               MemorySegment weight, long wOff, MemorySegment bias, long bOff, float eps,
                               MemorySegment y, long yOff, MemorySegment saveMean, MemorySegment saveRstd, long saveOff) {
        check(n, c, s, groups, x, xOff, weight, wOff, bias, bOff, y, yOff);
        BatchNorm.optional("save_mean", saveMean, saveOff, Checks.elements(n, groups));
        BatchNorm.optional("save_rstd", saveRstd, saveOff, Checks.elements(n, groups));
        if (Checks.elements(n, c, s) == 0) {
            // nothing to normalise: the loops below would still run N G C/G times (a hang for C in the billions)
            emptyStatistics(Checks.elements(n, groups), saveMean, saveRstd, saveOff);
            return;
        }
        long cg = c / groups;
        long span = cg * s;
        for (long i = 0; i < n; i++) {
            for (long g = 0; g < groups; g++) {
                long base = (i * c + g * cg) * s;
                float mean = (float) (Reductions.sum(span, x, xOff + base) / span);
                float rstd = (float) (1.0 / Math.sqrt(Reductions.sumSquaredDeviations(span, x, xOff + base, mean) / span + eps));
                for (long k = 0; k < cg; k++) {
                    long ch = g * cg + k;
                    float scale = rstd * AffineSpan.param(weight, wOff, ch, 1f);
                    float shift = AffineSpan.param(bias, bOff, ch, 0f);
                    AffineSpan.scaleShift(s, x, xOff + base + k * s, mean, scale, shift, y, yOff + base + k * s);
                }
                if (saveMean != null) {
                    FloatLanes.set(saveMean, saveOff + i * groups + g, mean);
                }
                if (saveRstd != null) {
                    FloatLanes.set(saveRstd, saveOff + i * groups + g, rstd);
                }
            }
        }
    }

    /**
     * Backward pass from the saved statistics: {@code gx} written; {@code gWeight += sum(gy xhat)},
     * {@code gBias += sum(gy)} per channel (either may be null).
     */
    public static void backward(long n, long c, long s, long groups, MemorySegment x, long xOff,
                                MemorySegment weight, long wOff, MemorySegment saveMean, MemorySegment saveRstd,
                                long saveOff, MemorySegment gy, long gyOff, MemorySegment gx, long gxOff,
                                MemorySegment gWeight, MemorySegment gBias, long gwOff) {
        check(n, c, s, groups, x, xOff, weight, wOff, null, 0, gy, gyOff);
        Checks.floats("save_mean", saveMean, saveOff, Checks.elements(n, groups));
        Checks.floats("save_rstd", saveRstd, saveOff, Checks.elements(n, groups));
        Checks.floats("gx", gx, gxOff, Checks.elements(n, c, s));
        BatchNorm.optional("gWeight", gWeight, gwOff, c);
        BatchNorm.optional("gBias", gBias, gwOff, c);
        if (Checks.elements(n, c, s) == 0) {
            return;                                  // no element: gx is empty, the parameter gradients gain nothing
        }
        long cg = c / groups;
        double m = (double) cg * s;
        for (long i = 0; i < n; i++) {
            for (long g = 0; g < groups; g++) {
                long base = (i * c + g * cg) * s;
                double mean = FloatLanes.get(saveMean, saveOff + i * groups + g);
                double rstd = FloatLanes.get(saveRstd, saveOff + i * groups + g);
                double sumD = 0;     // sum(dxhat), dxhat = gy w
                double sumDX = 0;    // sum(dxhat xhat)
                for (int k = 0; k < cg; k++) {
                    long at = base + k * s;
                    long ch = g * cg + k;
                    double sg = Reductions.sum(s, gy, gyOff + at);
                    double sgx = Reductions.dot(s, gy, gyOff + at, x, xOff + at);
                    double w = AffineSpan.param(weight, wOff, ch, 1f);
                    double sgxhat = (sgx - mean * sg) * rstd;
                    sumD += w * sg;
                    sumDX += w * sgxhat;
                    AffineSpan.accumulate(gWeight, gwOff, ch, sgxhat);
                    AffineSpan.accumulate(gBias, gwOff, ch, sg);
                }
                // gx = rstd (gy w - sumD/m - xhat sumDX/m) = gy a + (x - mean) b + c
                double b = -rstd * rstd * sumDX / m;
                double cc = -rstd * sumD / m;
                for (int k = 0; k < cg; k++) {
                    long at = base + k * s;
                    double a = rstd * AffineSpan.param(weight, wOff, g * cg + k, 1f);
                    AffineSpan.combine(s, gy, gyOff + at, (float) a, x, xOff + at, (float) mean, (float) b, (float) cc,
                            gx, gxOff + at);
                }
            }
        }
    }

    private static void check(long n, long c, long s, long groups, MemorySegment x, long xOff, MemorySegment weight,
                              long wOff, MemorySegment bias, long bOff, MemorySegment y, long yOff) {
        Checks.nonNegative("N", n);
        Checks.positive("C", c);
        Checks.nonNegative("S", s);
        Checks.positive("num_groups", groups);
        if (c % groups != 0) {
            throw new IllegalArgumentException("num_groups must divide C = " + c + ", got " + groups);
        }
        Checks.floats("x", x, xOff, Checks.elements(n, c, s));
        Checks.floats("y", y, yOff, Checks.elements(n, c, s));
        BatchNorm.optional("weight", weight, wOff, c);
        BatchNorm.optional("bias", bias, bOff, c);
    }

    /** The statistics of empty groups: a mean and deviation over no element, NaN as in PyTorch. */
    static void emptyStatistics(long count, MemorySegment saveMean, MemorySegment saveRstd, long saveOff) {
        if (saveMean != null) {
            FloatLanes.fill(saveMean, saveOff, count, Float.NaN);
        }
        if (saveRstd != null) {
            FloatLanes.fill(saveRstd, saveOff, count, Float.NaN);
        }
    }
}
