package dev.panamax.kernels.norm;

import static dev.panamax.kernels.FloatLanes.LANES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The two vector loops every normalisation reduces to once its statistics are known: with
 * per-span constants, the forward pass is {@code y = (x - mean) * scale + shift} and the
 * backward pass is {@code gx = gy * a + (x - mean) * b + c} (the batch-statistics terms folded
 * into b and c). The mean is subtracted first, never folded into the shift: {@code x * scale -
 * mean * scale} cancels catastrophically when the mean is large against the spread.
 */
final class AffineSpan {

    private AffineSpan() {
    }

    /** {@code y[i] = (x[i] - mean) * scale + shift} for {@code n} contiguous elements. */
    static void scaleShift(long n, MemorySegment x, long xOff, float mean, float scale, float shift,
                           MemorySegment y, long yOff) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatLanes.store(FloatLanes.load(x, xOff + i).sub(mean).fma(scale, shift), y, yOff + i);
        }
        if (i < n) {
            VectorMask<Float> m = FloatLanes.firstLanes(n - i);
            FloatLanes.store(FloatLanes.load(x, xOff + i, m).sub(mean).fma(scale, shift), y, yOff + i, m);
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
            FloatLanes.store(FloatLanes.load(y, yOff + i).fma(FloatLanes.load(w, wOff + i), FloatLanes.load(b, bOff + i)),
                    y, yOff + i);
        }
        if (i < n) {
            VectorMask<Float> m = FloatLanes.firstLanes(n - i);
            FloatLanes.store(FloatLanes.load(y, yOff + i, m).fma(FloatLanes.load(w, wOff + i, m), FloatLanes.load(b, bOff + i, m)),
                    y, yOff + i, m);
        }
    }

    /** {@code gx[i] = gy[i] * a + (x[i] - mean) * b + c} for {@code n} contiguous elements. */
    static void combine(long n, MemorySegment gy, long gyOff, float a, MemorySegment x, long xOff, float mean,
                        float b, float c, MemorySegment gx, long gxOff) {
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector r = FloatLanes.load(x, xOff + i).sub(mean).fma(b, c);
            FloatLanes.store(FloatLanes.load(gy, gyOff + i).mul(a).add(r), gx, gxOff + i);
        }
        if (i < n) {
            VectorMask<Float> m = FloatLanes.firstLanes(n - i);
            FloatVector r = FloatLanes.load(x, xOff + i, m).sub(mean).fma(b, c);
            FloatLanes.store(FloatLanes.load(gy, gyOff + i, m).mul(a).add(r), gx, gxOff + i, m);
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
