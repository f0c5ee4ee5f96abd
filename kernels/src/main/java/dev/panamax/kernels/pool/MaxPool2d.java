package dev.panamax.kernels.pool;

import static dev.panamax.kernels.FloatLanes.EVEN_LANES;
import static dev.panamax.kernels.FloatLanes.ODD_LANES;
import static dev.panamax.kernels.FloatLanes.UPPER_HALF;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Max pooling ({@code torch.nn.functional.max_pool2d}) and min pooling ({@code -max_pool2d(-x)})
 * over {@code planes} planes: padding never wins (it counts as -inf for max, +inf for min). The
 * forward pass keeps, per output, the index in its plane of the element that won, so backward
 * sends each gradient to exactly that element (overlapping windows add). Planes are split over
 * the worker pool.
 */
public final class MaxPool2d {

    private static final ValueLayout.OfInt INDEX = ValueLayout.JAVA_INT_UNALIGNED;

    private MaxPool2d() {
    }

    // 2 x 2 windows at stride 2 (the common case) run in vectors of one species, by constant
    // one-source shuffles, in a small method that takes and returns no vector (pairs). Dropped on
    // the way, each measured: an even/odd split by two-vector shuffles (C2 boxed its vectors: 5 MB
    // per call); adjacent floats paired as 64-bit lanes (its Long/Int vector paths polluted C2's
    // profiles of shared Vector API code: the other kernels of a LeNet step then allocated 186 KB
    // per step); a whole output row in one method (C1 ran out of registers compiling it, so it
    // stayed in C1's slowest code: 60 MB per LeNet-5 forward); test(IS_NAN) (it goes through int
    // masks) and masks from a helper (returned, so boxed). The scalar loop this replaces cost 14 ns
    // per output, half of a LeNet-5 forward; the forward at batch 64 went from 2.69 to 1.41 ms.
    //
    // LANES / 2 outputs at a time from LANES inputs of each of the two input rows (masked at the
    // row's end): EVEN_ODD moves the even columns to the low half and the odd ones to the high half,
    // SWAP_HALVES brings the odd ones down beside their even neighbours. Row 0's pair winner, then
    // row 1's, then the better of the two: the first of equal values wins, in PyTorch's scan order
    // (row 0 before row 1, left before right), and a NaN beats any number. The winner's offset in its
    // window (0, 1, width, width + 1) travels as a float beside the value and becomes the int argmax
    // in a scalar loop.
    private static final VectorSpecies<Float> SPECIES = FloatLanes.SPECIES;
    private static final int LANES = FloatLanes.LANES;
    private static final VectorShuffle<Float> EVEN_ODD =
            VectorShuffle.fromOp(SPECIES, i -> i < LANES / 2 ? 2 * i : 2 * (i - LANES / 2) + 1);
    /** Each thread's scratch for {@link #pairs}' winner offsets: one array per thread, not one per call. */
    /**
     * The argmax of a window with no tap inside the input (possible with dilation): its output is
     * -inf (+inf for min), as PyTorch's, and backward passes its gradient nowhere. (PyTorch's index
     * there is a position past the window's start, often outside the plane.)
     */
    public static final int NO_TAP = -1;

    private static final ThreadLocal<float[]> OFFSETS = ThreadLocal.withInitial(() -> new float[LANES]);
    private static final VectorShuffle<Float> SWAP_HALVES = VectorShuffle.fromOp(SPECIES, i -> (i + LANES / 2) % LANES);

