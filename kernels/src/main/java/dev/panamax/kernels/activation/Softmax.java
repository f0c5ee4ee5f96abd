package dev.panamax.kernels.activation;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.Reductions;
import dev.panamax.kernels.VectorMath;
import dev.panamax.kernels.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Softmax and log-softmax along one dimension, forward and backward, as {@code torch.softmax}
 * and {@code torch.log_softmax}.
 *
 * <p>The data is seen as a 3-d array {@code [outer, dim, inner]} with element strides per axis,
 * so softmax over any dimension of any strided view is one call. Two layouts have fast paths:
 * <ul>
 * <li>{@code dim} contiguous (softmax over the last dimension): each row is reduced with
 *     vectors along the row;</li>
 * <li>{@code inner} contiguous (softmax over a middle dimension of a contiguous tensor):
 *     vectors run across {@code inner}, so {@code LANES} independent rows are reduced at once and
 *     no transpose is needed.</li>
 * </ul>
 * Anything else takes a scalar path that accumulates in double.
 *
 * <p>Stability: every row is shifted by its maximum before {@code exp}, so no finite input
 * overflows. Sums over long rows are blocked as in {@link Reductions}.
 * A NaN anywhere in a row makes the whole row NaN, as in PyTorch.
 */
public final class Softmax {

    private static final int BLOCK = Reductions.BLOCK;
    /** Elements per thread below which a call stays on one thread. */
    private static final long PARALLEL_GRAIN = 1 << 18;

    private Softmax() {
    }

    /** Rows {@code [from, to)} of a forward whose rows are contiguous (row r: outer r / inner, inner r % inner). */
    private static void forwardRows(long from, long to, boolean log, long dim, long inner, MemorySegment x, long xOff,
                                    long xo, long xi, MemorySegment y, long yOff, long yo, long yi) {
        for (long r = from; r < to; r++) {
            long o = r / inner;
            long i = r % inner;
            forwardRow(log, dim, x, xOff + o * xo + i * xi, y, yOff + o * yo + i * yi);
        }
    }

    private static final WorkerPool.PerThread<Rows> ROWS = new WorkerPool.PerThread<>(Rows::new);

    /** A parallel forward's arguments (see {@link WorkerPool.Job}): each range of rows by {@link #forwardRows}. */
    private static final class Rows extends WorkerPool.RangeJob {
        boolean log;
        long dim;
        long inner;
        MemorySegment x;
        long xOff;
        long xo;
        long xi;
        MemorySegment y;
        long yOff;
        long yo;
        long yi;

        @Override
        public void run(long from, long to) {
            forwardRows(from, to, log, dim, inner, x, xOff, xo, xi, y, yOff, yo, yi);
        }

        @Override
        protected void clear() {
            x = y = null;
        }
    }

    /**
     * {@code y = softmax(x)} (or {@code log_softmax(x)} when {@code log}) along the middle axis.
     *
     * @param xStrides element strides of x for {@code outer, dim, inner}
     * @param yStrides element strides of y for {@code outer, dim, inner}; y may be x (in place)
     */
    public static void forward(boolean log, long outer, long dim, long inner,
                               MemorySegment x, long xOff, long[] xStrides,
                               MemorySegment y, long yOff, long[] yStrides) {
        check(outer, dim, inner, "x", x, xOff, xStrides, false);
        check(outer, dim, inner, "y", y, yOff, yStrides, true);
        if (outer == 0 || dim == 0 || inner == 0) {
            return;
        }
        long xo = xStrides[0], xd = xStrides[1], xi = xStrides[2];
        long yo = yStrides[0], yd = yStrides[1], yi = yStrides[2];
        if (xd == 1 && yd == 1) {
            // rows are independent: large inputs are split over the worker pool by whole rows
            long rows = outer * inner;
            long minRows = Math.max(1, PARALLEL_GRAIN / dim);
            if (WorkerPool.serial(rows, minRows, x, y)) {
                forwardRows(0, rows, log, dim, inner, x, xOff, xo, xi, y, yOff, yo, yi);
                return;
            }
            Rows job = ROWS.claim();
            job.log = log;
            job.dim = dim;
            job.inner = inner;
            job.x = x;
            job.xOff = xOff;
            job.xo = xo;
            job.xi = xi;
            job.y = y;
            job.yOff = yOff;
            job.yo = yo;
            job.yi = yi;
            WorkerPool.forRange(rows, minRows, 1, job);
            return;
        }
        for (long o = 0; o < outer; o++) {
            if (xi == 1 && yi == 1) {
                for (long i = 0; i < inner; i += LANES) {
                    forwardColumns(log, dim, xd, yd, FloatLanes.firstLanes(Math.min(LANES, inner - i)),
                            x, xOff + o * xo + i, y, yOff + o * yo + i);
                }
            } else {
                for (long i = 0; i < inner; i++) {
                    forwardScalar(log, dim, x, xOff + o * xo + i * xi, xd, y, yOff + o * yo + i * yi, yd);
                }
            }
        }
    }

