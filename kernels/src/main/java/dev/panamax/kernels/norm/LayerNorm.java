package dev.panamax.kernels.norm;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.Reductions;
import dev.panamax.kernels.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Layer normalisation of each of {@code rows} contiguous rows of {@code d} elements (the
 * flattened {@code normalized_shape}), {@code torch.nn.functional.layer_norm}: biased variance,
 * elementwise weight and bias of {@code d} elements (either may be null).
 */
public final class LayerNorm {

    /** Elements per thread below which a call stays on one thread. */
    private static final long PARALLEL_GRAIN = 1 << 18;

    private LayerNorm() {
    }

    /**
     * Forward pass. {@code saveMean} and {@code saveRstd} ({@code [rows]}, may be null) receive
     * each row's mean and {@code 1/sqrt(var + eps)} for backward.
     */
    public static void forward(long rows, long d, MemorySegment x, long xOff, MemorySegment weight, long wOff,
                               MemorySegment bias, long bOff, float eps, MemorySegment y, long yOff,
                               MemorySegment saveMean, MemorySegment saveRstd, long saveOff) {
        check(rows, d, x, xOff, weight, wOff, bias, bOff, y, yOff);
        BatchNorm.optional("save_mean", saveMean, saveOff, rows);
        BatchNorm.optional("save_rstd", saveRstd, saveOff, rows);
        if (d == 0) {
            GroupNorm.emptyStatistics(rows, saveMean, saveRstd, saveOff);    // rows of no element: nothing to loop over
            return;
        }
        // rows are independent: large inputs are split over the worker pool by whole rows
        long minRows = Math.max(1, PARALLEL_GRAIN / d);
        if (WorkerPool.serial(rows, minRows, x, y) || !WorkerPool.shareable(weight, bias, saveMean, saveRstd)) {
            forwardRows(0, rows, d, x, xOff, weight, wOff, bias, bOff, eps, y, yOff, saveMean, saveRstd, saveOff);
            return;
        }
        Rows job = ROWS.claim();
        job.d = d;
        job.x = x;
        job.xOff = xOff;
        job.weight = weight;
        job.wOff = wOff;
        job.bias = bias;
        job.bOff = bOff;
        job.eps = eps;
        job.y = y;
        job.yOff = yOff;
        job.saveMean = saveMean;
        job.saveRstd = saveRstd;
        job.saveOff = saveOff;
        WorkerPool.forRange(rows, minRows, 1, job);
    }

    private static final WorkerPool.PerThread<Rows> ROWS = new WorkerPool.PerThread<>(Rows::new);

    /** A parallel forward's arguments (see {@link WorkerPool.Job}): each range of rows by {@link #forwardRows}. */
    private static final class Rows extends WorkerPool.RangeJob {
        long d;
        MemorySegment x;
        long xOff;
        MemorySegment weight;
        long wOff;
        MemorySegment bias;
        long bOff;
        float eps;
        MemorySegment y;
        long yOff;
        MemorySegment saveMean;
        MemorySegment saveRstd;
        long saveOff;

        @Override
        public void run(long from, long to) {
            forwardRows(from, to, d, x, xOff, weight, wOff, bias, bOff, eps, y, yOff, saveMean, saveRstd, saveOff);
        }

        @Override
        protected void clear() {
            x = weight = bias = y = saveMean = saveRstd = null;
        }
    }

    private static void forwardRows(long from, long to, long d, MemorySegment x, long xOff, MemorySegment weight,
                                    long wOff, MemorySegment bias, long bOff, float eps, MemorySegment y, long yOff,
                                    MemorySegment saveMean, MemorySegment saveRstd, long saveOff) {
        for (long r = from; r < to; r++) {
            long row = r * d;
            float mean = (float) (Reductions.sum(d, x, xOff + row) / d);
            float rstd = (float) (1.0 / Math.sqrt(Reductions.sumSquaredDeviations(d, x, xOff + row, mean) / d + eps));
            AffineSpan.scaleShift(d, x, xOff + row, mean, rstd, 0f, y, yOff + row);
            if (weight != null && bias != null) {
                AffineSpan.multiplyAdd(d, y, yOff + row, weight, wOff, bias, bOff);
            } else if (weight != null || bias != null) {
                partialAffine(d, y, yOff + row, weight, wOff, bias, bOff);
            }
            if (saveMean != null) {
                FloatLanes.set(saveMean, saveOff + r, mean);
            }
            if (saveRstd != null) {
                FloatLanes.set(saveRstd, saveOff + r, rstd);
            }
        }
    }

    /** {@code y = y w + b} with one of the two absent (the rare layer norm without bias, or weight). */
    private static void partialAffine(long d, MemorySegment y, long yb, MemorySegment weight, long wOff,
                                      MemorySegment bias, long bOff) {
        for (long i = 0; i < d; i++) {
            float v = FloatLanes.get(y, yb + i);
            v = weight == null ? v : v * FloatLanes.get(weight, wOff + i);
            FloatLanes.set(y, yb + i, bias == null ? v : v + FloatLanes.get(bias, bOff + i));
        }
    }

