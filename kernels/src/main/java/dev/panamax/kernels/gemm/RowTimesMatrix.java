package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * {@code c = alpha a op(B) + beta c} for a single row {@code a} (GEMM with M = 1, as in batch-1
 * inference): every element of B is used once, so the product is bound by reading B, and
 * packing would only add traffic. B is streamed in place:
 * <ul>
 * <li>{@code op(B) = B} ({@code [k, n]}): 64 columns at a time held in four accumulators while
 *     walking down the rows;</li>
 * <li>{@code op(B) = B^T} ({@code B [n, k]}, a {@code Linear} layer's weight): each output is a
 *     dot product of {@code a} with one contiguous row of B, four rows side by side: one load of
 *     {@code a} serves four rows, and four independent FMA chains hide most of the FMA latency;
 *     the lanes of 16 outputs are then summed together.</li>
 * </ul>
 * Each output's sum runs in one order whatever N: full vectors, then one masked tail, then the
 * lanes' fixed-order sum ({@link FloatLanes}, the same bits whether summed alone or in a fold of
 * 16).
 */
final class RowTimesMatrix {

    private static final int COLUMNS = 4 * LANES;
    /** Rows of B taken together when B is transposed. */
    private static final int ROWS = 4;
    /**
     * Outputs whose lane sums are folded together ({@link FloatLanes#sumLanesOfSixteen}): one by
     * one, each sum is a chain of dependent shuffles and adds, and for the short rows of small
     * layers (an MLP's 64 inputs, eight vectors) the sums took longer than the dot products.
     */
    private static final int SUMMED_TOGETHER = 16;
    /** Outputs per part of a split product: whole blocks of columns, whole folds of lane sums. */
    static final int SPLIT_UNIT = Math.max(COLUMNS, SUMMED_TOGETHER);

    private RowTimesMatrix() {
    }

