package dev.panamax.kernels.norm;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;

/**
 * The running statistics of instance normalisation with {@code track_running_stats}, as PyTorch
 * keeps them: each channel's running mean moves by {@code momentum} towards the mean over the
 * batch of the instances' means, its running variance towards the mean over the batch of the
 * instances' unbiased variances ({@code m / (m - 1)} times the biased one, m positions). Each
 * instance's statistics are computed in double, two passes.
 */
public final class InstanceStatistics {

    private InstanceStatistics() {
    }

    /**
     * Updates {@code runningMean [c]} and {@code runningVar [c]} from {@code x [n, c, m]} (contiguous).
     *
     * @throws IllegalArgumentException for fewer than two positions (no unbiased variance) or an empty batch
     */
    public static void update(long n, long c, long m, MemorySegment x, long xOff, float momentum, MemorySegment runningMean,
                              long rmOff, MemorySegment runningVar, long rvOff) {
        Checks.positive("batch", n);
        Checks.nonNegative("channels", c);
        if (m < 2) {
            throw new IllegalArgumentException("instance norm's running variance needs more than one position per instance, got "
                    + m);
        }
        Checks.floats("x", x, xOff, Checks.elements(n, c, m));
        Checks.floats("runningMean", runningMean, rmOff, c);
        Checks.floats("runningVar", runningVar, rvOff, c);
        for (long ch = 0; ch < c; ch++) {
            double meanOfMeans = 0;
            double meanOfVariances = 0;
            for (long img = 0; img < n; img++) {
                long row = xOff + (img * c + ch) * m;
                double sum = 0;
                for (long p = 0; p < m; p++) {
                    sum += FloatLanes.get(x, row + p);
                }
                double mean = sum / m;
                double squares = 0;
                for (long p = 0; p < m; p++) {
                    double e = FloatLanes.get(x, row + p) - mean;
                    squares += e * e;
                }
                meanOfMeans += mean / n;
                meanOfVariances += squares / (m - 1) / n;
            }
            FloatLanes.set(runningMean, rmOff + ch,
                    (float) ((1 - momentum) * FloatLanes.get(runningMean, rmOff + ch) + momentum * meanOfMeans));
            FloatLanes.set(runningVar, rvOff + ch,
                    (float) ((1 - momentum) * FloatLanes.get(runningVar, rvOff + ch) + momentum * meanOfVariances));
        }
    }
}
