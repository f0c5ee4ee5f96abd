package dev.panamax.kernels;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Vectorized reductions over a contiguous run of floats, shared by the softmax, loss and norm
 * kernels. Callers validate the extents.
 *
 * <p>Speed: four independent accumulators per loop, because a single one is a chain of
 * dependent adds (3-4 cycles each at 512 bits) that leaves the FPU mostly idle.
 *
 * <p>Accuracy: lanes accumulate in float for at most {@value #BLOCK} elements, then the partial
 * sum is added into a double. A float running sum over n elements errs by about n·ε; blocking
 * bounds the float part to {@value #BLOCK}/(4 {@code LANES}) additions per accumulator, and the
 * double part is exact enough for any length, at the cost of one horizontal add per block.
 *
 * <p>The last floats that do not fill a vector are taken one by one, not by a masked load: a
 * masked vector that would reach past the end of the segment takes the Vector API's scalar
 * fallback, and a softmax or loss row is often the last thing in its segment. {@link #sumExpInto}
 * is the exception, for the reason it gives.
 */
public final class Reductions {

    /** Elements per float-accumulated block. */
    public static final int BLOCK = 4096;

    private static final int UNROLL = 4 * LANES;

    private Reductions() {
    }

    /**
     * The maximum of {@code n >= 1} floats. NaN elements are ignored here (a compare-and-blend
     * costs a fraction of Java's NaN-aware max); every caller feeds the row through exp or a
     * sum next, which makes the result NaN anyway.
     */
    public static float max(long n, MemorySegment x, long off) {
        FloatVector a0 = FloatVector.broadcast(FloatLanes.SPECIES, Float.NEGATIVE_INFINITY);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        long i = 0;
        // the compare-and-blend written out at every use, not in a helper taking vectors: where
        // C2 did not inline such a helper (it depends on what was compiled first), it boxed the
        // vectors and ran the compare in Java (a LeNet-5 training step allocated 37-480 KB, all
        // in the final folds below, once per softmax row)
        for (; i <= n - UNROLL; i += UNROLL) {
            FloatVector v0 = FloatVector.fromMemorySegment(SPECIES, x, (off + i) * Float.BYTES, ORDER);
            FloatVector v1 = FloatVector.fromMemorySegment(SPECIES, x, (off + i + LANES) * Float.BYTES, ORDER);
            FloatVector v2 = FloatVector.fromMemorySegment(SPECIES, x, (off + i + 2 * LANES) * Float.BYTES, ORDER);
            FloatVector v3 = FloatVector.fromMemorySegment(SPECIES, x, (off + i + 3 * LANES) * Float.BYTES, ORDER);
            a0 = a0.blend(v0, v0.compare(VectorOperators.GT, a0));
            a1 = a1.blend(v1, v1.compare(VectorOperators.GT, a1));
            a2 = a2.blend(v2, v2.compare(VectorOperators.GT, a2));
            a3 = a3.blend(v3, v3.compare(VectorOperators.GT, a3));
        }
        for (; i <= n - LANES; i += LANES) {
            FloatVector v0 = FloatVector.fromMemorySegment(SPECIES, x, (off + i) * Float.BYTES, ORDER);
            a0 = a0.blend(v0, v0.compare(VectorOperators.GT, a0));
        }
        a0 = a0.blend(a1, a1.compare(VectorOperators.GT, a0));
        a2 = a2.blend(a3, a3.compare(VectorOperators.GT, a2));
        a0 = a0.blend(a2, a2.compare(VectorOperators.GT, a0));
        float best = a0.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            float v = FloatLanes.get(x, off + i);
            if (v > best) {
                best = v;
            }
        }
        return best;
    }

    /** The sum of {@code n} floats. */
    public static double sum(long n, MemorySegment x, long off) {
        double total = 0;
        for (long start = 0; start < n; start += BLOCK) {
            long end = Math.min(n, start + BLOCK);
            FloatVector a0 = FloatVector.zero(FloatLanes.SPECIES);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            long i = start;
            for (; i <= end - UNROLL; i += UNROLL) {
                a0 = a0.add(FloatVector.fromMemorySegment(SPECIES, x, (off + i) * Float.BYTES, ORDER));
                a1 = a1.add(FloatVector.fromMemorySegment(SPECIES, x, (off + i + LANES) * Float.BYTES, ORDER));
                a2 = a2.add(FloatVector.fromMemorySegment(SPECIES, x, (off + i + 2 * LANES) * Float.BYTES, ORDER));
                a3 = a3.add(FloatVector.fromMemorySegment(SPECIES, x, (off + i + 3 * LANES) * Float.BYTES, ORDER));
            }
            for (; i <= end - LANES; i += LANES) {
                a0 = a0.add(FloatVector.fromMemorySegment(SPECIES, x, (off + i) * Float.BYTES, ORDER));
            }
            a0 = a0.add(a1).add(a2.add(a3));
            // the lanes in a fixed order (see FloatLanes); a step not below LANES is left out
            if (FloatLanes.LANES > 8) { a0 = a0.add(a0.rearrange(FloatLanes.PAIR_8)); }
            if (FloatLanes.LANES > 4) { a0 = a0.add(a0.rearrange(FloatLanes.PAIR_4)); }
            if (FloatLanes.LANES > 2) { a0 = a0.add(a0.rearrange(FloatLanes.PAIR_2)); }
            a0 = a0.add(a0.rearrange(FloatLanes.PAIR_1));
            float block = a0.lane(0);
            for (; i < end; i++) {
                block += FloatLanes.get(x, off + i);
            }
            total += block;
        }
        return total;
    }

    /** {@code sum((x - center)^2)} over {@code n} floats: the second pass of a two-pass variance. */
    public static double sumSquaredDeviations(long n, MemorySegment x, long off, float center) {
        double total = 0;
        for (long start = 0; start < n; start += BLOCK) {
            long end = Math.min(n, start + BLOCK);
            FloatVector a0 = FloatVector.zero(FloatLanes.SPECIES);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            long i = start;
            for (; i <= end - UNROLL; i += UNROLL) {
                FloatVector d0 = FloatVector.fromMemorySegment(SPECIES, x, (off + i) * Float.BYTES, ORDER).sub(center);
                FloatVector d1 = FloatVector.fromMemorySegment(SPECIES, x, (off + i + LANES) * Float.BYTES, ORDER).sub(center);
                FloatVector d2 = FloatVector.fromMemorySegment(SPECIES, x, (off + i + 2 * LANES) * Float.BYTES, ORDER).sub(center);
                FloatVector d3 = FloatVector.fromMemorySegment(SPECIES, x, (off + i + 3 * LANES) * Float.BYTES, ORDER).sub(center);
                a0 = d0.fma(d0, a0);
                a1 = d1.fma(d1, a1);
                a2 = d2.fma(d2, a2);
                a3 = d3.fma(d3, a3);
            }
            for (; i <= end - LANES; i += LANES) {
                FloatVector d = FloatVector.fromMemorySegment(SPECIES, x, (off + i) * Float.BYTES, ORDER).sub(center);
                a0 = d.fma(d, a0);
            }
            a0 = a0.add(a1).add(a2.add(a3));
            // the lanes in a fixed order (see FloatLanes); a step not below LANES is left out
            if (FloatLanes.LANES > 8) { a0 = a0.add(a0.rearrange(FloatLanes.PAIR_8)); }
            if (FloatLanes.LANES > 4) { a0 = a0.add(a0.rearrange(FloatLanes.PAIR_4)); }
            if (FloatLanes.LANES > 2) { a0 = a0.add(a0.rearrange(FloatLanes.PAIR_2)); }
            a0 = a0.add(a0.rearrange(FloatLanes.PAIR_1));
            float block = a0.lane(0);
            for (; i < end; i++) {
                float d = FloatLanes.get(x, off + i) - center;
                block += d * d;
            }
            total += block;
        }
        return total;
    }

    /** {@code sum(exp(x - shift))} over {@code n} floats, for a {@code shift} no less than their maximum. */
    public static double sumExp(long n, MemorySegment x, long off, float shift) {
        double total = 0;
        for (long start = 0; start < n; start += BLOCK) {
            long end = Math.min(n, start + BLOCK);
            FloatVector a0 = FloatVector.zero(FloatLanes.SPECIES);
            FloatVector a1 = a0;
            long i = start;
            // Two accumulators that swap places at every vector: vectors 0, 2, 4, ... sum in one,
            // 1, 3, ... in the other, with one call of the exponential in the loop. Written as a
            // pair of calls and a third for an odd last vector, C2 inlined two of the three and
            // stopped at its node budget (NodeCountInliningCutoff): the third boxed its vectors,
            // 192 bytes a call for 50 classes (a character language model's step allocated 200 KB).
            for (; i <= end - LANES; i += LANES) {
                FloatVector sum = a1.add(VectorMath.expNonPositive(FloatVector.fromMemorySegment(SPECIES, x, (off + i) * Float.BYTES, ORDER).sub(shift)));
                a1 = a0;
                a0 = sum;
            }
            a0 = a0.add(a1);
            // the lanes in a fixed order (see FloatLanes); a step not below LANES is left out
            if (FloatLanes.LANES > 8) { a0 = a0.add(a0.rearrange(FloatLanes.PAIR_8)); }
            if (FloatLanes.LANES > 4) { a0 = a0.add(a0.rearrange(FloatLanes.PAIR_4)); }
            if (FloatLanes.LANES > 2) { a0 = a0.add(a0.rearrange(FloatLanes.PAIR_2)); }
            a0 = a0.add(a0.rearrange(FloatLanes.PAIR_1));
            float block = a0.lane(0);
            for (; i < end; i++) {
                block += VectorMath.expNonPositive(FloatLanes.get(x, off + i) - shift);
            }
            total += block;
        }
        return total;
    }

    /**
     * Stores {@code y = exp(x - shift)} over {@code n} floats and returns their sum, for a
     * {@code shift} no less than their maximum: a softmax's numerators and denominator in one
     * pass. Every vector is masked by {@code indexInRange} (all lanes but at the ragged end), so
     * the loop calls the exponential once: a second call for the end, with this method inlined
     * into a caller that has an exponential of its own, ran past C2's node budget
     * ({@code NodeCountInliningCutoff}) in some JVMs and boxed its vectors. Masks computed in
     * registers cost nothing measurable; masks read from FloatLanes' table cost a fifth on rows of
     * 1,000, and the end in scalars a third on rows of 127. A masked load at the very end of a
     * segment is slower, but that is one vector per call.
     */
    public static double sumExpInto(long n, MemorySegment x, long off, float shift, MemorySegment y, long yOff) {
        double sum = 0;
        for (long start = 0; start < n; start += BLOCK) {
            long end = Math.min(n, start + BLOCK);
            FloatVector acc = FloatVector.zero(FloatLanes.SPECIES);
            for (long i = start; i < end; i += LANES) {
                VectorMask<Float> m = SPECIES.indexInRange(i, end);
                FloatVector e = VectorMath.expNonPositive(FloatVector.fromMemorySegment(SPECIES, x, (off + i) * Float.BYTES, ORDER, m).sub(shift));
                e.intoMemorySegment(y, (yOff + i) * Float.BYTES, ORDER, m);
                acc = acc.add(e, m);
            }
            // the lanes in a fixed order (see FloatLanes); a step not below LANES is left out
            if (FloatLanes.LANES > 8) { acc = acc.add(acc.rearrange(FloatLanes.PAIR_8)); }
            if (FloatLanes.LANES > 4) { acc = acc.add(acc.rearrange(FloatLanes.PAIR_4)); }
            if (FloatLanes.LANES > 2) { acc = acc.add(acc.rearrange(FloatLanes.PAIR_2)); }
            acc = acc.add(acc.rearrange(FloatLanes.PAIR_1));
            sum += acc.lane(0);
        }
        return sum;
    }

    /**
     * {@code sum((a - center) * b)} over {@code n} floats: a dot product with a centred first
     * operand, which keeps what {@code sum(a b) - center sum(b)} would cancel when the centre is
     * large against the spread of a.
     */
    public static double centeredDot(long n, MemorySegment a, long aOff, float center, MemorySegment b, long bOff) {
        double total = 0;
        for (long start = 0; start < n; start += BLOCK) {
            long end = Math.min(n, start + BLOCK);
            FloatVector a0 = FloatVector.zero(FloatLanes.SPECIES);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            long i = start;
            for (; i <= end - UNROLL; i += UNROLL) {
                a0 = FloatVector.fromMemorySegment(SPECIES, a, (aOff + i) * Float.BYTES, ORDER).sub(center).fma(FloatVector.fromMemorySegment(SPECIES, b, (bOff + i) * Float.BYTES, ORDER), a0);
                a1 = FloatVector.fromMemorySegment(SPECIES, a, (aOff + i + LANES) * Float.BYTES, ORDER).sub(center).fma(FloatVector.fromMemorySegment(SPECIES, b, (bOff + i + LANES) * Float.BYTES, ORDER), a1);
                a2 = FloatVector.fromMemorySegment(SPECIES, a, (aOff + i + 2 * LANES) * Float.BYTES, ORDER).sub(center).fma(FloatVector.fromMemorySegment(SPECIES, b, (bOff + i + 2 * LANES) * Float.BYTES, ORDER), a2);
                a3 = FloatVector.fromMemorySegment(SPECIES, a, (aOff + i + 3 * LANES) * Float.BYTES, ORDER).sub(center).fma(FloatVector.fromMemorySegment(SPECIES, b, (bOff + i + 3 * LANES) * Float.BYTES, ORDER), a3);
            }
            for (; i <= end - LANES; i += LANES) {
                a0 = FloatVector.fromMemorySegment(SPECIES, a, (aOff + i) * Float.BYTES, ORDER).sub(center).fma(FloatVector.fromMemorySegment(SPECIES, b, (bOff + i) * Float.BYTES, ORDER), a0);
            }
            a0 = a0.add(a1).add(a2.add(a3));
            // the lanes in a fixed order (see FloatLanes); a step not below LANES is left out
            if (FloatLanes.LANES > 8) { a0 = a0.add(a0.rearrange(FloatLanes.PAIR_8)); }
            if (FloatLanes.LANES > 4) { a0 = a0.add(a0.rearrange(FloatLanes.PAIR_4)); }
            if (FloatLanes.LANES > 2) { a0 = a0.add(a0.rearrange(FloatLanes.PAIR_2)); }
            a0 = a0.add(a0.rearrange(FloatLanes.PAIR_1));
            float block = a0.lane(0);
            for (; i < end; i++) {
                block = Math.fma(FloatLanes.get(a, aOff + i) - center, FloatLanes.get(b, bOff + i), block);
            }
            total += block;
        }
        return total;
    }

    /** {@code sum(a * b)} over {@code n} floats ({@link #centeredDot} about 0: {@code a - 0} is a, to the bit). */
    public static double dot(long n, MemorySegment a, long aOff, MemorySegment b, long bOff) {
        return centeredDot(n, a, aOff, 0f, b, bOff);
    }
}