    /**
     * One plane of 2 x 2 / stride 2 pooling; argmax null: the values only, whole vectors of
     * outputs at a time ({@link #values}), a row shorter than a vector in one call, the segment's
     * last rows one window at a time ({@link #window}).
     *
     * @param offsets scratch of {@code LANES} floats: the winners' offsets of one call of {@link #pairs}
     */
    private static void twoByTwo(boolean min, PoolGeometry g, MemorySegment x, long in, MemorySegment y, long out,
                                 MemorySegment argmax, long aOut, float[] offsets) {
        int oh = g.outHeight();
        int ow = g.outWidth();
        int width = g.width();
        int half = LANES / 2;
        long xEnd = x.byteSize() / Float.BYTES;
        for (int i = 0; i < oh; i++) {
            int top = 2 * i * width;
            long o = out + (long) i * ow;
            long ao = aOut + (long) i * ow;
            if (argmax == null && ow >= LANES) {
                // the last vector overlaps the one before it, which wrote the same values
                for (int k = 0; k < ow; k += LANES) {
                    int j = Math.min(k, ow - LANES);
                    values(min, width, x, in + top + 2L * j, LANES, y, o + j);
                }
                continue;
            }
            if (argmax == null) {
                if (in + top + width + 2L * LANES <= xEnd) {
                    // a row shorter than a vector: the lanes past it read the next rows, and are not stored
                    values(min, width, x, in + top, ow, y, o);
                } else {
                    // the segment's last rows, one by one: pairs, run this rarely, would stay in C1's
                    // code, which boxes its vectors (5 KB per LeNet-5 forward at batch 512)
                    for (int k = 0; k < ow; k++) {
                        FloatLanes.set(y, o + k, window(min, x, in + top + 2L * k, width));
                    }
                }
                continue;
            }
            for (int j = 0; j < ow; j += half) {
                int n = Math.min(half, ow - j);
                pairs(min, width, x, in + top + 2L * j, n, y, o + j, offsets);
                for (int k = 0; k < n; k++) {
                    argmax.setAtIndex(INDEX, ao + j + k, top + 2 * (j + k) + (int) offsets[k]);
                }
            }
        }
    }

    /**
     * Up to {@code LANES / 2} outputs ({@code n}) of one output row, from the {@code 2n} inputs of
     * each of the two input rows that start at {@code first} and {@code first + width}: values into
     * {@code y} from {@code yAt}, the winners' offsets in their windows into {@code offsets}. A
     * method of its own that takes and returns no vector: inlined or called, nothing is boxed, and
     * it is small enough for C1's register allocator (a whole row in one method ran out of
     * registers there, stayed in C1's slowest code and allocated 60 MB per LeNet-5 forward).
     */
    private static void pairs(boolean min, int width, MemorySegment x, long first, int n, MemorySegment y, long yAt,
                              float[] offsets) {
        VectorOperators.Comparison better = min ? VectorOperators.LT : VectorOperators.GT;
        VectorMask<Float> inputs = SPECIES.indexInRange(0, 2 * n);
        // each row's pair winner (x != x: NaN, which beats a number), then the better row
        FloatVector e0 = FloatVector.fromMemorySegment(SPECIES, x, first * Float.BYTES, FloatLanes.ORDER, inputs)
                .rearrange(EVEN_ODD);
        FloatVector o0 = e0.rearrange(SWAP_HALVES);
        VectorMask<Float> w0 = o0.compare(better, e0)
                .or(o0.compare(VectorOperators.NE, o0).and(e0.compare(VectorOperators.EQ, e0)));
        FloatVector e1 = FloatVector.fromMemorySegment(SPECIES, x, (first + width) * Float.BYTES, FloatLanes.ORDER, inputs)
                .rearrange(EVEN_ODD);
        FloatVector o1 = e1.rearrange(SWAP_HALVES);
        VectorMask<Float> w1 = o1.compare(better, e1)
                .or(o1.compare(VectorOperators.NE, o1).and(e1.compare(VectorOperators.EQ, e1)));
        FloatVector h0 = e0.blend(o0, w0);
        FloatVector h1 = e1.blend(o1, w1);
        VectorMask<Float> w = h1.compare(better, h0)
                .or(h1.compare(VectorOperators.NE, h1).and(h0.compare(VectorOperators.EQ, h0)));
        h0.blend(h1, w).intoMemorySegment(y, yAt * Float.BYTES, FloatLanes.ORDER, SPECIES.indexInRange(0, n));
        FloatVector.zero(SPECIES).blend(1f, w0)
                .blend(FloatVector.broadcast(SPECIES, width).blend(width + 1, w1), w)
                .intoArray(offsets, 0);
    }

