package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.FloatLanes.LANES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;

/**
 * {@code C = alpha A op(B) + beta C} for an op(B) of a few columns, each a contiguous run of k
 * floats (a {@code Linear} layer of few outputs, {@code B [n, k]} transposed: a classifier's or a
 * regression head's last layer): every output is the dot product of a row of A with a column of
 * op(B), {@link RowTimesMatrix}'s transposed-B kernel with the roles of the operands swapped. A
 * column of op(B) is the vector operand and sixteen rows of A the streamed ones, so one load of B
 * serves sixteen outputs and the lanes of sixteen outputs are summed together.
 *
 * <p>The register-blocked kernels compute tiles two vectors wide: with 2 columns, 30 of every 32
 * products they computed were thrown away ((512, 2, 64) with B transposed took 15.9 us, 8 GFLOP/s,
 * on Zen 5 at one thread). Each output is summed in the order of {@link RowTimesMatrix}'s transposed
 * B (full vectors, the rest of the depth, the lanes' fixed-order sum), so with B transposed a row of C
 * has the same bits as the same row computed alone at batch 1.
 */
final class FewColumnProduct {

    /**
     * The most columns taken here: up to four, a column's dot products cost less than the
     * register-blocked tiles, whose cost does not depend on how many of their 32 columns are used.
     * Zen 5, one thread, B transposed, us, tiles / here: (512, 1, 64) 23.6 / 2.2, (2048, 1, 30)
     * 32.2 / 11.5, (512, 2, 64) 15.6 / 4.4, (64, 2, 64) 2.5 / 0.5, (512, 4, 64) 16.9 / 8.8; about
     * even at 6 to 8 columns ((512, 8, 64) 17.4 / 18.7), and behind beyond ((512, 10, 84) 20.5 /
     * 40.7, (512, 16, 64) 13.9 / 37.1).
     */
    static final int MAX_COLUMNS = 4;

    /** Rows of C whose lane sums are folded together ({@link FloatLanes#sumLanesOfSixteen}). */
    private static final int ROWS_TOGETHER = 16;
    /** Rows of C per part of a split product. */
    static final int SPLIT_UNIT = ROWS_TOGETHER;

    private FewColumnProduct() {
    }

    /**
     * Whether {@code op(A) op(B)} takes this path: A not transposed (its rows contiguous), at most
     * {@link #MAX_COLUMNS} columns, each column of op(B) contiguous: B transposed, or a single
     * column with {@code ldb = 1}.
     */
    static boolean applies(boolean transA, boolean transB, int n, long ldb) {
        return !transA && n <= MAX_COLUMNS && (transB || n == 1 && ldb == 1);
    }

    /**
     * Rows {@code [from, to)} of C. Column j of op(B) starts at element {@code bOff + j ldb} of b
     * when B is transposed (the only case with more than one column).
     */
    static void run(int from, int to, int n, int k, float alpha, MemorySegment a, long aOff, long lda, MemorySegment b,
                    long bOff, long ldb, float beta, MemorySegment c, long cOff, long ldc) {
        float[] lanes = FloatLanes.laneSumScratch();
        int j = 0;
        for (; j + 1 < n; j += 2) {
            columnPair(from, to, j, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, lanes);
        }
        for (; j < n; j++) {
            long column = bOff + j * ldb;
            long cj = cOff + j;
            int i = from;
            for (; i <= to - ROWS_TOGETHER; i += ROWS_TOGETHER) {
                RowTimesMatrix.eightRows(k, b, column, a, aOff + i * lda, lda, lanes, 0);
                RowTimesMatrix.eightRows(k, b, column, a, aOff + (i + 8) * lda, lda, lanes, 8 * LANES);
                FloatLanes.sumLanesOfSixteen(lanes);
                for (int r = 0; r < ROWS_TOGETHER; r++) {
                    RowTimesMatrix.store(alpha * lanes[r], beta, c, cj + (i + r) * ldc);
                }
            }
            for (; i <= to - 8; i += 8) {
                RowTimesMatrix.eightRows(k, b, column, a, aOff + i * lda, lda, lanes, 0);
                RowTimesMatrix.sumLanes(lanes, 0, 8, alpha, beta, c, cj + i * ldc, ldc);
            }
            if (i < to && to - from >= 8) {
                // the last rows as one group of eight ending at row to: the rows it repeats come
                // out with the same bits and are not stored again (beta would apply twice)
                int first = to - 8;
                RowTimesMatrix.eightRows(k, b, column, a, aOff + first * lda, lda, lanes, 0);
                RowTimesMatrix.sumLanes(lanes, i - first, 8, alpha, beta, c, cj + first * ldc, ldc);
                continue;
            }
            for (; i < to; i++) {
                RowTimesMatrix.oneRow(k, b, column, a, aOff + i * lda, lanes);
                RowTimesMatrix.sumLanes(lanes, 0, 1, alpha, beta, c, cj + i * ldc, ldc);
            }
        }
    }

    /**
     * Columns j and j + 1 of rows {@code [from, to)} ({@link RowTimesMatrix#eightRowsOfTwo}): eight
     * rows of A read once for both columns,
     * where column by column A came from the L2 once per column. The rows short of a group of
     * eight one by one. The same sums as {@link #run}'s column by column, the same bits. Zen 5,
     * one thread, B transposed, us, column by column / in pairs: (512, 4, 64) 8.8-10.0 / 6.1,
     * (512, 3, 84) 12.3 / 8.5, (2048, 2, 30) 22.8 / 18.7.
     */
    private static void columnPair(int from, int to, int j, int k, float alpha, MemorySegment a, long aOff, long lda,
                                   MemorySegment b, long bOff, long ldb, float beta, MemorySegment c, long cOff,
                                   long ldc, float[] lanes) {
        long first = bOff + j * ldb;
        long second = first + ldb;
        int i = from;
        for (; i <= to - 8; i += 8) {
            long rows = aOff + i * lda;
            RowTimesMatrix.eightRowsOfTwo(k, b, first, second, a, rows, lda, lanes);
            if (k < LANES) {
                RowTimesMatrix.eightRowsTail(k, b, first, a, rows, lda, lanes, 0);
                RowTimesMatrix.eightRowsTail(k, b, second, a, rows, lda, lanes, 8 * LANES);
            }
            FloatLanes.sumLanesOfSixteen(lanes);
            for (int r = 0; r < 8; r++) {
                long at = cOff + (i + r) * ldc + j;
                RowTimesMatrix.store(alpha * lanes[r], beta, c, at);
                RowTimesMatrix.store(alpha * lanes[8 + r], beta, c, at + 1);
            }
        }
        for (; i < to; i++) {
            for (int q = 0; q < 2; q++) {
                RowTimesMatrix.oneRow(k, b, first + q * ldb, a, aOff + i * lda, lanes);
                RowTimesMatrix.sumLanes(lanes, 0, 1, alpha, beta, c, cOff + i * ldc + j + q, 1);
            }
        }
    }
}