    /**
     * The input gradient: {@code gx = y * (gy - sum(gy * y))} for softmax,
     * {@code gx = gy - exp(y) * sum(gy)} for log-softmax, where {@code y} is the forward output.
     */
    public static void backward(boolean log, long outer, long dim, long inner,
                                MemorySegment y, long yOff, long[] yStrides,
                                MemorySegment gy, long gyOff, long[] gyStrides,
                                MemorySegment gx, long gxOff, long[] gxStrides) {
        check(outer, dim, inner, "y", y, yOff, yStrides, false);
        check(outer, dim, inner, "gy", gy, gyOff, gyStrides, false);
        check(outer, dim, inner, "gx", gx, gxOff, gxStrides, true);
        if (outer == 0 || dim == 0 || inner == 0) {
            return;
        }
        boolean rows = yStrides[1] == 1 && gyStrides[1] == 1 && gxStrides[1] == 1;
        boolean columns = yStrides[2] == 1 && gyStrides[2] == 1 && gxStrides[2] == 1;
        for (long o = 0; o < outer; o++) {
            long yb = yOff + o * yStrides[0], gyb = gyOff + o * gyStrides[0], gxb = gxOff + o * gxStrides[0];
            if (rows) {
                for (long i = 0; i < inner; i++) {
                    backwardRow(log, dim, y, yb + i * yStrides[2], gy, gyb + i * gyStrides[2], gx, gxb + i * gxStrides[2]);
                }
            } else if (columns) {
                for (long i = 0; i < inner; i += LANES) {
                    backwardColumns(log, dim, FloatLanes.firstLanes(Math.min(LANES, inner - i)),
                            y, yb + i, yStrides[1], gy, gyb + i, gyStrides[1], gx, gxb + i, gxStrides[1]);
                }
            } else {
                for (long i = 0; i < inner; i++) {
                    backwardScalar(log, dim, y, yb + i * yStrides[2], yStrides[1],
                            gy, gyb + i * gyStrides[2], gyStrides[1], gx, gxb + i * gxStrides[2], gxStrides[1]);
                }
            }
        }
    }

    private static void check(long outer, long dim, long inner, String name, MemorySegment s, long off, long[] strides,
                              boolean written) {
        Checks.nonNegative("outer", outer);
        Checks.nonNegative("dim", dim);
        Checks.nonNegative("inner", inner);
        if (strides == null || strides.length != 3) {
            throw new IllegalArgumentException(name + " strides must hold 3 values (outer, dim, inner)");
        }
        Checks.notNull(name, s);
        if (outer == 0 || dim == 0 || inner == 0) {
            return;
        }
        for (int k = 0; k < 3; k++) {
            if (strides[k] < 0) {       // message built only on failure: this check runs on every call
                throw new IllegalArgumentException(name + " stride " + k + " must be >= 0, got " + strides[k]);
            }
        }
        if (written) {
            Checks.nonOverlapping(name, 1, outer, strides[0], dim, strides[1], inner, strides[2]);
        }
        long last;
        try {
            last = Math.addExact(off, Math.addExact(Math.multiplyExact(outer - 1, strides[0]),
                    Math.addExact(Math.multiplyExact(dim - 1, strides[1]), Math.multiplyExact(inner - 1, strides[2]))));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(name + " strides " + java.util.Arrays.toString(strides) + " for ["
                    + outer + ", " + dim + ", " + inner + "] reach beyond any segment");
        }
        Checks.floats(name, s, off, 1, 1);
        Checks.floats(name, s, last, 1, 1);
    }