    /**
     * {@code n} outputs (at most {@code LANES}) of one output row from the {@code 2 LANES} inputs of
     * each of the two input rows that start at {@code first} and {@code first + width} (those past
     * the row's {@code 2n} are read and not used), with no argmax: each row's
     * even and odd columns gathered into two vectors (a lane permutation of each half and a
     * blend), the pair winners, then the better row, in {@link #pairs}' order, so the values are
     * the same as with an argmax (which of two equal values wins shows in the sign of a zero).
     */
    private static void values(boolean min, int width, MemorySegment x, long first, int n, MemorySegment y, long yAt) {
        VectorOperators.Comparison better = min ? VectorOperators.LT : VectorOperators.GT;
        long at = first * Float.BYTES;
        long below = (first + width) * Float.BYTES;
        long step = LANES * Float.BYTES;
        FloatVector a0 = FloatVector.fromMemorySegment(SPECIES, x, at, FloatLanes.ORDER);
        FloatVector a1 = FloatVector.fromMemorySegment(SPECIES, x, at + step, FloatLanes.ORDER);
        FloatVector e0 = a0.rearrange(EVEN_LANES).blend(a1.rearrange(EVEN_LANES), UPPER_HALF);
        FloatVector o0 = a0.rearrange(ODD_LANES).blend(a1.rearrange(ODD_LANES), UPPER_HALF);
        FloatVector b0 = FloatVector.fromMemorySegment(SPECIES, x, below, FloatLanes.ORDER);
        FloatVector b1 = FloatVector.fromMemorySegment(SPECIES, x, below + step, FloatLanes.ORDER);
        FloatVector e1 = b0.rearrange(EVEN_LANES).blend(b1.rearrange(EVEN_LANES), UPPER_HALF);
        FloatVector o1 = b0.rearrange(ODD_LANES).blend(b1.rearrange(ODD_LANES), UPPER_HALF);
        // as in pairs: x != x is NaN, which beats a number; the first of equal values stays
        FloatVector h0 = e0.blend(o0, o0.compare(better, e0)
                .or(o0.compare(VectorOperators.NE, o0).and(e0.compare(VectorOperators.EQ, e0))));
        FloatVector h1 = e1.blend(o1, o1.compare(better, e1)
                .or(o1.compare(VectorOperators.NE, o1).and(e1.compare(VectorOperators.EQ, e1))));
        FloatVector h = h0.blend(h1, h1.compare(better, h0)
                .or(h1.compare(VectorOperators.NE, h1).and(h0.compare(VectorOperators.EQ, h0))));
        if (n == LANES) {
            h.intoMemorySegment(y, yAt * Float.BYTES, FloatLanes.ORDER);
        } else {
            // a mask made from n here was boxed (5 KB per LeNet-5 forward at batch 512); one of
            // FloatLanes' ready masks is only unboxed
            h.intoMemorySegment(y, yAt * Float.BYTES, FloatLanes.ORDER, FloatLanes.firstLanes(n));
        }
    }

    /** The winner of the 2 x 2 window from {@code at}, scalar, by {@link #pairs}' rules. */
    private static float window(boolean min, MemorySegment x, long at, int width) {
        float best = FloatLanes.get(x, at);
        for (int k = 1; k < 4; k++) {
            float v = FloatLanes.get(x, at + (k >> 1) * (long) width + (k & 1));
            if ((min ? v < best : v > best) || (v != v && best == best)) {
                best = v;
            }
        }
        return best;
    }

