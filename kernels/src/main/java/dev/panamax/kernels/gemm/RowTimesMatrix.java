package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code c = alpha a op(B) + beta c} for a single row {@code a} (GEMM with M = 1, as in batch-1
 * inference): every element of B is used once, so the product is bound by reading B, and
 * packing would only add traffic. B is streamed in place:
 * <ul>
 * <li>{@code op(B) = B} ({@code [k, n]}): four vectors of columns at a time (eight with vectors
 *     under 16 lanes, {@link #BLOCK_PAIRS}) held in accumulators while
 *     walking down the rows;</li>
 * <li>{@code op(B) = B^T} ({@code B [n, k]}, a {@code Linear} layer's weight): each output is a
 *     dot product of {@code a} with one contiguous row of B, eight rows side by side: one load of
 *     {@code a} serves eight rows, and eight independent FMA chains hide the FMA latency;
 *     the lanes of 16 outputs are then summed together.</li>
 * </ul>
 * Each output's sum runs in one order whatever N: full vectors, then the rest of the depth, then
 * the lanes' fixed-order sum ({@link FloatLanes}, the same bits whether summed alone or in a fold
 * of 16). The rest is a last whole vector that overlaps the one before, its repeated lanes set to
 * zero in both operands (so an infinity there adds no {@code 0 * inf}), or, for a depth under one
 * vector, a masked load. A masked tail per row had cost as much as a short row's whole vectors:
 * Zen 5, one thread, ns, masked / overlapping, (1, 64, 30) 330 / 265 (depth 32: 210), (2, 64, 30)
 * 664 / 400, (4, 84, 120) 2480 / 1800.
 *
 * <p>With B transposed, against OpenBLAS's {@code sgemv} on Zen 5 (one thread, ns per product,
 * best of five windows, ours / OpenBLAS's): 120 x 400 1950 / 2100, 64 x 64 250 / 230, 84 x 120
 * 620 / 410, 64 x 30 300 / 200 (before the overlapping tail); the short rows lose on the lane
 * sums and the tails. Measured and dropped there:
 * <ul>
 * <li>B's transpose packed once into the GEMM's panels ({@link PackedMatrixB}) and read by
 *     {@link PackedRowKernel}, no lane sums: 64 x 30 120 ns, 84 x 120 560, 64 x 64 190, an MLP
 *     30-64-64-2 at batch 1 0.55 against 0.82 us; but only as a copy kept between calls (packing
 *     at every call took about 1 us for 64 x 30), which goes stale when the weights change and which
 *     only a Linear layer would hold, so a "frozen" predictor would mix old and new weights.</li>
 * <li>The tail of {@code a} staged through the lane-sum scratch (a masked load whose vector
 *     passes the end of {@code a}'s segment, the last row of a tensor, takes the Vector API's
 *     lane-by-lane fallback, 5 % of a batch-1 LeNet-5 forward), and the rows of B at the end
 *     of theirs multiplied lane by lane: JMH then measured iterations of a batch-1 LeNet-5
 *     forward allocating 52 to 800 KB each (boxed vectors), 13-106 us against 10.8-11.6.</li>
 * <li>Such a row of {@code a} copied first into a per-thread segment with a vector's room after
 *     it: the MLP's batch-1 forward went from 0.79-0.80 to 1.2-1.7 us, the copy's segment from an
 *     automatic arena or a shared one alike, LeNet-5's stayed at 10.5-11.6; why, not found.</li>
 * <li>Other shapes of the dot-product loop, for a B that lies in L2 (120 x 384, 184 KB: eight rows
 *     1540-1640 ns, some 115 GB/s, where one sequential pass over the same bytes reads 170):
 *     four, twelve or sixteen rows at a time, eight rows two vectors a step, two rows or one row
 *     at a time (so that B is read in order), and a scalar load a step from the next group of
 *     rows to start its lines early. None was faster; one row at a time and the early loads were
 *     slower (2020 and 3700 ns). Eight rows read eight short runs of B at once, and it is their
 *     shortness (25 lines each), not their number, that costs: eight long runs read 163 GB/s.</li>
 * </ul>
 */
final class RowTimesMatrix {

    private static final int COLUMNS = 4 * LANES;
    /** Rows of B taken together when B is transposed. */
    private static final int ROWS = 8;
    /**
     * Outputs whose lane sums are folded together ({@link FloatLanes#sumLanesOfSixteen}): one by
     * one, each sum is a chain of dependent shuffles and adds, and for the short rows of small
     * layers (an MLP's 64 inputs, eight vectors) the sums took longer than the dot products.
     */
    private static final int SUMMED_TOGETHER = 16;
    /**
     * Outputs per part of a split product: whole folds of lane sums when B is transposed, whole
     * blocks of columns when it is not. Each output is summed the same way in any part, so a split
     * changes no bit. One unit for both (the larger, 64 outputs with 16 lanes) had kept a
     * 120-output layer (LeNet-5's first Linear, 120 x 400) on one thread: Zen 4, LeNet-5's three
     * Linear layers at batch 1 on two threads, 3.7-4.2 us per image unsplit against 2.9-3.4 split
     * by folds (best seconds of five JVMs each, builds alternated).
     */
    static int splitUnit(boolean transB) {
        return transB ? SUMMED_TOGETHER : COLUMNS;
    }

    /**
     * The part size below which two rows of A stay together on one thread ({@link #twoRows},
     * reading B once for both) instead of each row being split: LeNet-5's first Linear (120 x
     * 400) at batch 2 on two threads, Zen 4, 1.61-1.72 us per image together against 1.68-1.79
     * split by folds.
     */
    static final int PAIR_SPLIT_UNIT = 4 * LANES;

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
                        eightRows(k, a, aOff, b, bOff + (long) (j + g) * ldb, ldb, lanes, g * LANES);
                    }
                    FloatLanes.sumLanesOfSixteen(lanes);
                    storeSums(lanes, alpha, beta, c, cOff + j);
                }
                for (; j <= n - ROWS; j += ROWS) {
                    eightRows(k, a, aOff, b, bOff + (long) j * ldb, ldb, lanes, 0);
                    sumLanes(lanes, 0, ROWS, alpha, beta, c, cOff + j);
                }
                if (j < n && n >= ROWS) {
                    // the last rows as one group of eight ending at row n: the rows it repeats
                    // come out with the same bits and are not stored again
                    int first = n - ROWS;
                    eightRows(k, a, aOff, b, bOff + (long) first * ldb, ldb, lanes, 0);
                    sumLanes(lanes, j - first, ROWS, alpha, beta, c, cOff + first);
                    return;
                }
                for (; j < n; j++) {
                    oneRow(k, a, aOff, b, bOff + (long) j * ldb, lanes);
                    sumLanes(lanes, 0, 1, alpha, beta, c, cOff + j);
                }
                return;
            }
            for (; j < n; j++) {
                store((float) (alpha * stridedDot(k, a, aOff, aStride, b, bOff + (long) j * ldb)), beta, c, cOff + j);
            }
            return;
        }
        float[] sums = GemmWorkspace.get().tile;        // MR x NR floats, at least the eight vectors of a pair
        int j = 0;
        if (BLOCK_PAIRS) {
            for (; j <= n - 2 * COLUMNS; j += 2 * COLUMNS) {
                fullBlockPair(k, a, aOff, aStride, b, bOff + j, ldb, sums);
                merge(sums, 2 * COLUMNS, alpha, beta, c, cOff + j);
            }
        }
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
     * Whether the sixteen accumulators of {@link #eightRowsOfTwo}, two vectors of A and one of B
     * fit the vector registers (32, AVX-512); with AVX2's 16 they would spill, and the eight rows
     * go as two {@link #fourRowsOfTwo}.
     */
    private static final boolean SIXTEEN_ACCUMULATORS = MicroKernel.FOUR_ROW_TAILS;

    /**
     * {@link #run} with B transposed for two rows of a row-major A ({@code a0}, {@code a1}) into
     * two rows of C ({@code c0}, {@code c1}): each group of eight rows of B is read once for both
     * rows of A, where two calls of {@link #run} read it twice. Every output is summed as by
     * {@link #run}, the same bits.
     */
    static void twoRows(int n, int k, float alpha, MemorySegment a, long a0, long a1, MemorySegment b, long bOff,
                        long ldb, float beta, MemorySegment c, long c0, long c1) {
        float[] lanes = FloatLanes.laneSumScratch();
        int j = 0;
        for (; j <= n - ROWS; j += ROWS) {
            long row = bOff + (long) j * ldb;
            eightRowsOfTwo(k, a, a0, a1, b, row, ldb, lanes);
            if (k < LANES) {
                eightRowsTail(k, a, a0, b, row, ldb, lanes, 0);
                eightRowsTail(k, a, a1, b, row, ldb, lanes, ROWS * LANES);
            }
            FloatLanes.sumLanesOfSixteen(lanes);
            storeEight(lanes, 0, alpha, beta, c, c0 + j);
            storeEight(lanes, ROWS, alpha, beta, c, c1 + j);
        }
        if (j < n) {
            run(false, true, n - j, k, alpha, a, a0, 1, b, bOff + (long) j * ldb, ldb, beta, c, c0 + j);
            run(false, true, n - j, k, alpha, a, a1, 1, b, bOff + (long) j * ldb, ldb, beta, c, c1 + j);
        }
    }

    /**
     * {@link #eightRows} for two rows of A at once, their lanes left in {@code sums[r LANES ..]}
     * (row a0) and {@code sums[(8 + r) LANES ..]} (row a1); a depth under one vector is left to
     * the caller ({@link #eightRowsTail}).
     */
    static void eightRowsOfTwo(int k, MemorySegment a, long a0, long a1, MemorySegment b, long row, long ldb,
                               float[] sums) {
        if (SIXTEEN_ACCUMULATORS) {
            eightRowsOfTwoAtOnce(k, a, a0, a1, b, row, ldb, sums);
        } else {
            fourRowsOfTwo(k, a, a0, a1, b, row, ldb, sums, 0);
            fourRowsOfTwo(k, a, a0, a1, b, row + 4 * ldb, ldb, sums, 4);
        }
    }

    /** {@link #eightRowsOfTwo} with sixteen accumulators. */
    private static void eightRowsOfTwoAtOnce(int k, MemorySegment a, long a0, long a1, MemorySegment b, long row,
                                             long ldb, float[] sums) {
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        FloatVector t0 = s0, t1 = s0, t2 = s0, t3 = s0, t4 = s0, t5 = s0, t6 = s0, t7 = s0;
        long step = ldb * Float.BYTES;
        long x0 = a0 * Float.BYTES;
        long gap = (a1 - a0) * Float.BYTES;
        long end = x0 + (long) (k - k % LANES) * Float.BYTES;
        for (long xa = x0, ba = row * Float.BYTES; xa != end; xa += LANES * Float.BYTES, ba += LANES * Float.BYTES) {
            FloatVector x = FloatVector.fromMemorySegment(SPECIES, a, xa, ORDER);
            FloatVector y = FloatVector.fromMemorySegment(SPECIES, a, xa + gap, ORDER);
            FloatVector v = FloatVector.fromMemorySegment(SPECIES, b, ba, ORDER);
            s0 = v.fma(x, s0);
            t0 = v.fma(y, t0);
            v = FloatVector.fromMemorySegment(SPECIES, b, ba + step, ORDER);
            s1 = v.fma(x, s1);
            t1 = v.fma(y, t1);
            v = FloatVector.fromMemorySegment(SPECIES, b, ba + 2 * step, ORDER);
            s2 = v.fma(x, s2);
            t2 = v.fma(y, t2);
            v = FloatVector.fromMemorySegment(SPECIES, b, ba + 3 * step, ORDER);
            s3 = v.fma(x, s3);
            t3 = v.fma(y, t3);
            v = FloatVector.fromMemorySegment(SPECIES, b, ba + 4 * step, ORDER);
            s4 = v.fma(x, s4);
            t4 = v.fma(y, t4);
            v = FloatVector.fromMemorySegment(SPECIES, b, ba + 5 * step, ORDER);
            s5 = v.fma(x, s5);
            t5 = v.fma(y, t5);
            v = FloatVector.fromMemorySegment(SPECIES, b, ba + 6 * step, ORDER);
            s6 = v.fma(x, s6);
            t6 = v.fma(y, t6);
            v = FloatVector.fromMemorySegment(SPECIES, b, ba + 7 * step, ORDER);
            s7 = v.fma(x, s7);
            t7 = v.fma(y, t7);
        }
        if (k % LANES != 0 && k >= LANES) {
            VectorMask<Float> counted = FloatLanes.firstLanes(LANES - k % LANES);
            FloatVector zero = FloatVector.zero(SPECIES);
            long back = (long) (k - LANES) * Float.BYTES;
            FloatVector x = FloatVector.fromMemorySegment(SPECIES, a, x0 + back, ORDER).blend(zero, counted);
            FloatVector y = FloatVector.fromMemorySegment(SPECIES, a, x0 + back + gap, ORDER).blend(zero, counted);
            long ba = row * Float.BYTES + back;
            FloatVector v = FloatVector.fromMemorySegment(SPECIES, b, ba, ORDER).blend(zero, counted);
            s0 = v.fma(x, s0);
            t0 = v.fma(y, t0);
            v = FloatVector.fromMemorySegment(SPECIES, b, ba + step, ORDER).blend(zero, counted);
            s1 = v.fma(x, s1);
            t1 = v.fma(y, t1);
            v = FloatVector.fromMemorySegment(SPECIES, b, ba + 2 * step, ORDER).blend(zero, counted);
            s2 = v.fma(x, s2);
            t2 = v.fma(y, t2);
            v = FloatVector.fromMemorySegment(SPECIES, b, ba + 3 * step, ORDER).blend(zero, counted);
            s3 = v.fma(x, s3);
            t3 = v.fma(y, t3);
            v = FloatVector.fromMemorySegment(SPECIES, b, ba + 4 * step, ORDER).blend(zero, counted);
            s4 = v.fma(x, s4);
            t4 = v.fma(y, t4);
            v = FloatVector.fromMemorySegment(SPECIES, b, ba + 5 * step, ORDER).blend(zero, counted);
            s5 = v.fma(x, s5);
            t5 = v.fma(y, t5);
            v = FloatVector.fromMemorySegment(SPECIES, b, ba + 6 * step, ORDER).blend(zero, counted);
            s6 = v.fma(x, s6);
            t6 = v.fma(y, t6);
            v = FloatVector.fromMemorySegment(SPECIES, b, ba + 7 * step, ORDER).blend(zero, counted);
            s7 = v.fma(x, s7);
            t7 = v.fma(y, t7);
        }
        s0.intoArray(sums, 0);
        s1.intoArray(sums, LANES);
        s2.intoArray(sums, 2 * LANES);
        s3.intoArray(sums, 3 * LANES);
        s4.intoArray(sums, 4 * LANES);
        s5.intoArray(sums, 5 * LANES);
        s6.intoArray(sums, 6 * LANES);
        s7.intoArray(sums, 7 * LANES);
        t0.intoArray(sums, 8 * LANES);
        t1.intoArray(sums, 9 * LANES);
        t2.intoArray(sums, 10 * LANES);
        t3.intoArray(sums, 11 * LANES);
        t4.intoArray(sums, 12 * LANES);
        t5.intoArray(sums, 13 * LANES);
        t6.intoArray(sums, 14 * LANES);
        t7.intoArray(sums, 15 * LANES);
    }

    /**
     * Half of {@link #eightRowsOfTwo} for 16 vector registers (eight accumulators, two vectors of
     * A and one of B): rows {@code first .. first + 3} of the group of eight from {@code row},
     * their lanes left where {@link #eightRowsOfTwo} leaves them, the same FMAs in the same order.
     * Six loads for eight multiply-adds, where a row of A alone ({@link #eightRows}) takes nine.
     * Zen 3 (8 lanes), one thread, ns, B transposed, row by row / in pairs: (2, 64, 30) 662 / 565,
     * (4, 64, 64) 1618 / 1230, (4, 84, 120) 3600 / 2572, (2, 120, 400) 6800 / 4020, (8, 120, 400)
     * 27200 / 16100; and the column pairs of {@link FewColumnProduct}, column by column / in pairs:
     * (512, 4, 64) 13800 / 10800, (2048, 2, 30) 22700 / 19300, (64, 2, 64) 868 / 678.
     */
    static void fourRowsOfTwo(int k, MemorySegment a, long a0, long a1, MemorySegment b, long row, long ldb,
                              float[] sums, int first) {
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
        long step = ldb * Float.BYTES;
        long x0 = a0 * Float.BYTES;
        long gap = (a1 - a0) * Float.BYTES;
        long end = x0 + (long) (k - k % LANES) * Float.BYTES;
        for (long xa = x0, ba = row * Float.BYTES; xa != end; xa += LANES * Float.BYTES, ba += LANES * Float.BYTES) {
            FloatVector x = FloatVector.fromMemorySegment(SPECIES, a, xa, ORDER);
            FloatVector y = FloatVector.fromMemorySegment(SPECIES, a, xa + gap, ORDER);
            FloatVector v = FloatVector.fromMemorySegment(SPECIES, b, ba, ORDER);
            s0 = v.fma(x, s0);
            t0 = v.fma(y, t0);
            v = FloatVector.fromMemorySegment(SPECIES, b, ba + step, ORDER);
            s1 = v.fma(x, s1);
            t1 = v.fma(y, t1);
            v = FloatVector.fromMemorySegment(SPECIES, b, ba + 2 * step, ORDER);
            s2 = v.fma(x, s2);
            t2 = v.fma(y, t2);
            v = FloatVector.fromMemorySegment(SPECIES, b, ba + 3 * step, ORDER);
            s3 = v.fma(x, s3);
            t3 = v.fma(y, t3);
        }
        if (k % LANES != 0 && k >= LANES) {
            VectorMask<Float> counted = FloatLanes.firstLanes(LANES - k % LANES);
            FloatVector zero = FloatVector.zero(SPECIES);
            long back = (long) (k - LANES) * Float.BYTES;
            FloatVector x = FloatVector.fromMemorySegment(SPECIES, a, x0 + back, ORDER).blend(zero, counted);
            FloatVector y = FloatVector.fromMemorySegment(SPECIES, a, x0 + back + gap, ORDER).blend(zero, counted);
            long ba = row * Float.BYTES + back;
            FloatVector v = FloatVector.fromMemorySegment(SPECIES, b, ba, ORDER).blend(zero, counted);
            s0 = v.fma(x, s0);
            t0 = v.fma(y, t0);
            v = FloatVector.fromMemorySegment(SPECIES, b, ba + step, ORDER).blend(zero, counted);
            s1 = v.fma(x, s1);
            t1 = v.fma(y, t1);
            v = FloatVector.fromMemorySegment(SPECIES, b, ba + 2 * step, ORDER).blend(zero, counted);
            s2 = v.fma(x, s2);
            t2 = v.fma(y, t2);
            v = FloatVector.fromMemorySegment(SPECIES, b, ba + 3 * step, ORDER).blend(zero, counted);
            s3 = v.fma(x, s3);
            t3 = v.fma(y, t3);
        }
        s0.intoArray(sums, first * LANES);
        s1.intoArray(sums, (first + 1) * LANES);
        s2.intoArray(sums, (first + 2) * LANES);
        s3.intoArray(sums, (first + 3) * LANES);
        t0.intoArray(sums, (ROWS + first) * LANES);
        t1.intoArray(sums, (ROWS + first + 1) * LANES);
        t2.intoArray(sums, (ROWS + first + 2) * LANES);
        t3.intoArray(sums, (ROWS + first + 3) * LANES);
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
     * Whether blocks of columns go two at a time ({@link #fullBlockPair}): with vectors narrower
     * than 16 lanes, one block reads 128 bytes or less of each row of B, and rows a stride apart
     * in pieces of two cache lines stream poorly. Zen 4, (1, 1024, 512), B 2 MB, GFLOP/s: 30.1
     * with 16 lanes (256 bytes per row), 17.2 with 8 ({@code -XX:UseAVX=2}) and 16.0 with 8 lanes
     * and 32 registers ({@code -XX:MaxVectorSize=32}): the bytes per row, not the registers.
     */
    private static final boolean BLOCK_PAIRS = LANES < 16;

    /**
     * {@link #fullBlock} for 128 columns (eight accumulators): each output's sum is the same
     * chain of multiply-adds, so the same bits.
     */
    private static void fullBlockPair(int k, MemorySegment a, long aOff, long aStride, MemorySegment b, long row, long ldb,
                                      float[] sums) {
        FloatVector s0 = FloatVector.zero(FloatLanes.SPECIES), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        for (int p = 0; p < k; p++, row += ldb) {
            FloatVector x = FloatVector.broadcast(FloatLanes.SPECIES, FloatLanes.get(a, aOff + p * aStride));
            s0 = x.fma(FloatVector.fromMemorySegment(SPECIES, b, row * Float.BYTES, ORDER), s0);
            s1 = x.fma(FloatVector.fromMemorySegment(SPECIES, b, (row + LANES) * Float.BYTES, ORDER), s1);
            s2 = x.fma(FloatVector.fromMemorySegment(SPECIES, b, (row + 2 * LANES) * Float.BYTES, ORDER), s2);
            s3 = x.fma(FloatVector.fromMemorySegment(SPECIES, b, (row + 3 * LANES) * Float.BYTES, ORDER), s3);
            s4 = x.fma(FloatVector.fromMemorySegment(SPECIES, b, (row + 4 * LANES) * Float.BYTES, ORDER), s4);
            s5 = x.fma(FloatVector.fromMemorySegment(SPECIES, b, (row + 5 * LANES) * Float.BYTES, ORDER), s5);
            s6 = x.fma(FloatVector.fromMemorySegment(SPECIES, b, (row + 6 * LANES) * Float.BYTES, ORDER), s6);
            s7 = x.fma(FloatVector.fromMemorySegment(SPECIES, b, (row + 7 * LANES) * Float.BYTES, ORDER), s7);
        }
        s0.intoArray(sums, 0);
        s1.intoArray(sums, LANES);
        s2.intoArray(sums, 2 * LANES);
        s3.intoArray(sums, 3 * LANES);
        s4.intoArray(sums, 4 * LANES);
        s5.intoArray(sums, 5 * LANES);
        s6.intoArray(sums, 6 * LANES);
        s7.intoArray(sums, 7 * LANES);
    }

    /**
     * Dot products of {@code a[0, k)} with the {@link #ROWS} rows of B from {@code row}, their
     * lanes left in {@code sums[at + r LANES, at + (r + 1) LANES)}. Eight rows, so that eight
     * independent FMA chains cover the FMA latency (with four, each iteration waited for the
     * previous one's FMAs) and one call's fixed cost serves eight outputs; ten vectors live, which
     * AVX2's sixteen registers hold. The loop steps byte offsets to an exact end ({@code !=}),
     * which C2 does not take for a counted loop: it neither unrolls it (unrolled, the live vectors
     * spilled to the stack) nor hoists the segments' range checks into a preamble, which cost more
     * than the loop itself for the few iterations of small layers. The masked tail of a depth under
     * one vector is a method of its own: in this one, C1 gave up on the method ("out of virtual
     * registers") and it stayed in a boxing tier. The overlapping last vector, unmasked loads and
     * blends, compiles here at every tier ({@code -XX:+PrintCompilation}).
     *
     * <p>Measured against this form on Zen 4 (16 lanes, one thread, microseconds for n outputs of
     * depth k, this form first; one JVM each for the first two, best of three or four after): a
     * counted {@code int} loop, 64 x 120 0.86 / 1.53, 112 x 400 2.11 / 3.41, 64 x 64 0.43 / 0.71;
     * {@code a} copied once into a heap array, 1.17, 3.05, 0.72; four rows by two vectors of
     * depth, 112 x 384 1.95 / 2.22 (80 x 128
     * 0.81 / 0.69, 64 x 64 0.38 / 0.36); the tail in registers from unmasked loads and blends,
     * 80 x 120 0.79 / 0.72, 64 x 30 0.42 / 0.40, inside the machine's noise; that and the first
     * three levels of the lane sums in registers too, 64 x 64 0.33 / 0.38, 112 x 400 1.93 / 2.11.
     * OpenBLAS's {@code sgemv} on the same machine: 120 x 400 1.97 against 2.64 through
     * {@code Gemm.sgemm}, 84 x 120 0.65 against 1.24, 64 x 64 0.30 against 0.41, 64 x 30 0.79
     * against 0.53; 120 x 400 (192 KB, from L2) is bound by L2 bandwidth for both.
     */
    static void eightRows(int k, MemorySegment a, long aOff, MemorySegment b, long row, long ldb, float[] sums,
                          int at) {
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        long step = ldb * Float.BYTES;
        long x0 = aOff * Float.BYTES;
        int full = k - k % LANES;
        long end = x0 + (long) full * Float.BYTES;
        for (long xa = x0, ba = row * Float.BYTES; xa != end; xa += LANES * Float.BYTES, ba += LANES * Float.BYTES) {
            FloatVector x = FloatVector.fromMemorySegment(SPECIES, a, xa, ORDER);
            s0 = FloatVector.fromMemorySegment(SPECIES, b, ba, ORDER).fma(x, s0);
            s1 = FloatVector.fromMemorySegment(SPECIES, b, ba + step, ORDER).fma(x, s1);
            s2 = FloatVector.fromMemorySegment(SPECIES, b, ba + 2 * step, ORDER).fma(x, s2);
            s3 = FloatVector.fromMemorySegment(SPECIES, b, ba + 3 * step, ORDER).fma(x, s3);
            s4 = FloatVector.fromMemorySegment(SPECIES, b, ba + 4 * step, ORDER).fma(x, s4);
            s5 = FloatVector.fromMemorySegment(SPECIES, b, ba + 5 * step, ORDER).fma(x, s5);
            s6 = FloatVector.fromMemorySegment(SPECIES, b, ba + 6 * step, ORDER).fma(x, s6);
            s7 = FloatVector.fromMemorySegment(SPECIES, b, ba + 7 * step, ORDER).fma(x, s7);
        }
        if (full < k && k >= LANES) {
            VectorMask<Float> counted = FloatLanes.firstLanes(LANES - (k - full));
            FloatVector zero = FloatVector.zero(SPECIES);
            long back = (long) (k - LANES) * Float.BYTES;
            FloatVector x = FloatVector.fromMemorySegment(SPECIES, a, x0 + back, ORDER).blend(zero, counted);
            long ba = row * Float.BYTES + back;
            s0 = FloatVector.fromMemorySegment(SPECIES, b, ba, ORDER).blend(zero, counted).fma(x, s0);
            s1 = FloatVector.fromMemorySegment(SPECIES, b, ba + step, ORDER).blend(zero, counted).fma(x, s1);
            s2 = FloatVector.fromMemorySegment(SPECIES, b, ba + 2 * step, ORDER).blend(zero, counted).fma(x, s2);
            s3 = FloatVector.fromMemorySegment(SPECIES, b, ba + 3 * step, ORDER).blend(zero, counted).fma(x, s3);
            s4 = FloatVector.fromMemorySegment(SPECIES, b, ba + 4 * step, ORDER).blend(zero, counted).fma(x, s4);
            s5 = FloatVector.fromMemorySegment(SPECIES, b, ba + 5 * step, ORDER).blend(zero, counted).fma(x, s5);
            s6 = FloatVector.fromMemorySegment(SPECIES, b, ba + 6 * step, ORDER).blend(zero, counted).fma(x, s6);
            s7 = FloatVector.fromMemorySegment(SPECIES, b, ba + 7 * step, ORDER).blend(zero, counted).fma(x, s7);
        }
        s0.intoArray(sums, at);
        s1.intoArray(sums, at + LANES);
        s2.intoArray(sums, at + 2 * LANES);
        s3.intoArray(sums, at + 3 * LANES);
        s4.intoArray(sums, at + 4 * LANES);
        s5.intoArray(sums, at + 5 * LANES);
        s6.intoArray(sums, at + 6 * LANES);
        s7.intoArray(sums, at + 7 * LANES);
        if (k < LANES) {
            eightRowsTail(k, a, aOff, b, row, ldb, sums, at);
        }
    }

    /**
     * A depth {@code k} under one vector for {@link #eightRows}, added to the sums it left: each
     * row is read as a whole vector and its lanes from {@code k} on set to zero, as a masked load
     * leaves them (the same FMAs, so the same bits). A masked load per row cost as much as the rest
     * of a short row (each one unboxed the mask again and took its own slow path); the whole
     * vectors are read unmasked only where the last one ends inside B's segment.
     */
    static void eightRowsTail(int k, MemorySegment a, long aOff, MemorySegment b, long row, long ldb, float[] sums,
                              int at) {
        VectorMask<Float> m = FloatLanes.firstLanes(k);
        FloatVector x = FloatVector.fromMemorySegment(SPECIES, a, aOff * Float.BYTES, ORDER, m);
        long ba = row * Float.BYTES;
        long step = ldb * Float.BYTES;
        if (ba + (ROWS - 1) * step + SPECIES.vectorByteSize() > b.byteSize()) {
            for (int r = 0; r < ROWS; r++) {
                int s = at + r * LANES;
                FloatVector.fromMemorySegment(SPECIES, b, ba + r * step, ORDER, m)
                        .fma(x, FloatVector.fromArray(SPECIES, sums, s)).intoArray(sums, s);
            }
            return;
        }
        FloatVector zero = FloatVector.zero(SPECIES);
        VectorMask<Float> past = m.not();
        for (int r = 0; r < ROWS; r++) {
            int s = at + r * LANES;
            FloatVector.fromMemorySegment(SPECIES, b, ba + r * step, ORDER).blend(zero, past)
                    .fma(x, FloatVector.fromArray(SPECIES, sums, s)).intoArray(sums, s);
        }
    }

    /** {@link #eightRows} for one row, in the same order. */
    static void oneRow(int k, MemorySegment a, long aOff, MemorySegment b, long row, float[] sums) {
        FloatVector s0 = FloatVector.zero(SPECIES);
        int p = 0;
        for (; p <= k - LANES; p += LANES) {
            s0 = FloatVector.fromMemorySegment(SPECIES, b, (row + p) * Float.BYTES, ORDER)
                    .fma(FloatVector.fromMemorySegment(SPECIES, a, (aOff + p) * Float.BYTES, ORDER), s0);
        }
        if (p < k && k >= LANES) {
            VectorMask<Float> counted = FloatLanes.firstLanes(LANES - (k - p));
            FloatVector zero = FloatVector.zero(SPECIES);
            s0 = FloatVector.fromMemorySegment(SPECIES, b, (row + k - LANES) * Float.BYTES, ORDER).blend(zero, counted)
                    .fma(FloatVector.fromMemorySegment(SPECIES, a, (aOff + k - LANES) * Float.BYTES, ORDER)
                            .blend(zero, counted), s0);
        } else if (p < k) {
            VectorMask<Float> m = FloatLanes.firstLanes(k - p);
            s0 = FloatVector.fromMemorySegment(SPECIES, b, (row + p) * Float.BYTES, ORDER, m)
                    .fma(FloatVector.fromMemorySegment(SPECIES, a, (aOff + p) * Float.BYTES, ORDER, m), s0);
        }
        s0.intoArray(sums, 0);
    }

    /**
     * {@code c[r] = alpha (sum of the lanes of sums[r LANES, (r + 1) LANES)) + beta c[r]} for
     * {@code from <= r < rows}, the lanes summed in vectors in the fixed order of
     * {@link FloatLanes} (done in scalar code, the lane sums took longer than the dot products).
     */
    private static void sumLanes(float[] sums, int from, int rows, float alpha, float beta, MemorySegment c, long cOff) {
        sumLanes(sums, from, rows, alpha, beta, c, cOff, 1);
    }

    /** {@link #sumLanes} into every {@code stride}-th float of c from {@code cOff}: c's row r at {@code cOff + r stride}. */
    static void sumLanes(float[] sums, int from, int rows, float alpha, float beta, MemorySegment c, long cOff,
                         long stride) {
        for (int r = from; r < rows; r++) {
            FloatVector v = FloatVector.fromArray(SPECIES, sums, r * LANES);
            // the lanes in a fixed order (see FloatLanes); a step not below LANES is left out
            if (LANES > 8) { v = v.add(v.rearrange(FloatLanes.PAIR_8)); }
            if (LANES > 4) { v = v.add(v.rearrange(FloatLanes.PAIR_4)); }
            if (LANES > 2) { v = v.add(v.rearrange(FloatLanes.PAIR_2)); }
            v = v.add(v.rearrange(FloatLanes.PAIR_1));
            store(alpha * v.lane(0), beta, c, cOff + r * stride);
        }
    }

    /**
     * {@code c[r] = alpha lanes[r] + beta c[r]} for the {@value #SUMMED_TOGETHER} sums that
     * {@link FloatLanes#sumLanesOfSixteen} leaves, a vector at a time: the same operations as
     * {@link #store}, so the same bits. Read and stored float by float, 64 outputs of depth 16
     * took 210 ns, and 180 a vector at a time (Zen 5, one thread).
     */
    private static void storeSums(float[] lanes, float alpha, float beta, MemorySegment c, long cOff) {
        for (int r = 0; r < SUMMED_TOGETHER; r += LANES) {
            FloatVector v = FloatVector.fromArray(SPECIES, lanes, r).mul(alpha);
            long at = (cOff + r) * Float.BYTES;
            if (beta != 0f) {
                v = v.add(FloatVector.fromMemorySegment(SPECIES, c, at, ORDER).mul(beta));
            }
            v.intoMemorySegment(c, at, ORDER);
        }
    }

    private static final VectorSpecies<Float> EIGHT = FloatVector.SPECIES_256;

    /**
     * {@code c[r] = alpha lanes[from + r] + beta c[r]} for eight sums of {@link #twoRows}, as one
     * 8-lane vector (two of the machine's where its vectors are narrower, as NEON's: a 256-bit
     * vector there runs in the Vector API's Java fallback): the operations of {@link #store}, the
     * same bits.
     */
    private static void storeEight(float[] lanes, int from, float alpha, float beta, MemorySegment c, long cOff) {
        VectorSpecies<Float> species = LANES >= ROWS ? EIGHT : SPECIES;
        for (int r = 0; r < ROWS; r += species.length()) {
            FloatVector v = FloatVector.fromArray(species, lanes, from + r).mul(alpha);
            long at = (cOff + r) * Float.BYTES;
            if (beta != 0f) {
                v = v.add(FloatVector.fromMemorySegment(species, c, at, ORDER).mul(beta));
            }
            v.intoMemorySegment(c, at, ORDER);
        }
    }

    /** {@code c = v + beta c}, where {@code beta = 0} ignores c (it may hold NaN). */
    static void store(float v, float beta, MemorySegment c, long at) {
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