    static void run(boolean transA, boolean transB, int n, int k, float alpha, MemorySegment a, long aOff, long lda,
                    MemorySegment b, long bOff, long ldb, float beta, MemorySegment c, long cOff) {
        // op(A) is 1 x k: element p is A[p, 0] (stride lda) when transposed, else A[0, p]
        long aStride = transA ? lda : 1;
        if (transB) {
            int j = 0;
            if (aStride == 1) {
                float[] lanes = FloatLanes.laneSumScratch();   // 16 vectors: every row group's lanes
                for (; j <= n - SUMMED_TOGETHER; j += SUMMED_TOGETHER) {
                    for (int g = 0; g < SUMMED_TOGETHER; g += ROWS) {
                        fourRows(k, a, aOff, b, bOff + (long) (j + g) * ldb, ldb, lanes, g * LANES);
                    }
                    FloatLanes.sumLanesOfSixteen(lanes);
                    for (int r = 0; r < SUMMED_TOGETHER; r++) {
                        store(alpha * lanes[r], beta, c, cOff + j + r);
                    }
                }
                for (; j <= n - ROWS; j += ROWS) {
                    fourRows(k, a, aOff, b, bOff + (long) j * ldb, ldb, lanes, 0);
                    sumLanes(lanes, ROWS, alpha, beta, c, cOff + j);
                }
                for (; j < n; j++) {
                    oneRow(k, a, aOff, b, bOff + (long) j * ldb, lanes);
                    sumLanes(lanes, 1, alpha, beta, c, cOff + j);
                }
                return;
            }
            for (; j < n; j++) {
                store((float) (alpha * stridedDot(k, a, aOff, aStride, b, bOff + (long) j * ldb)), beta, c, cOff + j);
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

    /**
     * Dot products of {@code a[0, k)} with the {@link #ROWS} rows of B from {@code row}, their
     * lanes left in {@code sums[at + r LANES, at + (r + 1) LANES)}. Four rows, not eight, and the
     * masked tail in a method of its own: larger, C1 gave up on the method ("out of virtual
     * registers") and it stayed in a boxing tier. The loop steps byte offsets to an exact end
     * ({@code !=}), which C2 does not take for a counted loop: it neither unrolls it (unrolled four
     * times, the twenty live vectors spilled to the stack) nor hoists the five segments' range
     * checks into a preamble, which cost more than the loop itself for the few iterations of small
     * layers. Zen 3, N 120, ns per product, counted / this loop: K 32 1138-1684 / 896-960, K 128
     * 2085-2490 / 1428-2000, K 400 3945-4979 / 3574-3811; an MLP 30-64-2 at batch 1 2.13 -> 1.64 us.
     */
    private static void fourRows(int k, MemorySegment a, long aOff, MemorySegment b, long row, long ldb, float[] sums,
                                 int at) {
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
        long r0 = row * Float.BYTES;
        long step = ldb * Float.BYTES;
        long x0 = aOff * Float.BYTES;
        int full = k - k % LANES;
        long end = x0 + (long) full * Float.BYTES;
        for (long xa = x0, ba = r0; xa != end; xa += LANES * Float.BYTES, ba += LANES * Float.BYTES) {
            FloatVector x = FloatVector.fromMemorySegment(SPECIES, a, xa, ORDER);
            s0 = FloatVector.fromMemorySegment(SPECIES, b, ba, ORDER).fma(x, s0);
            s1 = FloatVector.fromMemorySegment(SPECIES, b, ba + step, ORDER).fma(x, s1);
            s2 = FloatVector.fromMemorySegment(SPECIES, b, ba + 2 * step, ORDER).fma(x, s2);
            s3 = FloatVector.fromMemorySegment(SPECIES, b, ba + 3 * step, ORDER).fma(x, s3);
        }
        s0.intoArray(sums, at);
        s1.intoArray(sums, at + LANES);
        s2.intoArray(sums, at + 2 * LANES);
        s3.intoArray(sums, at + 3 * LANES);
        if (full < k) {
            fourRowsTail(k, full, a, aOff, b, row, ldb, sums, at);
        }
    }

    /** The last {@code k - p} columns of {@link #fourRows}, added to the sums it left. */
    private static void fourRowsTail(int k, int p, MemorySegment a, long aOff, MemorySegment b, long row, long ldb,
                                     float[] sums, int at) {
        VectorMask<Float> m = FloatLanes.firstLanes(k - p);
        FloatVector x = FloatVector.fromMemorySegment(SPECIES, a, (aOff + p) * Float.BYTES, ORDER, m);
        for (int r = 0; r < ROWS; r++) {
            int s = at + r * LANES;
            FloatVector.fromMemorySegment(SPECIES, b, (row + r * ldb + p) * Float.BYTES, ORDER, m)
                    .fma(x, FloatVector.fromArray(SPECIES, sums, s)).intoArray(sums, s);
        }
    }

    /** {@link #fourRows} for one row, in the same order. */
    private static void oneRow(int k, MemorySegment a, long aOff, MemorySegment b, long row, float[] sums) {
        FloatVector s0 = FloatVector.zero(SPECIES);
        int p = 0;
        for (; p <= k - LANES; p += LANES) {
            s0 = FloatVector.fromMemorySegment(SPECIES, b, (row + p) * Float.BYTES, ORDER)
                    .fma(FloatVector.fromMemorySegment(SPECIES, a, (aOff + p) * Float.BYTES, ORDER), s0);
        }
        if (p < k) {
            VectorMask<Float> m = FloatLanes.firstLanes(k - p);
            s0 = FloatVector.fromMemorySegment(SPECIES, b, (row + p) * Float.BYTES, ORDER, m)
                    .fma(FloatVector.fromMemorySegment(SPECIES, a, (aOff + p) * Float.BYTES, ORDER, m), s0);
        }
        s0.intoArray(sums, 0);
    }

    /**
     * {@code c[r] = alpha (sum of the lanes of sums[r LANES, (r + 1) LANES)) + beta c[r]}, the lanes
     * summed in vectors in the fixed order of {@link FloatLanes} (done in scalar code, the lane
     * sums took longer than the dot products).
     */
    private static void sumLanes(float[] sums, int rows, float alpha, float beta, MemorySegment c, long cOff) {
        for (int r = 0; r < rows; r++) {
            FloatVector v = FloatVector.fromArray(SPECIES, sums, r * LANES);
            v = v.add(v.rearrange(FloatLanes.PAIR_8), FloatLanes.STEP_8);
            v = v.add(v.rearrange(FloatLanes.PAIR_4), FloatLanes.STEP_4);
            v = v.add(v.rearrange(FloatLanes.PAIR_2), FloatLanes.STEP_2);
            v = v.add(v.rearrange(FloatLanes.PAIR_1), FloatLanes.STEP_1);
            store(alpha * v.lane(0), beta, c, cOff + r);
        }
    }

    /** {@code c = v + beta c}, where {@code beta = 0} ignores c (it may hold NaN). */
    private static void store(float v, float beta, MemorySegment c, long at) {
        FloatLanes.set(c, at, beta == 0f ? v : v + beta * FloatLanes.get(c, at));
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