    /**
     * The pooled values only, for inference (no backward will ask where they came from): as
     * {@link #forward} without the argmax, and on 2 x 2 windows at stride 2 several times faster
     * (whole vectors of outputs instead of half vectors and a scalar loop for the indices).
     */
    public static void forwardValues(boolean min, long planes, PoolGeometry g, MemorySegment x, long xOff,
                                     MemorySegment y, long yOff) {
        Checks.nonNegative("planes", planes);
        Checks.floats("x", x, xOff, Checks.elements(planes, g.plane()));
        Checks.floats("y", y, yOff, Checks.elements(planes, g.outPlane()));
        if (WorkerPool.serial(planes, minPlanes(g), x, y)) {
            forwardPlanes(min, 0, planes, g, x, xOff, y, yOff, null, 0);
        } else {
            parallel(true, min, planes, g, x, xOff, y, yOff, null, 0);
        }
    }

    /**
     * @param min     min pooling instead of max
     * @param argmax  {@code [planes, Hout, Wout]} int32: the winning index within the plane, or {@link #NO_TAP} (written)
     */
    public static void forward(boolean min, long planes, PoolGeometry g, MemorySegment x, long xOff,
                               MemorySegment y, long yOff, MemorySegment argmax, long aOff) {
        Checks.nonNegative("planes", planes);
        Checks.floats("x", x, xOff, Checks.elements(planes, g.plane()));
        Checks.floats("y", y, yOff, Checks.elements(planes, g.outPlane()));
        Checks.extent("argmax", argmax, aOff, Checks.elements(planes, g.outPlane()), 1, Integer.BYTES);
        requireIndexable(g);
        if (WorkerPool.serial(planes, minPlanes(g), x, y, argmax)) {
            forwardPlanes(min, 0, planes, g, x, xOff, y, yOff, argmax, aOff);
        } else {
            parallel(true, min, planes, g, x, xOff, y, yOff, argmax, aOff);
        }
    }

    /** The argmax is int32, as the index of a winner within its plane. */
    private static void requireIndexable(PoolGeometry g) {
        if (g.plane() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a plane of " + g.height() + " x " + g.width() + " elements is too large for int32 argmax");
        }
    }

    /**
     * Planes per thread below which pooling stays on one thread: about 16K inputs, some
     * microseconds of work against a fork's one or two. (At 64K, LeNet-5's second pool, 64 x 16
     * planes of 10 x 10, ran on one thread: 109-110 us forward and backward of a 3.4-ms two-thread
     * training step on a Zen 3.)
     */
    static long minPlanes(PoolGeometry g) {
        return Math.max(1, (1 << 14) / g.plane());
    }

    /** Planes {@code [from, to)}; argmax null: the values only. */
    private static void forwardPlanes(boolean min, long from, long to, PoolGeometry g, MemorySegment x, long xOff,
                                      MemorySegment y, long yOff, MemorySegment argmax, long aOff) {
        int oh = g.outHeight();
        int ow = g.outWidth();
        boolean twoByTwo = g.isTwoByTwo();
        float[] offsets = twoByTwo ? OFFSETS.get() : null;
        for (long p = from; p < to; p++) {
            long in = xOff + p * g.plane();
            long out = p * g.outPlane();
            if (twoByTwo) {
                twoByTwo(min, g, x, in, y, yOff + out, argmax, aOff + out, offsets);
                continue;
            }
            for (int i = 0; i < oh; i++) {
                int r0 = g.rowStart(i);
                int r1 = g.rowEnd(i);
                for (int j = 0; j < ow; j++) {
                    int c0 = g.colStart(j);
                    int c1 = g.colEnd(j);
                    long o = out + (long) i * ow + j;
                    if (r0 >= r1 || c0 >= c1) {
                        // every tap in the padding (dilation and ceil_mode allow it): PyTorch's -inf
                        // (+inf for min), and no element receives a gradient
                        FloatLanes.set(y, yOff + o, min ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY);
                        if (argmax != null) {
                            argmax.setAtIndex(INDEX, aOff + o, NO_TAP);
                        }
                        continue;
                    }
                    int best = r0 * g.width() + c0;
                    float bestValue = FloatLanes.get(x, in + best);
                    for (int r = r0; r < r1; r += g.dilationH()) {
                        for (int c = c0; c < c1; c += g.dilationW()) {
                            int at = r * g.width() + c;
                            float v = FloatLanes.get(x, in + at);
                            // NaN wins, as in PyTorch: a NaN in the window makes the output NaN
                            if ((min ? v < bestValue : v > bestValue) || (Float.isNaN(v) && !Float.isNaN(bestValue))) {
                                best = at;
                                bestValue = v;
                            }
                        }
                    }
                    FloatLanes.set(y, yOff + o, bestValue);
                    if (argmax != null) {
                        argmax.setAtIndex(INDEX, aOff + o, best);
                    }
                }
            }
        }
    }

