package dev.panamax.kernels.norm;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The vector loops every normalisation reduces to once its statistics are known: with
 * per-span constants, the forward pass is {@code y = (x - mean) * scale + shift} and the
 * backward pass is {@code gx = gy * a + (x - mean) * b + c} (the statistics' terms folded into
 * b and c, as PyTorch's group and layer norms compute it), or batch norm's
 * {@code gx = ((gy - gyMean) - (x - mean) proj) scale} (PyTorch's form for it). The mean is
 * subtracted first, never folded into the shift: {@code x * scale - mean * scale} cancels
 * catastrophically when the mean is large against the spread.
 */
final class AffineSpan {

    private AffineSpan() {
    }

    /** {@code y[i] = (x[i] - mean) * scale + shift} for {@code n} contiguous elements. */
    static void scaleShift(long n, MemorySegment x, long xOff, float mean, float scale, float shift,
                           MemorySegment y, long yOff) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector.fromMemorySegment(SPECIES, x, (xOff + i) * Float.BYTES, ORDER).sub(mean).fma(scale, shift).intoMemorySegment(y, (yOff + i) * Float.BYTES, ORDER);
        }
        if (i < n) {
            VectorMask<Float> m = FloatLanes.firstLanes(n - i);
            FloatVector.fromMemorySegment(SPECIES, x, (xOff + i) * Float.BYTES, ORDER, m).sub(mean).fma(scale, shift).intoMemorySegment(y, (yOff + i) * Float.BYTES, ORDER, m);
        }
    }

    /**
     * {@code y[i] = y[i] * w[i] + b[i]} in place, for {@code n} contiguous elements. Run as a second
     * pass over a row that is still in L1, it costs less than folding the loads of w and b
     * into the normalising pass (measured: that loop ran at two thirds of the speed).
     */
    static void multiplyAdd(long n, MemorySegment y, long yOff, MemorySegment w, long wOff, MemorySegment b, long bOff) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector.fromMemorySegment(SPECIES, y, (yOff + i) * Float.BYTES, ORDER).fma(FloatVector.fromMemorySegment(SPECIES, w, (wOff + i) * Float.BYTES, ORDER), FloatVector.fromMemorySegment(SPECIES, b, (bOff + i) * Float.BYTES, ORDER)).intoMemorySegment(y, (yOff + i) * Float.BYTES, ORDER);
        }
        if (i < n) {
            VectorMask<Float> m = FloatLanes.firstLanes(n - i);
            FloatVector.fromMemorySegment(SPECIES, y, (yOff + i) * Float.BYTES, ORDER, m).fma(FloatVector.fromMemorySegment(SPECIES, w, (wOff + i) * Float.BYTES, ORDER, m), FloatVector.fromMemorySegment(SPECIES, b, (bOff + i) * Float.BYTES, ORDER, m)).intoMemorySegment(y, (yOff + i) * Float.BYTES, ORDER, m);
        }
    }

    /** {@code gx[i] = gy[i] * a + (x[i] - mean) * b + c} for {@code n} contiguous elements. */
    static void combine(long n, MemorySegment gy, long gyOff, float a, MemorySegment x, long xOff, float mean,
                        float b, float c, MemorySegment gx, long gxOff) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector r = FloatVector.fromMemorySegment(SPECIES, x, (xOff + i) * Float.BYTES, ORDER).sub(mean).fma(b, c);
            FloatVector.fromMemorySegment(SPECIES, gy, (gyOff + i) * Float.BYTES, ORDER).mul(a).add(r).intoMemorySegment(gx, (gxOff + i) * Float.BYTES, ORDER);
        }
        if (i < n) {
            VectorMask<Float> m = FloatLanes.firstLanes(n - i);
            FloatVector r = FloatVector.fromMemorySegment(SPECIES, x, (xOff + i) * Float.BYTES, ORDER, m).sub(mean).fma(b, c);
            FloatVector.fromMemorySegment(SPECIES, gy, (gyOff + i) * Float.BYTES, ORDER, m).mul(a).add(r).intoMemorySegment(gx, (gxOff + i) * Float.BYTES, ORDER, m);
        }
    }

    /**
     * {@code gx[i] = ((gy[i] - gyMean) - (x[i] - mean) proj) scale} for {@code n} contiguous
     * elements: batch norm's input gradient with the batch's two projections taken off in units
     * of gy, then scaled, in the order of PyTorch's CPU kernel.
     */
    static void projectOut(long n, MemorySegment gy, long gyOff, float gyMean, MemorySegment x, long xOff, float mean,
                           float proj, float scale, MemorySegment gx, long gxOff) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector d = FloatVector.fromMemorySegment(SPECIES, x, (xOff + i) * Float.BYTES, ORDER).sub(mean).mul(proj);
            FloatVector.fromMemorySegment(SPECIES, gy, (gyOff + i) * Float.BYTES, ORDER).sub(gyMean).sub(d).mul(scale)
                    .intoMemorySegment(gx, (gxOff + i) * Float.BYTES, ORDER);
        }
        if (i < n) {
            VectorMask<Float> m = FloatLanes.firstLanes(n - i);
            FloatVector d = FloatVector.fromMemorySegment(SPECIES, x, (xOff + i) * Float.BYTES, ORDER, m).sub(mean).mul(proj);
            FloatVector.fromMemorySegment(SPECIES, gy, (gyOff + i) * Float.BYTES, ORDER, m).sub(gyMean).sub(d).mul(scale)
                    .intoMemorySegment(gx, (gxOff + i) * Float.BYTES, ORDER, m);
        }
    }

    /** Reads an optional per-channel parameter; {@code fallback} when the segment is null. */
    static float param(MemorySegment p, long off, long k, float fallback) {
        return p == null ? fallback : FloatLanes.get(p, off + k);
    }

    /** Adds {@code v} to an optional per-channel gradient. */
    static void accumulate(MemorySegment g, long off, long k, double v) {
        if (g != null) {
            FloatLanes.set(g, off + k, (float) (FloatLanes.get(g, off + k) + v));
        }
    }
}
