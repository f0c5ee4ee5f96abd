package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.FloatLanes.LANES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.Reductions;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * {@code c = alpha a op(B) + beta c} for a single row {@code a} (GEMM with M = 1, as in batch-1
 * inference): every element of B is used once, so the product is bound by reading B, and
 * packing would only add traffic. B is streamed in place:
 * <ul>
 * <li>{@code op(B) = B} ({@code [k, n]}): 64 columns at a time held in four accumulators while
 *     walking down the rows;</li>
 * <li>{@code op(B) = B^T} ({@code B [n, k]}): each output is a dot product of {@code a} with one
 *     contiguous row of B.</li>
 * </ul>
 */
final class RowTimesMatrix {

    private static final int COLUMNS = 4 * LANES;

    private RowTimesMatrix() {
    }

    static void run(boolean transA, boolean transB, int n, int k, float alpha, MemorySegment a, long aOff, long lda,
                    MemorySegment b, long bOff, long ldb, float beta, MemorySegment c, long cOff) {
        // op(A) is 1 x k: element p is A[p, 0] (stride lda) when transposed, else A[0, p]
        long aStride = transA ? lda : 1;
        if (transB) {
            for (int j = 0; j < n; j++) {
                double dot = aStride == 1 ? Reductions.dot(k, a, aOff, b, bOff + (long) j * ldb)
                        : stridedDot(k, a, aOff, aStride, b, bOff + (long) j * ldb);
                float old = beta == 0f ? 0f : beta * FloatLanes.get(c, cOff + j);
                FloatLanes.set(c, cOff + j, (float) (alpha * dot) + old);
            }
            return;
        }
        for (int j = 0; j < n; j += COLUMNS) {
            int cols = Math.min(COLUMNS, n - j);
            VectorMask<Float> m0 = FloatLanes.firstLanes(Math.min(LANES, cols));
            VectorMask<Float> m1 = FloatLanes.firstLanes(Math.clamp(cols - LANES, 0, LANES));
            VectorMask<Float> m2 = FloatLanes.firstLanes(Math.clamp(cols - 2 * LANES, 0, LANES));
            VectorMask<Float> m3 = FloatLanes.firstLanes(Math.clamp(cols - 3 * LANES, 0, LANES));
            FloatVector s0 = FloatVector.zero(FloatLanes.SPECIES), s1 = s0, s2 = s0, s3 = s0;
            long row = bOff + j;
            for (int p = 0; p < k; p++, row += ldb) {
                FloatVector x = FloatVector.broadcast(FloatLanes.SPECIES, FloatLanes.get(a, aOff + p * aStride));
                s0 = x.fma(FloatLanes.load(b, row, m0), s0);
                s1 = x.fma(FloatLanes.load(b, row + LANES, m1), s1);
                s2 = x.fma(FloatLanes.load(b, row + 2 * LANES, m2), s2);
                s3 = x.fma(FloatLanes.load(b, row + 3 * LANES, m3), s3);
            }
            long out = cOff + j;
            store(s0, alpha, beta, c, out, m0);
            store(s1, alpha, beta, c, out + LANES, m1);
            store(s2, alpha, beta, c, out + 2 * LANES, m2);
            store(s3, alpha, beta, c, out + 3 * LANES, m3);
        }
    }

    private static void store(FloatVector s, float alpha, float beta, MemorySegment c, long at, VectorMask<Float> m) {
        FloatVector r = s.mul(alpha);
        if (beta != 0f) {
            r = FloatLanes.load(c, at, m).mul(beta).add(r);
        }
        FloatLanes.store(r, c, at, m);
    }

    private static double stridedDot(int k, MemorySegment a, long aOff, long aStride, MemorySegment b, long bOff) {
        double s = 0;
        for (int p = 0; p < k; p++) {
            s += (double) FloatLanes.get(a, aOff + p * aStride) * FloatLanes.get(b, bOff + p);
        }
        return s;
    }
}