    /** {@code dx} (written) from {@code dy} and the forward pass's argmax. */
    public static void backward(long planes, PoolGeometry g, MemorySegment dy, long dyOff, MemorySegment argmax, long aOff,
                                MemorySegment dx, long dxOff) {
        Checks.nonNegative("planes", planes);
        Checks.floats("dy", dy, dyOff, Checks.elements(planes, g.outPlane()));
        Checks.extent("argmax", argmax, aOff, Checks.elements(planes, g.outPlane()), 1, Integer.BYTES);
        Checks.floats("dx", dx, dxOff, Checks.elements(planes, g.plane()));
        // the winners come from a forward pass, but one from elsewhere must not write into another plane
        requireIndexable(g);
        long winners = planes * g.outPlane();
        long plane = g.plane();
        for (long i = 0; i < winners; i++) {
            int at = argmax.getAtIndex(INDEX, aOff + i);
            if (at < NO_TAP || at >= plane) {
                throw new IllegalArgumentException("argmax[" + i + "] = " + at + " is outside the plane of " + plane + " elements");
            }
        }
        if (WorkerPool.serial(planes, minPlanes(g), dy, argmax, dx)) {
            backwardPlanes(0, planes, g, dy, dyOff, argmax, aOff, dx, dxOff);
        } else {
            parallel(false, false, planes, g, dy, dyOff, dx, dxOff, argmax, aOff);
        }
    }

    /** The forward or the backward pass over planes split between threads, as a reusable job. */
    private static void parallel(boolean forward, boolean min, long planes, PoolGeometry g, MemorySegment in, long inOff,
                                 MemorySegment out, long outOff, MemorySegment argmax, long aOff) {
        Planes job = PLANES.claim();
        job.min = min;
        job.argmax = argmax;
        job.aOff = aOff;
        job.split(forward, planes, g, in, inOff, out, outOff);
    }

    private static final WorkerPool.PerThread<Planes> PLANES = new WorkerPool.PerThread<>(Planes::new);

    private static final class Planes extends PlaneJob {
        boolean min;
        MemorySegment argmax;
        long aOff;

        @Override
        public void run(long from, long to) {
            if (forward) {
                forwardPlanes(min, from, to, g, in, inOff, out, outOff, argmax, aOff);
            } else {
                backwardPlanes(from, to, g, in, inOff, argmax, aOff, out, outOff);
            }
        }

        @Override
        protected void clear() {
            super.clear();
            argmax = null;
        }
    }

    private static void backwardPlanes(long from, long to, PoolGeometry g, MemorySegment dy, long dyOff,
                                       MemorySegment argmax, long aOff, MemorySegment dx, long dxOff) {
        FloatLanes.fill(dx, dxOff + from * g.plane(), (to - from) * g.plane(), 0f);
        long outPlane = g.outPlane();
        for (long p = from; p < to; p++) {
            long base = dxOff + p * g.plane();
            for (long o = 0; o < outPlane; o++) {
                int at = argmax.getAtIndex(INDEX, aOff + p * outPlane + o);
                if (at != NO_TAP) {
                    FloatLanes.set(dx, base + at, FloatLanes.get(dx, base + at) + FloatLanes.get(dy, dyOff + p * outPlane + o));
                }
            }
        }
    }
}