    /**
     * Backward pass: with {@code dxhat = gy w},
     * {@code gx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat))} is written;
     * {@code gWeight += sum_rows(gy xhat)} and {@code gBias += sum_rows(gy)} are accumulated
     * (either may be null).
     */
    public static void backward(long rows, long d, MemorySegment x, long xOff, MemorySegment weight, long wOff,
                                MemorySegment saveMean, MemorySegment saveRstd, long saveOff,
                                MemorySegment gy, long gyOff, MemorySegment gx, long gxOff,
                                MemorySegment gWeight, MemorySegment gBias, long gwOff) {
        check(rows, d, x, xOff, weight, wOff, null, 0, gy, gyOff);
        Checks.floats("save_mean", saveMean, saveOff, rows);
        Checks.floats("save_rstd", saveRstd, saveOff, rows);
        Checks.floats("gx", gx, gxOff, Checks.elements(rows, d));
        BatchNorm.optional("gWeight", gWeight, gwOff, d);
        BatchNorm.optional("gBias", gBias, gwOff, d);
        if (d == 0) {
            return;
        }
        for (long r = 0; r < rows; r++) {
            long row = r * d;
            float mean = FloatLanes.get(saveMean, saveOff + r);
            float rstd = FloatLanes.get(saveRstd, saveOff + r);
            // whole vectors unmasked, the last d % LANES elements in scalar: masked accesses in the loop
            // were not intrinsified here and allocated every vector
            FloatVector sumD = FloatVector.zero(FloatLanes.SPECIES);
            FloatVector sumDX = FloatVector.zero(FloatLanes.SPECIES);
            long i = 0;
            for (; i <= d - LANES; i += LANES) {
                FloatVector g = FloatVector.fromMemorySegment(SPECIES, gy, (gyOff + row + i) * Float.BYTES, ORDER);
                FloatVector xhat = FloatVector.fromMemorySegment(SPECIES, x, (xOff + row + i) * Float.BYTES, ORDER).sub(mean).mul(rstd);
                FloatVector dxhat = weight == null ? g : g.mul(FloatVector.fromMemorySegment(SPECIES, weight, (wOff + i) * Float.BYTES, ORDER));
                sumD = sumD.add(dxhat);
                sumDX = dxhat.fma(xhat, sumDX);
                if (gWeight != null) {
                    g.fma(xhat, FloatVector.fromMemorySegment(SPECIES, gWeight, (gwOff + i) * Float.BYTES, ORDER)).intoMemorySegment(gWeight, (gwOff + i) * Float.BYTES, ORDER);
                }
                if (gBias != null) {
                    g.add(FloatVector.fromMemorySegment(SPECIES, gBias, (gwOff + i) * Float.BYTES, ORDER)).intoMemorySegment(gBias, (gwOff + i) * Float.BYTES, ORDER);
                }
            }
            double tailD = 0;
            double tailDX = 0;
            for (long t = i; t < d; t++) {
                float g = FloatLanes.get(gy, gyOff + row + t);
                float xhat = (FloatLanes.get(x, xOff + row + t) - mean) * rstd;
                float dxhat = weight == null ? g : g * FloatLanes.get(weight, wOff + t);
                tailD += dxhat;
                tailDX += dxhat * xhat;
                if (gWeight != null) {
                    FloatLanes.set(gWeight, gwOff + t, FloatLanes.get(gWeight, gwOff + t) + g * xhat);
                }
                if (gBias != null) {
                    FloatLanes.set(gBias, gwOff + t, FloatLanes.get(gBias, gwOff + t) + g);
                }
            }
            // the lanes in a fixed order (see FloatLanes); a step not below LANES is left out
            if (FloatLanes.LANES > 8) {
                sumD = sumD.add(sumD.rearrange(FloatLanes.PAIR_8));
                sumDX = sumDX.add(sumDX.rearrange(FloatLanes.PAIR_8));
            }
            if (FloatLanes.LANES > 4) {
                sumD = sumD.add(sumD.rearrange(FloatLanes.PAIR_4));
                sumDX = sumDX.add(sumDX.rearrange(FloatLanes.PAIR_4));
            }
            if (FloatLanes.LANES > 2) {
                sumD = sumD.add(sumD.rearrange(FloatLanes.PAIR_2));
                sumDX = sumDX.add(sumDX.rearrange(FloatLanes.PAIR_2));
            }
            sumD = sumD.add(sumD.rearrange(FloatLanes.PAIR_1));
            sumDX = sumDX.add(sumDX.rearrange(FloatLanes.PAIR_1));
            float meanD = (float) ((sumD.lane(0) + tailD) / d);
            float meanDX = (float) ((sumDX.lane(0) + tailDX) / d);
            i = 0;
            for (; i <= d - LANES; i += LANES) {
                FloatVector g = FloatVector.fromMemorySegment(SPECIES, gy, (gyOff + row + i) * Float.BYTES, ORDER);
                FloatVector xhat = FloatVector.fromMemorySegment(SPECIES, x, (xOff + row + i) * Float.BYTES, ORDER).sub(mean).mul(rstd);
                FloatVector dxhat = weight == null ? g : g.mul(FloatVector.fromMemorySegment(SPECIES, weight, (wOff + i) * Float.BYTES, ORDER));
                dxhat.sub(meanD).sub(xhat.mul(meanDX)).mul(rstd).intoMemorySegment(gx, (gxOff + row + i) * Float.BYTES, ORDER);
            }
            for (long t = i; t < d; t++) {
                float g = FloatLanes.get(gy, gyOff + row + t);
                float xhat = (FloatLanes.get(x, xOff + row + t) - mean) * rstd;
                float dxhat = weight == null ? g : g * FloatLanes.get(weight, wOff + t);
                FloatLanes.set(gx, gxOff + row + t, (dxhat - meanD - xhat * meanDX) * rstd);
            }
        }
    }

    private static void check(long rows, long d, MemorySegment x, long xOff, MemorySegment weight, long wOff,
                              MemorySegment bias, long bOff, MemorySegment y, long yOff) {
        Checks.nonNegative("rows", rows);
        Checks.positive("normalized size", d);
        Checks.floats("x", x, xOff, Checks.elements(rows, d));
        Checks.floats("y", y, yOff, Checks.elements(rows, d));
        BatchNorm.optional("weight", weight, wOff, d);
        BatchNorm.optional("bias", bias, bOff, d);
    }
}
