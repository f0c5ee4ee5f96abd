package dev.panamax.kernels;

import static dev.panamax.kernels.FloatLanes.LANES;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Vectorized reductions over a contiguous run of floats, shared by the softmax, loss and norm
 * kernels. Callers validate the extents.
 *
 * <p>Accuracy: lanes accumulate in float for at most {@value #BLOCK} elements, then the partial
 * sum is added into a double. A float running sum over n elements errs by about n·ε; blocking
 * bounds the float part to {@value #BLOCK}/{@code LANES} additions per lane, and the double
 * part is exact enough for any length, at the cost of one horizontal add per block.
 */
public final class Reductions {

    /** Elements per float-accumulated block. */
    public static final int BLOCK = 4096;

    private Reductions() {
    }

    /** The maximum of {@code n >= 1} floats (NaN if any is NaN). */
    public static float max(long n, MemorySegment x, long off) {
        FloatVector acc = FloatVector.broadcast(FloatLanes.SPECIES, Float.NEGATIVE_INFINITY);
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            acc = acc.max(FloatLanes.load(x, off + i));
        }
        if (i < n) {
            VectorMask<Float> m = FloatLanes.firstLanes(n - i);
            acc = acc.lanewise(VectorOperators.MAX, FloatLanes.load(x, off + i, m), m);
        }
        return acc.reduceLanes(VectorOperators.MAX);
    }

    /** The sum of {@code n} floats. */
    public static double sum(long n, MemorySegment x, long off) {
        double total = 0;
        for (long start = 0; start < n; start += BLOCK) {
            long end = Math.min(n, start + BLOCK);
            FloatVector acc = FloatVector.zero(FloatLanes.SPECIES);
            long i = start;
            for (; i <= end - LANES; i += LANES) {
                acc = acc.add(FloatLanes.load(x, off + i));
            }
            if (i < end) {
                acc = acc.add(FloatLanes.load(x, off + i, FloatLanes.firstLanes(end - i)));
            }
            total += acc.reduceLanes(VectorOperators.ADD);
        }
        return total;
    }

    /** {@code sum((x - center)^2)} over {@code n} floats: the second pass of a two-pass variance. */
    public static double sumSquaredDeviations(long n, MemorySegment x, long off, float center) {
        double total = 0;
        for (long start = 0; start < n; start += BLOCK) {
            long end = Math.min(n, start + BLOCK);
            FloatVector acc = FloatVector.zero(FloatLanes.SPECIES);
            long i = start;
            for (; i <= end - LANES; i += LANES) {
                FloatVector d = FloatLanes.load(x, off + i).sub(center);
                acc = d.fma(d, acc);
            }
            if (i < end) {
                VectorMask<Float> m = FloatLanes.firstLanes(end - i);
                FloatVector d = FloatLanes.load(x, off + i, m).sub(center);
                acc = acc.add(d.mul(d), m);
            }
            total += acc.reduceLanes(VectorOperators.ADD);
        }
        return total;
    }

    /** {@code sum(exp(x - shift))} over {@code n} floats. */
    public static double sumExp(long n, MemorySegment x, long off, float shift) {
        double total = 0;
        for (long start = 0; start < n; start += BLOCK) {
            long end = Math.min(n, start + BLOCK);
            FloatVector acc = FloatVector.zero(FloatLanes.SPECIES);
            long i = start;
            for (; i <= end - LANES; i += LANES) {
                acc = acc.add(FloatLanes.load(x, off + i).sub(shift).lanewise(VectorOperators.EXP));
            }
            if (i < end) {
                VectorMask<Float> m = FloatLanes.firstLanes(end - i);
                acc = acc.add(FloatLanes.load(x, off + i, m).sub(shift).lanewise(VectorOperators.EXP), m);
            }
            total += acc.reduceLanes(VectorOperators.ADD);
        }
        return total;
    }

    /** {@code sum(a * b)} over {@code n} floats. */
    public static double dot(long n, MemorySegment a, long aOff, MemorySegment b, long bOff) {
        double total = 0;
        for (long start = 0; start < n; start += BLOCK) {
            long end = Math.min(n, start + BLOCK);
            FloatVector acc = FloatVector.zero(FloatLanes.SPECIES);
            long i = start;
            for (; i <= end - LANES; i += LANES) {
                acc = FloatLanes.load(a, aOff + i).fma(FloatLanes.load(b, bOff + i), acc);
            }
            if (i < end) {
                VectorMask<Float> m = FloatLanes.firstLanes(end - i);
                acc = FloatLanes.load(a, aOff + i, m).fma(FloatLanes.load(b, bOff + i, m), acc);
            }
            total += acc.reduceLanes(VectorOperators.ADD);
        }
        return total;
    }
}
