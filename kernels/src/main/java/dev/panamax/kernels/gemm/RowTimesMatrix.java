package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

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
        float[] sums = GemmWorkspace.get().tile;        // 64 floats of the thread's tile, reused
        int j = 0;
        for (; j <= n - COLUMNS; j += COLUMNS) {
            fullBlock(k, a, aOff, aStride, b, bOff + j, ldb, sums);
            merge(sums, COLUMNS, alpha, beta, c, cOff + j);
        }
        if (j < n) {
            int cols = n - j;
            VectorMask<Float> m0 = FloatLanes.firstLanes(Math.min(LANES, cols));
            VectorMask<Float> m1 = FloatLanes.firstLanes(Math.clamp(cols - LANES, 0, LANES));
            VectorMask<Float> m2 = FloatLanes.firstLanes(Math.clamp(cols - 2 * LANES, 0, LANES));
            VectorMask<Float> m3 = FloatLanes.firstLanes(Math.clamp(cols - 3 * LANES, 0, LANES));
            FloatVector s0 = FloatVector.zero(FloatLanes.SPECIES), s1 = s0, s2 = s0, s3 = s0;
            long row = bOff + j;
            for (int p = 0; p < k; p++, row += ldb) {
                FloatVector x = FloatVector.broadcast(FloatLanes.SPECIES, FloatLanes.get(a, aOff + p * aStride));
                s0 = x.fma(FloatVector.fromMemorySegment(SPECIES, b, row * Float.BYTES, ORDER, m0), s0);
                s1 = x.fma(FloatVector.fromMemorySegment(SPECIES, b, (row + LANES) * Float.BYTES, ORDER, m1), s1);
                s2 = x.fma(FloatVector.fromMemorySegment(SPECIES, b, (row + 2 * LANES) * Float.BYTES, ORDER, m2), s2);
                s3 = x.fma(FloatVector.fromMemorySegment(SPECIES, b, (row + 3 * LANES) * Float.BYTES, ORDER, m3), s3);
            }
            s0.intoArray(sums, 0);
            s1.intoArray(sums, LANES);
            s2.intoArray(sums, 2 * LANES);
            s3.intoArray(sums, 3 * LANES);
            merge(sums, cols, alpha, beta, c, cOff + j);
        }
    }

    /**
     * Sums of 64 full columns into {@code sums}, four accumulators walking down the rows. The
     * accumulators leave through the array so that the merge into C (a separate method) never
     * receives a vector: a vector passed to a call C2 did not inline is boxed.
     */
    private static void fullBlock(int k, MemorySegment a, long aOff, long aStride, MemorySegment b, long row, long ldb,
                                  float[] sums) {
        FloatVector s0 = FloatVector.zero(FloatLanes.SPECIES), s1 = s0, s2 = s0, s3 = s0;
        for (int p = 0; p < k; p++, row += ldb) {
            FloatVector x = FloatVector.broadcast(FloatLanes.SPECIES, FloatLanes.get(a, aOff + p * aStride));
            s0 = x.fma(FloatVector.fromMemorySegment(SPECIES, b, row * Float.BYTES, ORDER), s0);
            s1 = x.fma(FloatVector.fromMemorySegment(SPECIES, b, (row + LANES) * Float.BYTES, ORDER), s1);
            s2 = x.fma(FloatVector.fromMemorySegment(SPECIES, b, (row + 2 * LANES) * Float.BYTES, ORDER), s2);
            s3 = x.fma(FloatVector.fromMemorySegment(SPECIES, b, (row + 3 * LANES) * Float.BYTES, ORDER), s3);
        }
        s0.intoArray(sums, 0);
        s1.intoArray(sums, LANES);
        s2.intoArray(sums, 2 * LANES);
        s3.intoArray(sums, 3 * LANES);
    }

    /** {@code c[0, cols) = alpha sums + beta c}. */
    private static void merge(float[] sums, int cols, float alpha, float beta, MemorySegment c, long cOff) {
        for (int j = 0; j < cols; j++) {
            float v = alpha * sums[j];
            FloatLanes.set(c, cOff + j, beta == 0f ? v : v + beta * FloatLanes.get(c, cOff + j));
        }
    }

    private static double stridedDot(int k, MemorySegment a, long aOff, long aStride, MemorySegment b, long bOff) {
        double s = 0;
        for (int p = 0; p < k; p++) {
            s += (double) FloatLanes.get(a, aOff + p * aStride) * FloatLanes.get(b, bOff + p);
        }
        return s;
    }
}