    // ---- dim contiguous: one row at a time, vectors along the row ----

    private static void forwardRow(boolean log, long n, MemorySegment x, long xb, MemorySegment y, long yb) {
        float max = Reductions.max(n, x, xb);
        if (log) {
            float shift = (float) (max + Math.log(Reductions.sumExp(n, x, xb, max)));
            subtractRow(n, x, xb, shift, y, yb);
        } else {
            scaleRow(n, y, yb, (float) (1.0 / Reductions.sumExpInto(n, x, xb, max, y, yb)));
        }
    }

    private static void subtractRow(long n, MemorySegment x, long xb, float shift, MemorySegment y, long yb) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector.fromMemorySegment(SPECIES, x, (xb + i) * Float.BYTES, ORDER).sub(shift).intoMemorySegment(y, (yb + i) * Float.BYTES, ORDER);
        }
        if (i < n) {
            VectorMask<Float> m = FloatLanes.firstLanes(n - i);
            FloatVector.fromMemorySegment(SPECIES, x, (xb + i) * Float.BYTES, ORDER, m).sub(shift).intoMemorySegment(y, (yb + i) * Float.BYTES, ORDER, m);
        }
    }

    private static void scaleRow(long n, MemorySegment y, long yb, float scale) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector.fromMemorySegment(SPECIES, y, (yb + i) * Float.BYTES, ORDER).mul(scale).intoMemorySegment(y, (yb + i) * Float.BYTES, ORDER);
        }
        if (i < n) {
            VectorMask<Float> m = FloatLanes.firstLanes(n - i);
            FloatVector.fromMemorySegment(SPECIES, y, (yb + i) * Float.BYTES, ORDER, m).mul(scale).intoMemorySegment(y, (yb + i) * Float.BYTES, ORDER, m);
        }
    }

    private static void backwardRow(boolean log, long n, MemorySegment y, long yb, MemorySegment gy, long gyb,
                                    MemorySegment gx, long gxb) {
        // softmax: s = sum(gy * y); log_softmax: s = sum(gy)
        double s = 0;
        for (long start = 0; start < n; start += BLOCK) {
            long end = Math.min(n, start + BLOCK);
            FloatVector acc = FloatVector.zero(FloatLanes.SPECIES);
            long i = start;
            for (; i <= end - LANES; i += LANES) {
                FloatVector g = FloatVector.fromMemorySegment(SPECIES, gy, (gyb + i) * Float.BYTES, ORDER);
                acc = log ? acc.add(g) : FloatVector.fromMemorySegment(SPECIES, y, (yb + i) * Float.BYTES, ORDER).fma(g, acc);
            }
            if (i < end) {
                VectorMask<Float> m = FloatLanes.firstLanes(end - i);
                FloatVector g = FloatVector.fromMemorySegment(SPECIES, gy, (gyb + i) * Float.BYTES, ORDER, m);
                acc = log ? acc.add(g) : FloatVector.fromMemorySegment(SPECIES, y, (yb + i) * Float.BYTES, ORDER, m).fma(g, acc);
            }
            // the lanes in a fixed order (see FloatLanes); a step not below LANES is left out
            if (FloatLanes.LANES > 8) { acc = acc.add(acc.rearrange(FloatLanes.PAIR_8)); }
            if (FloatLanes.LANES > 4) { acc = acc.add(acc.rearrange(FloatLanes.PAIR_4)); }
            if (FloatLanes.LANES > 2) { acc = acc.add(acc.rearrange(FloatLanes.PAIR_2)); }
            acc = acc.add(acc.rearrange(FloatLanes.PAIR_1));
            s += acc.lane(0);
        }
        if (log) {
            logSoftmaxGradientRow(n, y, yb, gy, gyb, (float) s, gx, gxb);
        } else {
            softmaxGradientRow(n, y, yb, gy, gyb, (float) s, gx, gxb);
        }
    }

    /*
     * The two gradients' elementwise passes are methods of their own: one helper taking and
     * returning vectors for both, called for the whole vectors and again for the masked tail,
     * was inlined at the first site and not at the second (C2's NodeCountInliningCutoff, the log
     * form's exponential counting against both), and the tail boxed its vectors: softmax's
     * forward and backward over 64 rows of 50 classes allocated 24 KB a call.
     */

    /** {@code gx = (gy - s) y}, s the row's {@code sum(gy y)}. */
    private static void softmaxGradientRow(long n, MemorySegment y, long yb, MemorySegment gy, long gyb, float s,
                                           MemorySegment gx, long gxb) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector g = FloatVector.fromMemorySegment(SPECIES, gy, (gyb + i) * Float.BYTES, ORDER);
            g.sub(s).mul(FloatVector.fromMemorySegment(SPECIES, y, (yb + i) * Float.BYTES, ORDER))
                    .intoMemorySegment(gx, (gxb + i) * Float.BYTES, ORDER);
        }
        if (i < n) {
            VectorMask<Float> m = FloatLanes.firstLanes(n - i);
            FloatVector g = FloatVector.fromMemorySegment(SPECIES, gy, (gyb + i) * Float.BYTES, ORDER, m);
            g.sub(s).mul(FloatVector.fromMemorySegment(SPECIES, y, (yb + i) * Float.BYTES, ORDER, m))
                    .intoMemorySegment(gx, (gxb + i) * Float.BYTES, ORDER, m);
        }
    }

    /** {@code gx = gy - exp(y) s}, s the row's {@code sum(gy)}; one exp, every vector masked (see {@link Reductions#sumExpInto}). */
    private static void logSoftmaxGradientRow(long n, MemorySegment y, long yb, MemorySegment gy, long gyb, float s,
                                              MemorySegment gx, long gxb) {
        for (long i = 0; i < n; i += LANES) {
            VectorMask<Float> m = SPECIES.indexInRange(i, n);
            FloatVector e = VectorMath.expNonPositive(FloatVector.fromMemorySegment(SPECIES, y, (yb + i) * Float.BYTES, ORDER, m));
            e.mul(-s).add(FloatVector.fromMemorySegment(SPECIES, gy, (gyb + i) * Float.BYTES, ORDER, m))
                    .intoMemorySegment(gx, (gxb + i) * Float.BYTES, ORDER, m);
        }
    }

    // ---- inner contiguous: LANES rows at once, vectors across inner ----

    private static void forwardColumns(boolean log, long n, long xd, long yd, VectorMask<Float> m,
                                       MemorySegment x, long xb, MemorySegment y, long yb) {
        FloatVector max = FloatVector.broadcast(FloatLanes.SPECIES, Float.NEGATIVE_INFINITY);
        for (long d = 0; d < n; d++) {
            max = max.max(FloatVector.fromMemorySegment(SPECIES, x, (xb + d * xd) * Float.BYTES, ORDER, m));
        }
        FloatVector sum = FloatVector.zero(FloatLanes.SPECIES);
        for (long d = 0; d < n; d++) {
            FloatVector e = VectorMath.expNonPositive(FloatVector.fromMemorySegment(SPECIES, x, (xb + d * xd) * Float.BYTES, ORDER, m).sub(max));
            if (!log) {
                e.intoMemorySegment(y, (yb + d * yd) * Float.BYTES, ORDER, m);
            }
            sum = sum.add(e);
        }
        if (log) {
            FloatVector shift = VectorMath.log(sum).add(max);
            for (long d = 0; d < n; d++) {
                FloatVector.fromMemorySegment(SPECIES, x, (xb + d * xd) * Float.BYTES, ORDER, m).sub(shift).intoMemorySegment(y, (yb + d * yd) * Float.BYTES, ORDER, m);
            }
        } else {
            FloatVector inv = sum.broadcast(1f).div(sum);
            for (long d = 0; d < n; d++) {
                FloatVector.fromMemorySegment(SPECIES, y, (yb + d * yd) * Float.BYTES, ORDER, m).mul(inv).intoMemorySegment(y, (yb + d * yd) * Float.BYTES, ORDER, m);
            }
        }
    }

    private static void backwardColumns(boolean log, long n, VectorMask<Float> m,
                                        MemorySegment y, long yb, long yd, MemorySegment gy, long gyb, long gyd,
                                        MemorySegment gx, long gxb, long gxd) {
        FloatVector s = FloatVector.zero(FloatLanes.SPECIES);
        for (long d = 0; d < n; d++) {
            FloatVector g = FloatVector.fromMemorySegment(SPECIES, gy, (gyb + d * gyd) * Float.BYTES, ORDER, m);
            s = log ? s.add(g) : FloatVector.fromMemorySegment(SPECIES, y, (yb + d * yd) * Float.BYTES, ORDER, m).fma(g, s);
        }
        for (long d = 0; d < n; d++) {
            FloatVector yv = FloatVector.fromMemorySegment(SPECIES, y, (yb + d * yd) * Float.BYTES, ORDER, m);
            FloatVector g = FloatVector.fromMemorySegment(SPECIES, gy, (gyb + d * gyd) * Float.BYTES, ORDER, m);
            FloatVector r = log ? VectorMath.expNonPositive(yv).mul(s).neg().add(g) : g.sub(s).mul(yv);
            r.intoMemorySegment(gx, (gxb + d * gxd) * Float.BYTES, ORDER, m);
        }
    }

    // ---- any other layout: scalar, double accumulation ----

    private static void forwardScalar(boolean log, long n, MemorySegment x, long xb, long xd,
                                      MemorySegment y, long yb, long yd) {
        float max = Float.NEGATIVE_INFINITY;
        boolean nan = false;
        for (long d = 0; d < n; d++) {
            float v = FloatLanes.get(x, xb + d * xd);
            nan |= Float.isNaN(v);
            max = Math.max(max, v);
        }
        if (nan) {
            max = Float.NaN;
        }
        double sum = 0;
        for (long d = 0; d < n; d++) {
            sum += Math.exp(FloatLanes.get(x, xb + d * xd) - max);
        }
        double shift = max + Math.log(sum);
        for (long d = 0; d < n; d++) {
            double v = FloatLanes.get(x, xb + d * xd) - shift;
            FloatLanes.set(y, yb + d * yd, (float) (log ? v : Math.exp(v)));
        }
    }

    private static void backwardScalar(boolean log, long n, MemorySegment y, long yb, long yd,
                                       MemorySegment gy, long gyb, long gyd, MemorySegment gx, long gxb, long gxd) {
        double s = 0;
        for (long d = 0; d < n; d++) {
            double g = FloatLanes.get(gy, gyb + d * gyd);
            s += log ? g : g * FloatLanes.get(y, yb + d * yd);
        }
        for (long d = 0; d < n; d++) {
            double yv = FloatLanes.get(y, yb + d * yd);
            double g = FloatLanes.get(gy, gyb + d * gyd);
            FloatLanes.set(gx, gxb + d * gxd, (float) (log ? g - Math.exp(yv) * s : yv * (g - s)));
        }
    }
}
