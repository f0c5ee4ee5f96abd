package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.gemm.BlockSizes.KC;
import static dev.panamax.kernels.gemm.BlockSizes.MC;
import static dev.panamax.kernels.gemm.BlockSizes.MR;
import static dev.panamax.kernels.gemm.BlockSizes.NC;
import static dev.panamax.kernels.gemm.BlockSizes.NR;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.parallel.WorkerPool;

/**
 * Single-precision GEMM in Java: {@code C = alpha op(A) op(B) + beta C}, row-major, with
 * {@code op(X) = X} or {@code X^T} chosen per operand, leading dimensions and element offsets,
 * as CBLAS's {@code cblas_sgemm(CblasRowMajor, ...)}.
 *
 * <p>Structure after BLIS: blocks of B ({@code KC x NC}) and A ({@code MC x KC}) are packed into
 * micro-panels ({@link PackedPanelB}, {@link PackedPanelA}; A only when the block is wide enough
 * to repay it, see {@link #PACK_A_MIN_COLUMNS}) and one register-blocked {@link MicroKernel} runs
 * over every MR x NR tile. Sizes, chosen for the machine, and their reasons: {@link GemmBlocking}.
 * A single row of A ({@code M = 1}, a matrix-vector product in disguise), or a few
 * ({@link #rowByRow}), takes a streaming path ({@link RowTimesMatrix}) that reads B once at
 * memory speed, and small products a path that packs
 * nothing ({@link SmallGemm}), as do skinny ones (few rows of A against a wide B,
 * {@link SmallGemm#skinny}), split by columns when large. Large products are split over the
 * {@link WorkerPool}: by column ranges when N is wide, else by row ranges (segments of a confined
 * arena stay on the calling thread).
 */
public final class Sgemm {

    /**
     * Up to this many multiply-adds (64^3 included, a few microseconds of work) a product runs on
     * the calling thread: forking costs more. With the spinning worker pool, two threads measured
     * 198 GFLOP/s at 128^3 (101 on one) and (64,120,400) 147 against 82. At 1M (an earlier bound)
     * LeNet-5's first Linear at batch 8, (8, 120, 400) with B transposed, ran on one thread for 31
     * of a 154-us forward; at 256K (Zen 3, two threads, builds alternated, minima): LeNet-5
     * inference at batch 8 19.6-20.0 -> 16.4-16.5 us per image, 64^3 7.7-8.0 -> 5.8-6.6 us, a
     * LeNet-5 training step 3.38-3.48 -> 3.06-3.09 ms. On Zen 5, whose cores do a 64^3 product
     * in 2.5 us, a forked 64^3 cost more than it saved: the MLP 30-64-64-2 training step (its
     * hidden Linear's forward is (64, 64, 64) with B transposed) took 56.4-56.9 us on two threads
     * against 29.2-29.4 on one, 43.9 with the workers spinning ten times longer (so part of it is
     * waking a parked worker, part the split itself); with 64^3 on the calling thread, 29.9 on
     * two, and the LeNet-5 step unchanged (1.71 +- 0.41 -> 1.77 +- 0.50 ms on two threads, 2.26 ->
     * 2.30 on one).
     */
    static final long PARALLEL_THRESHOLD = (1L << 18) + 1;

    /**
     * A row times a matrix (batch-1 inference) is split over the pool, by ranges of outputs, from
     * this many elements of B (32 KB, an L1): the product is bound by reading B, and each core
     * then reads its own part through its own caches. Every output is summed as unsplit, so the
     * result is the same bit for bit. LeNet-5 at batch 1 on two threads: its first Linear (120 x
     * 400) 22.6-25.0 -> 20.8-21.6 us per forward (Zen 3, builds alternated); with the threshold
     * lowered from 32K elements to 8K, its second (84 x 120) too, the three Linear layers 3.1-3.5
     * -> 2.7-3.5 us per image, medians of seven JVMs 3.39 -> 3.06 (Zen 4).
     */
    static final long ROW_PARALLEL_THRESHOLD = 1L << 13;

    /**
     * Products of at most this many rows (op(B) = B^T, a {@code Linear} layer's {@code x W^T}) run
     * as row-times-matrix products ({@link RowTimesMatrix}), B read in place, two rows of A per
     * pass over B ({@link RowTimesMatrix#twoRows}): below the
     * 8 and 12 rows of the unpacked kernels ({@link SmallGemm}), the packed path packed all of B
     * for a few rows of A. Zen 5, one thread, microseconds packed / one row at a time / two rows
     * at a time: (2, 120, 400) 11.5 / 3.9 / 2.2, (4, 120, 400) 13.2 / 7.8 / 4.3, (8, 120, 400)
     * 14.4-16.2 / 15.9 / 10.3, (12, 120, 400) 15.3 / - / 11.5, (20, 120, 400) 20.2 / - / 20.0;
     * (2, 84, 120) 3.7 / 1.4 / 1.4, (8, 84, 120) 4.6-6.3 / 5.3 / 6.2, (12, 84, 120) 4.5 / - / 6.4
     * (OpenBLAS's small-matrix kernels: (2, 120, 400) 1.8, (4, 120, 400) 1.9). A LeNet-5 forward in
     * Java, us per image at batch 1 / 2 / 4 / 32: 11.0 / 16.8 / 12.2 / 8.3 packed, 11.6 / 11.0 /
     * 10.9 / 9.2 one row at a time. Each row's outputs are the same bits as at batch 1. Fewer
     * rows for shallow products with 16 lanes: {@link #DEPTH_PER_ROW_BY_ROW}.
     */
    static final int ROWS_BY_ROW_TRANSPOSED_B = 8;

    /**
     * With 16 lanes, where B's transpose is packed in squares ({@link TransposedSquare}), a
     * product with B transposed runs row by row only while each row of A brings more than this
     * many steps of depth: packing costs the same for any number of rows, about 0.2 ns per element
     * of B, and a row by row pass over B costs a few ns per output besides its multiply-adds
     * (the lane sums). Zen 5, one thread, ns, row by row / packed: n = 64: (2, k = 32) 305 / 411,
     * (3, 32) 507 / 417, (3, 48) 542 / 599, (4, 48) 655 / 599, (4, 64) 703 / 762, (6, 64) 1065 /
     * 991, (8, 96) 1593 / 1447, (8, 128) 1763 / 1973; n = 120: (2, 32) 566 / 891, (3, 32) 939 /
     * 887, (4, 64) 1289 / 1719, (8, 64) 2604 / 2157, (8, 96) 3131 / 3134; (4, 120, 400) 4852 /
     * 12371. The squares need 16 columns and 16 steps; below either the copy goes float by float
     * ((4, 10, 84) 428 / 1088). With 8 lanes (squares of eight, rows in pairs) the rule is
     * unmeasured, and up to {@link #ROWS_BY_ROW_TRANSPOSED_B} rows run row by row.
     */
    static final int DEPTH_PER_ROW_BY_ROW = 12;
    /**
     * As {@link #ROWS_BY_ROW_TRANSPOSED_B} for op(B) = B, one row at a time: (2, 400, 120) 9.9 /
     * 5.1, (3, 400, 120) 8.3 / 7.0, (4, 400, 120) 9.0 / 9.7 us.
     */
    static final int ROWS_BY_ROW = 3;

    /**
     * A block of A is packed only when it serves at least this many columns of B (four
     * micro-panels); narrower products read A in place ({@link MicroKernel#runInPlace}). Measured
     * on Zen 4 with 12-row tiles, GFLOP/s with packing from 256 / from 128 / never: 128^3 92.7 /
     * 85.1 / 92.7, 512^3 102.9 / 102.8 / 97.8, (32,1024,512) 77.8 / 77.5 / 74.0, (3136,64,576)
     * 97.4 / 97.1 / 97.6, so from 256. On Zen 5, once the 12-row panels were packed in registers
     * ({@link TransposedSquare#panelOfA}), from 256 / from 128 / never, one thread: 128^3 175-177
     * / 180-184 / 179, (128,128,512) 179-182 / 184-193 / 185-194, (200,160,300) 179 / 185,
     * (512,128,512) 192 / 197-199, (3136,64,576) 190-192 / - / 173-179; 128^3 on two threads
     * even. With 4-row tiles (16 vector registers) A is always packed: read in place,
     * each of a step's four broadcasts carries a segment bounds check that C2 does not hoist, and
     * the loop issues 33 instructions for its 8 FMAs (20 from a packed panel), so the front end,
     * not the FMA units, sets the pace. Zen 3 (8 lanes), one thread, GFLOP/s of the fastest 100-ms
     * windows in place / packed: 128^3 55-56 / 67-68, (3136,64,576) 50-53 / 59-61, (32,1024,512)
     * 58-60 / 60-62, 64^3 51-54 / 52-53; OpenBLAS 72, 61-62, 65-67 and 47-60 in the same sitting.
     */
    static final int PACK_A_MIN_COLUMNS = MicroKernel.FOUR_ROW_TAILS ? 128 : 0;

    private Sgemm() {
    }

    /**
     * Computes {@code C = alpha op(A) op(B) + beta C}.
     *
     * @param m    rows of op(A) and C
     * @param n    columns of op(B) and C
     * @param k    columns of op(A), rows of op(B)
     * @param a    A: {@code [m, k]} row-major, or {@code [k, m]} when {@code transA}; row stride {@code lda}
     * @param b    B: {@code [k, n]}, or {@code [n, k]} when {@code transB}; row stride {@code ldb}
     * @param beta 0 means C is only written (its old values, NaN included, are ignored)
     * @param c    C: {@code [m, n]} with row stride {@code ldc}
     * @throws IllegalArgumentException for a negative size, a leading dimension below its row
     *         length, or an operand that does not fit its segment
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             MemorySegment a, long aOff, long lda, MemorySegment b, long bOff, long ldb,
                             float beta, MemorySegment c, long cOff, long ldc) {
        check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        multiply(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, null, beta, c, cOff, ldc);
    }

    /**
     * {@code C = alpha op(A) op(B) + beta C} where the rows of B start anywhere in {@code b}:
     * {@code op(B)[p, j] = b[bRows[p] + j]}, or {@code b[bRows[j] + p]} when {@code transB}. An
     * implicit im2col: a stride-1 convolution's column matrix is rows of the (padded) image at
     * shifted offsets, so the packing routine reads the image itself and no column matrix is
     * ever written.
     *
     * @param bRows the start of every row of B: K of them ({@code transB}: N), each followed by N
     *              (K) floats inside {@code b}
     */
    public static void sgemmGathered(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                     MemorySegment a, long aOff, long lda, MemorySegment b, long[] bRows,
                                     float beta, MemorySegment c, long cOff, long ldc) {
        Checks.nonNegative("M", m);
        Checks.nonNegative("N", n);
        Checks.nonNegative("K", k);
        matrix("A", transA ? k : m, transA ? m : k, a, aOff, lda, transA ? "M (transA)" : "K");
        matrix("C", m, n, c, cOff, ldc, "N");
        Checks.notNull("B", b);
        int rows = transB ? n : k;
        long length = transB ? k : n;
        if (bRows.length < rows) {
            throw new IllegalArgumentException("bRows needs " + rows + " row starts, got " + bRows.length);
        }
        if (length > 0) {
            long floats = b.byteSize() / Float.BYTES;
            for (int r = 0; r < rows; r++) {
                if (bRows[r] < 0 || bRows[r] > floats - length) {
                    throw new IllegalArgumentException("row " + r + " of B starts at element " + bRows[r] + " and needs "
                            + length + " floats; the segment holds " + floats);
                }
            }
        }
        multiply(transA, transB, m, n, k, alpha, a, aOff, lda, b, 0, 0, bRows, beta, c, cOff, ldc);
    }

    /**
     * Whether {@code C [m, n] = A [m, k] B [k, n]} (neither transposed) reads B where it lies
     * instead of packing it ({@link SmallGemm#skinny}, or small enough for {@link SmallGemm}): for
     * callers that choose between one GEMM over a gathered B and several over B in place.
     */
    public static boolean readsBInPlace(int m, int n, int k) {
        return SmallGemm.skinny(false, false, m, n, k) || SmallGemm.applies(false, m, n, k);
    }

    /**
     * Whether a row times op(B) ({@code n x k}) is split over the pool: more than one thread, B
     * large enough, and outputs for at least two parts of {@code unit}.
     */
    private static boolean rowSplits(int unit, int n, int k, MemorySegment a, MemorySegment b, MemorySegment c) {
        return WorkerPool.threadsHere() > 1 && (long) n * k >= ROW_PARALLEL_THRESHOLD && n >= 2 * unit
                && WorkerPool.shareable(a, b, c);
    }

    /** One row of op(A) times op(B) into one row of C ({@link RowTimesMatrix}), split over the pool when B is large. */
    private static void rowTimesMatrix(boolean transA, boolean transB, int n, int k, float alpha, MemorySegment a, long aOff,
                                       long lda, MemorySegment b, long bOff, long ldb, float beta, MemorySegment c,
                                       long cOff) {
        if (!rowSplits(RowTimesMatrix.splitUnit(transB), n, k, a, b, c)) {
            RowTimesMatrix.run(transA, transB, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff);
            return;
        }
        int threads = WorkerPool.threadsHere();
        Split split = SPLITS.claim();
        split.rowTimesMatrix = true;
        split.unit = RowTimesMatrix.splitUnit(transB);
        split.extent = n;
        split.tiles = (n + split.unit - 1) / split.unit;
        split.product(transA, transB, 1, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, n);
        WorkerPool.run(Math.min(threads, split.tiles), split);
    }

    /** {@link FewColumnProduct}, its rows split over the pool when the product is large enough. */
    private static void fewColumns(boolean transB, int m, int n, int k, float alpha, MemorySegment a, long aOff,
                                   long lda, MemorySegment b, long bOff, long ldb, float beta, MemorySegment c, long cOff, long ldc) {
        int threads = WorkerPool.threadsHere();
        if (threads == 1 || (long) m * n * k < PARALLEL_THRESHOLD || m < 2 * FewColumnProduct.SPLIT_UNIT
                || !WorkerPool.shareable(a, b, c)) {
            FewColumnProduct.run(0, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        Split split = SPLITS.claim();
        split.fewColumns = true;
        split.unit = FewColumnProduct.SPLIT_UNIT;
        split.extent = m;
        split.tiles = (m + split.unit - 1) / split.unit;
        split.product(false, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        WorkerPool.run(Math.min(threads, split.tiles), split);
    }

    /**
     * Whether {@code op(A) [m, k] op(B)} (A not transposed, B not gathered) runs row by row, each
     * row of C then the same bits as that row's product alone (a batch-1 {@code Linear} forward):
     * a single row always; a few rows (3 with B as it is; with B transposed, up to 8, fewer for
     * shallow products with 16 lanes, {@link #DEPTH_PER_ROW_BY_ROW}).
     */
    public static boolean rowByRow(boolean transB, int m, int n, int k) {
        return m <= (!transB ? ROWS_BY_ROW : rowsByRowTransposedB(n, k));
    }

    /** The most rows of A that a product with B transposed (A not) runs row by row ({@link #DEPTH_PER_ROW_BY_ROW}). */
    private static int rowsByRowTransposedB(int n, int k) {
        if (FloatLanes.LANES != 16 || n < FloatLanes.LANES || k < FloatLanes.LANES) {
            return ROWS_BY_ROW_TRANSPOSED_B;
        }
        return Math.clamp((k - 1) / DEPTH_PER_ROW_BY_ROW, 1, ROWS_BY_ROW_TRANSPOSED_B);
    }

    private static void multiply(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                 MemorySegment a, long aOff, long lda, MemorySegment b, long bOff, long ldb, long[] bRows,
                                 float beta, MemorySegment c, long cOff, long ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0f) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        // both transposed, a row of op(A) is strided and the dot products run float by float
        // (RowTimesMatrix's stridedDot): only a single row goes there
        if (bRows == null && (transA && transB ? m == 1 : rowByRow(transB, m, n, k))) {
            int i = 0;
            if (transB && !rowSplits(RowTimesMatrix.PAIR_SPLIT_UNIT, n, k, a, b, c)) {
                for (; i + 1 < m; i += 2) {
                    RowTimesMatrix.twoRows(n, k, alpha, a, aOff + i * lda, aOff + (i + 1) * lda, b, bOff, ldb, beta, c,
                            cOff + i * ldc, cOff + (i + 1) * ldc);
                }
            }
            for (; i < m; i++) {
                rowTimesMatrix(transA, transB, n, k, alpha, a, transA ? aOff + i : aOff + i * lda, lda, b, bOff, ldb,
                        beta, c, cOff + i * ldc);
            }
            return;
        }
        if (bRows == null && FewColumnProduct.applies(transA, transB, n, ldb)) {
            fewColumns(transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        if (bRows == null && SmallGemm.applies(transB, m, n, k)) {
            SmallGemm.run(transA, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        boolean inPlace = bRows == null && SmallGemm.skinny(transA, transB, m, n, k);
        int threads = WorkerPool.threadsHere();
        if (threads == 1 || (long) m * n * k < PARALLEL_THRESHOLD || !WorkerPool.shareable(a, b, c)) {
            if (bRows == null && (inPlace || SmallGemm.inPlaceTiles(transB, m, n, k, beta))) {
                SmallGemm.run(transA, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            } else {
                blocked(transA, transB, 0, m, 0, n, n, k, alpha, a, aOff, lda, b, bOff, ldb, bRows, beta, c, cOff, ldc);
            }
            return;
        }
        // One contiguous range per thread, in whole micro-tiles, of the wider dimension: each
        // part of a column split packs all of A, of a row split all of B, so the split along the
        // longer side duplicates the smaller operand (a skinny product's columns, each range
        // unpacked). Rows only when there are at least four row tiles per thread. Zen 3, two
        // threads, the two rules alternated in one JVM, minimum of 20-call chunks: (3136, 64, 576)
        // 2.39-2.46 ms split by columns, 2.27-2.30 by rows; (2048, 1024, 256) 6.7-7.2 either way.
        // BLIS's way, one packed block of B shared (the threads pack its panels together, then
        // each multiplies its own rows of A by all of it: two fork-joins per block, A packed
        // once), lost to the column split on Zen 5, two threads, builds alternated, best 200-ms
        // windows, GFLOP/s shared / split: 2048^3 372-378 / 401-403 (one thread 200), 1024^3
        // 376-386 / 398, (512, 768, 768) 357-361 / 402, (512, 3072, 768) 336-364 / 384-398.
        // A product the wide tiles take on one thread takes them on each (within the bound for
        // parts, SmallGemm.inPlaceTilesInParts): whole tiles of columns per part, or, one tile of
        // columns wide, ranges of MANY_ROWS rows and more, for which each part still qualifies.
        // Where the kernel packs B as it multiplies, B is the cheaper operand to pack twice (a copy
        // riding on the multiply-adds, against A's panels transposed apart): rows up to half as
        // many columns again as rows (columnsSplit).
        boolean wideInPlace = !inPlace && bRows == null && SmallGemm.inPlaceTilesInParts(transB, m, n, k, beta)
                && (n >= 2 * SmallGemm.WIDE_TILE_COLUMNS || m >= threads * SmallGemm.MANY_ROWS);
        Split split = SPLITS.claim();
        split.inPlace = inPlace || wideInPlace;
        split.columns = inPlace || (wideInPlace ? n >= 2 * SmallGemm.WIDE_TILE_COLUMNS : columnsSplit(transB, m, n, k, threads));
        int unit = wideInPlace ? (split.columns ? SmallGemm.WIDE_TILE_COLUMNS : SmallGemm.MANY_ROWS) : split.columns ? NR : MR;
        int extent = split.columns ? n : m;
        split.unit = unit;
        split.extent = extent;
        split.tiles = (extent + unit - 1) / unit;
        split.product(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        split.bRows = bRows;
        WorkerPool.run(Math.min(threads, split.tiles), split);
    }

    /**
     * Whether a blocked product on {@code threads} threads splits its columns (each part packs all
     * of A) rather than its rows (each part packs all of B): along the longer side, so that the
     * smaller operand is the one packed twice, and by columns where the rows would make fewer
     * than four tiles per thread. A B that the kernel packs as it multiplies ({@link
     * #PACK_B_IN_KERNEL_MAX_BYTES}) costs less per float to pack twice than A, whose panels are
     * transposed in a pass of their own: rows up to n = 1.5 m. Zen 3, two threads, our calls
     * split by columns / by rows alternated, best of 400-ms windows (us), with six-row tiles
     * (GemmBlocking#sixRowTiles): 128^3 30-31 / 28-29, 256^3 203-204 / 193-196, 512^3 1500-1512
     * / 1454-1472, (384, 512, 512) 1121 / 1090-1102, (512, 768, 512) 2185-2195 / 2182 (n = 1.5
     * m); (256, 512, 256) 384 / 386 and (384, 768, 384) 1230 / 1250 (n = 2 m); (256, 768, 256)
     * 559 / 573 and (256, 1024, 256) 736-743 / 772-776 favour the columns. With B packed apart
     * (1024^3: 4 MiB) even within the noise, so those keep the longer-side rule. With four-row
     * tiles, which Zen 3 then took, less but the same way: 128^3 27-28 / 26-27, 256^3 193-195
     * / 187-191, 512^3 1471-1494 / 1459-1482, (384, 512, 512) 1112-1123 / 1100-1115, (256, 384,
     * 256) and (256, 512, 256) even.
     */
    private static boolean columnsSplit(boolean transB, int m, int n, int k, int threads) {
        if (m < (long) threads * MR * 4) {
            return true;
        }
        return packsBInKernel(transB, n, k) ? 2L * n > 3L * m : n >= m;
    }

    /** Whether the kernel packs a product's B as it multiplies ({@link #PACK_B_IN_KERNEL_MAX_BYTES}). */
    private static boolean packsBInKernel(boolean transB, int n, int k) {
        return !transB && (long) k * n * Float.BYTES <= PACK_B_IN_KERNEL_MAX_BYTES;
    }

    /**
     * Panels of B packed at a time when A is one block ({@code blocked}): 4 panels of 256 x 32
     * floats, 128 KiB, stay in L2 until their tiles have run, and each row of B is read 512 bytes
     * at a time (one panel at a time reads 128 bytes per row and page, see PackedPanelB). Measured
     * the same as 1, 2 and 8 within the noise on ConvBench's GEMM-bound rows.
     */
    static final int PANELS_PER_PACK = 4;

    /**
     * The largest B (in bytes) whose panels the first tile of each column packs as it multiplies
     * ({@link MicroKernel#runFourRowsPackingB}), when A is one block of few rows and the tiles
     * are four rows high. Packing a panel alone is a pass of loads and stores with nothing to
     * overlap it; inside the kernel the copy rides on the multiply-adds. On the Zen 3 (AVX2, one
     * thread, B in cache, GFLOP/s, fastest 100-ms windows, packed apart / in the kernel): 64^3
     * 59.3-62.9 / 68.4-69.2, 128^3 74.3-76.9 / 79.0-81.2, 32x1024x512 65.8-68.1 / 74.8-77.3,
     * 64x1024x512 75.6-77.3 / 79.6-83.2, 64x3136x256 76.2-77.7 / 77.7-83.6; gathered, the
     * conv_transpose2d of ConvBench (phase convolutions by implicit GEMM from a window in the
     * workspace), forward 9.07-9.31 / 7.85-8.12 ms, on two threads 4.68-6.34 / 4.03-4.05. But each step of that
     * kernel reads 64 bytes from a different row of B, and rows a page or more apart are beyond
     * the prefetchers: from memory every step waits for its line. A 1x1 convolution over eight
     * 256-channel 56x56 images (25.7 MB, B 3.2 MB per image) went from 11.8 to 14.3 ms that way,
     * where the separate pack, which reads 256 bytes from each row in turn, streams. So only a B
     * that fits in four L2s, which a product this size has likely just read or written, is
     * packed in the kernel ({@link GemmBlocking#packBInKernelMaxBytes}). The bound is on the whole
     * product's B, not a thread's share of its columns: that 1x1 convolution on two threads had
     * packed its 1.6-MB halves in the kernel, from memory, and ran at 10.4-11.1 ms; with the
     * separate pack 7.7-9.2 (forward and backward 34.2 -> 27.2 ms). The twelve-row kernel has
     * no such form: unmeasured without AVX-512.
     *
     * <p>With more blocks of A than one, the first block's tiles pack each panel into its place
     * in the packed block, where the blocks below find it. JFR had put 7.6 % of (512, 768, 768)
     * in the separate pass (Zen 5, {@code -XX:UseAVX=2}, one thread); our GFLOP/s over OpenBLAS's
     * Haswell kernels, alternated in 150-ms windows in one JVM, best of 13, two JVMs each, before
     * / after: (512, 768, 768) 0.916, 0.904 / 0.958, 0.934; 512^3 0.924, 0.924 / 0.980, 0.974;
     * 1024^3 0.945, 0.960 / 0.981, 0.973; 256^3 (one block) and (2048, 1024, 256) unchanged. On
     * two threads even within the second vCPU's noise.
     */
    static final long PACK_B_IN_KERNEL_MAX_BYTES = GemmBlocking.current().packBInKernelMaxBytes();

    /** This machine's L2, the bound on a block of B packed in one pass ({@code blocked}). */
    private static final long L2_BYTES = GemmBlocking.current().caches().l2();

    /** Whether products may run six-row tiles ({@link SixRowKernel}): on some machines whose MR is four ({@link GemmBlocking#sixRowTiles}). */
    static final boolean SIX_ROW_PANELS = GemmBlocking.current().sixRowTiles();
    /**
     * The fewest columns a blocked product needs for six-row tiles where {@link #SIX_ROW_PANELS}:
     * their panels of A cost more to pack than four-row ones (a scalar transpose against a
     * register one), and each packed float serves 2N flops. Zen 5 with {@code -XX:UseAVX=2}, one
     * thread, GFLOP/s four rows / six rows alternated in one JVM (OpenBLAS's Haswell kernels
     * beside them), best of five 250-ms windows: 1024^3 93.5 / 100.7 (106.4) and 92.7 / 95.9
     * (100.3), 512^3 91.9 / 96.8 (104.8), (512, 768, 768) 88.7 / 95.9 (104.6), (2048, 1024, 256)
     * 95.6 / 103.6 (105.4), (512, 3072, 768) 86.1 / 94.7 (104.2); (2048, 256, 512) 94.6 / 100.4,
     * (2048, 128, 512) 91.9 / 95.8, (3136, 64, 576) 90.8 / 91.8 and 87.2 / 89.3, but (3136, 32,
     * 576) 83.6 / 78.3.
     */
    static final int SIX_ROW_MIN_COLUMNS = 64;
    /** Rows of a packed block of A in six-row panels: MC rounded up to whole panels (256 rows are one block, not 252 and 4). */
    static final int SIX_ROW_MC = (MC + SixRowKernel.ROWS - 1) / SixRowKernel.ROWS * SixRowKernel.ROWS;

    /** The deepest K block of a blocked product: twice KC, which sizes the packing buffers ({@link GemmWorkspace}). */
    static final int MAX_K_BLOCK = 2 * KC;

    private static final WorkerPool.PerThread<Split> SPLITS = new WorkerPool.PerThread<>(Split::new);

    /** A parallel product's arguments: part {@code index} computes one contiguous range of C's columns or rows. */
    private static final class Split extends GemmJob {
        boolean columns;
        int unit;
        int extent;
        int tiles;
        long[] bRows;
        boolean inPlace;
        /** A row times a matrix: each part computes a range of the row's outputs. */
        boolean rowTimesMatrix;
        /** A product of few columns ({@link FewColumnProduct}): each part computes a range of rows. */
        boolean fewColumns;

        @Override
        public void run(int index, int count) {
            int from = (int) ((long) tiles * index / count) * unit;
            int to = Math.min(extent, (int) ((long) tiles * (index + 1) / count) * unit);
            if (fewColumns) {
                FewColumnProduct.run(from, to, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            } else if (rowTimesMatrix) {
                RowTimesMatrix.run(transA, transB, to - from, k, alpha, a, aOff, lda, b,
                        bOff + (transB ? from * ldb : from), ldb, beta, c, cOff + from);
            } else if (inPlace && columns) {
                SmallGemm.run(transA, m, to - from, k, alpha, a, aOff, lda, b, bOff + from, ldb, beta, c, cOff + from, ldc);
            } else if (inPlace) {
                SmallGemm.run(transA, to - from, n, k, alpha, a, aOff + from * (transA ? 1 : lda), lda, b, bOff, ldb, beta, c,
                        cOff + from * ldc, ldc);
            } else if (columns) {
                blocked(transA, transB, 0, m, from, to, n, k, alpha, a, aOff, lda, b, bOff, ldb, bRows, beta, c, cOff, ldc);
            } else {
                blocked(transA, transB, from, to, 0, n, n, k, alpha, a, aOff, lda, b, bOff, ldb, bRows, beta, c, cOff, ldc);
            }
        }

        @Override
        protected void clear() {
            super.clear();
            bRows = null;
            rowTimesMatrix = false;
            fewColumns = false;
        }
    }

    /** {@link #sgemm} on the calling thread only, arguments already checked. */
    static void serial(boolean transA, boolean transB, int m, int n, int k, float alpha,
                       MemorySegment a, long aOff, long lda, MemorySegment b, long bOff, long ldb,
                       float beta, MemorySegment c, long cOff, long ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0f) {
            scale(m, n, beta, c, cOff, ldc);
        } else if (m == 1) {
            RowTimesMatrix.run(transA, transB, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff);
        } else if (FewColumnProduct.applies(transA, transB, n, ldb)) {
            FewColumnProduct.run(0, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        } else if (SmallGemm.applies(transB, m, n, k) || SmallGemm.inPlaceTiles(transB, m, n, k, beta)) {
            SmallGemm.run(transA, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        } else {
            blocked(transA, transB, 0, m, 0, n, n, k, alpha, a, aOff, lda, b, bOff, ldb, null, beta, c, cOff, ldc);
        }
    }

    /** The serial blocked algorithm over rows {@code [i0, i1)} and columns {@code [j0, j1)} of C, whose product has {@code n} columns in all. */
    private static void blocked(boolean transA, boolean transB, int i0, int i1, int j0, int j1, int n, int k, float alpha,
                                MemorySegment a, long aOff, long lda, MemorySegment b, long bOff, long ldb, long[] bRows,
                                float beta, MemorySegment c, long cOff, long ldc) {
        GemmWorkspace ws = GemmWorkspace.get();
        // With one block of A (few rows: a convolution's output channels), each panel of B serves
        // only that block's tiles: a few panels are packed just before their tiles, always into the
        // same place, and read back while still in cache. Packed all at once, the KC x NC block of
        // B (1 MiB) had left L1 and much of L2 before its first panels were used. ConvBench, one
        // thread, Zen 4: conv_transpose2d forward 7.35-7.43 to 6.82-7.03 ms, ResNet 3x3 21.5-21.9
        // to 20.7-21.3; 1x1 and GemmBench's 128^3 and 256^3 unchanged.
        boolean six = SIX_ROW_PANELS && j1 - j0 >= SIX_ROW_MIN_COLUMNS && sixRowsPay(i1 - i0);
        int blockRows = six ? SIX_ROW_MC : MC;
        boolean panelByPanel = i1 - i0 <= blockRows;
        // A B that fits in a few L2s is packed by the multiplying kernel instead of in a pass of
        // its own (PACK_B_IN_KERNEL_MAX_BYTES): panel by panel into one place with one block of A,
        // else into its place in the packed block by the first block of A, for the blocks after it
        boolean packBInKernel = packsBInKernel(transB, n, k);
        int depth = kBlockDepth(k);
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < k; pc += depth) {
                int kc = Math.min(depth, k - pc);
                float betaHere = pc == 0 ? beta : 1f;      // later K blocks accumulate onto C
                // A block of B packed apart that is larger than L2 is packed a few panels at a time
                // just before the first block of A multiplies them, into their places in the packed
                // block: that block reads them from L2, not from L3 after a pass over the whole
                // block. Zen 5, one thread, ours over OpenBLAS alternated in one JVM, before / after:
                // 16 lanes (512, 3072, 768) 0.99-1.01 / 1.03, (512, 768, 768) 0.96-0.97 / 1.00;
                // 8 lanes (512, 3072, 768) 0.93 / 0.975, 2048^3 0.98 / 0.99-1.00. A block that fits
                // in L2 stays there after its pass: a 1 x 1 convolution's input gradient (256 rows,
                // 64 deep) ran 14.3-15.7 ms forward and backward in groups, 14.4-14.7 in one pass
                boolean packedApart = !panelByPanel && !packBInKernel;
                boolean packBInGroups = packedApart && (long) kc * nc * Float.BYTES > L2_BYTES;
                if (packedApart && !packBInGroups) {
                    packB(transB, b, bOff, ldb, bRows, pc, jc, kc, nc, ws.b, 0);
                }
                boolean packA = nc >= PACK_A_MIN_COLUMNS;
                for (int ic = i0; ic < i1; ic += blockRows) {
                    int mc = Math.min(blockRows, i1 - ic);
                    long aAt = transA ? aOff + (long) pc * lda + ic : aOff + (long) ic * lda + pc;
                    // whether this block's tiles are the first to see each panel of B, and pack it
                    boolean firstOverB = panelByPanel || ic == i0;
                    boolean bInKernel = packBInKernel && firstOverB;
                    boolean bInGroups = (panelByPanel && !packBInKernel) || (packBInGroups && firstOverB);
                    // six-row panels of A are packed by the first column's tiles where B's first
                    // panel is packed before them (not by those same tiles)
                    boolean aInKernel = six && !bInKernel;
                    if (six) {
                        if (!aInKernel) {
                            PackedPanelA.packSixRows(a, aAt, lda, transA, mc, kc, ws.a, 0);
                        }
                    } else if (packA) {
                        PackedPanelA.pack(a, aAt, lda, transA, mc, kc, ws.a, 0);
                    }
                    for (int jr = 0; jr < nc; jr += NR) {
                        int cols = Math.min(NR, nc - jr);
                        long cAt = cOff + (long) ic * ldc + jc + jr;
                        // with one block of A, B's panels go to the same few places, read back while
                        // still in cache; else to their places in the packed block
                        int group = jr % (PANELS_PER_PACK * NR);
                        int bpOff = panelByPanel ? group * kc : jr * kc;
                        if (bInKernel) {
                            long bAt = bRows == null ? bOff + (long) pc * ldb + jc + jr : jc + jr;
                            int at = panelByPanel ? 0 : bpOff;      // one panel at a time: always one place
                            if (six) {
                                sixRowPackingColumn(mc, kc, ws.a, 0, b, bAt, ldb, bRows, pc, cols, ws, at, alpha,
                                        betaHere, c, cAt, ldc);
                            } else {
                                packingColumn(mc, kc, ws.a, 0, b, bAt, ldb, bRows, pc, cols, ws, at, alpha, betaHere,
                                        c, cAt, ldc);
                            }
                            continue;
                        }
                        if (bInGroups && group == 0) {
                            packB(transB, b, bOff, ldb, bRows, pc, jc + jr, kc, Math.min(PANELS_PER_PACK * NR, nc - jr),
                                    ws.b, bpOff);
                        }
                        if (aInKernel && jr == 0) {
                            sixRowPackingAColumn(transA, mc, kc, a, aAt, lda, ws.a, ws.b, bpOff, ws.tile, cols, alpha,
                                    betaHere, c, cAt, ldc);
                        } else if (six) {
                            sixRowColumn(mc, kc, ws.a, 0, ws.b, bpOff, ws.tile, cols, alpha, betaHere, c, cAt, ldc);
                        } else if (packA) {
                            packedColumn(mc, kc, ws.a, 0, ws.b, bpOff, ws.tile, cols, alpha, betaHere, c, cAt, ldc);
                        } else {
                            inPlaceColumn(transA, mc, kc, a, aAt, lda, ws.b, bpOff, ws.tile, cols, alpha, betaHere,
                                    c, cAt, ldc);
                        }
                    }
                }
            }
        }
    }

    /**
     * The depth of a blocked product's K blocks: K in the fewest blocks no deeper than
     * {@link #MAX_K_BLOCK}, all of one depth (a multiple of 8, the last one shorter by the
     * rounding). Every K block after the first reads and writes the whole of C again, from L3 or
     * memory; a K of 2048 in blocks of KC = 1024 spent that second pass, and a K just past KC
     * spent it on a sliver (KC and 1 deep). Zen 3, 2048^3, our GFLOP/s over OpenBLAS's in the
     * same JVM: one thread, blocks of 1024 0.84-1.00 (median 0.96, nine JVMs), one block of 2048
     * 0.94-1.00 (median 0.98, eight); two threads within the noise of a shared machine; (1024,
     * 1024, 1536) and (512, 2048, 4096), one thread, even (1.00 / 1.00 and 0.96 / 0.96).
     */
    static int kBlockDepth(int k) {
        int blocks = (k + MAX_K_BLOCK - 1) / MAX_K_BLOCK;     // k > 0: products with k = 0 only scale C
        int depth = (k + blocks - 1) / blocks;
        return Math.min(MAX_K_BLOCK, (depth + 7) / 8 * 8);
    }

    /** Packs {@code op(B)[pc, pc + kc) x [col, col + cols)} into panels from {@code dst[dstOff]}. */
    private static void packB(boolean transB, MemorySegment b, long bOff, long ldb, long[] bRows, int pc, int col,
                              int kc, int cols, float[] dst, int dstOff) {
        if (bRows == null) {
            long bAt = transB ? bOff + (long) col * ldb + pc : bOff + (long) pc * ldb + col;
            PackedPanelB.pack(b, bAt, ldb, null, 0, transB, kc, cols, dst, dstOff);
        } else {
            PackedPanelB.pack(b, transB ? pc : col, 0, bRows, transB ? col : pc, transB, kc, cols, dst, dstOff);
        }
    }

    /**
     * One micro-panel column of C from the packed block of A: whole tiles, then, with 12-row
     * panels ({@link MicroKernel#FOUR_ROW_TAILS}), a last panel of at most eight rows as one tile
     * of eight or four rows (not the whole padded panel).
     */
    static void packedColumn(int mc, int kc, float[] ap, int apOff, float[] bp, int bpOff, float[] tile, int cols,
                             float alpha, float beta, MemorySegment c, long cAt, long ldc) {
        int ir = 0;
        for (; ir < mc; ir += MR) {
            int rows = Math.min(MR, mc - ir);
            if (MicroKernel.FOUR_ROW_TAILS && rows <= 8) {
                break;
            }
            MicroKernel.run(kc, ap, apOff + ir * kc, bp, bpOff, tile);
            MicroKernel.updateC(tile, c, cAt + ir * ldc, ldc, rows, cols, alpha, beta);
        }
        if (mc - ir > 4) {
            MicroKernel.runEightRowsPacked(kc, ap, apOff + ir * kc, bp, bpOff, tile);
            MicroKernel.updateC(tile, c, cAt + ir * ldc, ldc, mc - ir, cols, alpha, beta);
        } else if (mc > ir) {
            MicroKernel.runFourRowsPacked(kc, ap, apOff + ir * kc, bp, bpOff, tile);
            MicroKernel.updateC(tile, c, cAt + ir * ldc, ldc, mc - ir, cols, alpha, beta);
        }
    }

    /**
     * Whether {@code rows} rows run faster in six-row tiles than in four-row ones: the last panel
     * is padded to six rows, so their padded rows may exceed the four-row tiles' by a sixteenth
     * at most (the six-row kernel is some 15 % faster per multiply-add). Zen 5,
     * {@code -XX:UseAVX=2}, one thread, GFLOP/s four / six rows alternated in one JVM, two JVMs:
     * (64, 3136, 256) 89.2-92.3 / 95.6-97.7, (64, 25088, 576) 70.7-72.3 / 73.9-75.4, (48, 1024,
     * 512) 86.9-90.5 / 95.4-99.0, (64, 1024, 1024) 80.9-82.9 / 86.8-90.0, (64, 256, 256) 89.3-92.6
     * / 93.9-98.0, (24, 1024, 512) 72.8-81.5 / 81.4-89.2, (18, 3136, 256) 69.5-72.9 / 82.6-85.6,
     * (12, 1024, 512) 68.7-71.5 / 75.7-78.4, (40, 2048, 256) 84.2-85.1 / 86.3-87.0; but 32 rows,
     * six panels for eight, lost: (32, 3136, 576) 71.7-74.9 / 70.3-72.7, (32, 1024, 512) with B
     * packed in the kernel 83.2 / 83.8 and 69.3 / 64.3.
     */
    static boolean sixRowsPay(int rows) {
        int six = SixRowKernel.ROWS;
        return 16L * ((rows + six - 1) / six * six) <= 17L * ((rows + 3) / 4 * 4);
    }

    /** As {@link #packedColumn} from six-row panels of A ({@link PackedPanelA#packSixRows}), the last one zero-padded. */
    static void sixRowColumn(int mc, int kc, float[] ap, int apOff, float[] bp, int bpOff, float[] tile, int cols,
                             float alpha, float beta, MemorySegment c, long cAt, long ldc) {
        for (int ir = 0; ir < mc; ir += SixRowKernel.ROWS) {
            SixRowKernel.packed(kc, ap, apOff + ir * kc, bp, bpOff, tile);
            MicroKernel.updateC(tile, c, cAt + ir * ldc, ldc, Math.min(SixRowKernel.ROWS, mc - ir), cols, alpha, beta);
        }
    }

    /**
     * As {@link #sixRowColumn} for the first panel of columns, A read where it lies
     * ({@code op(A)[ir, p]} at element {@code aAt + ir lda + p} of {@code a}, or
     * {@code aAt + p lda + ir} when transposed) and packed into six-row panels of {@code ap} from
     * 0 by the whole panels' kernels ({@link SixRowKernel#packingA}) for the columns after it; a
     * last panel of fewer rows is packed first, zero-padded.
     */
    static void sixRowPackingAColumn(boolean transA, int mc, int kc, MemorySegment a, long aAt, long lda, float[] ap,
                                     float[] bp, int bpOff, float[] tile, int cols, float alpha, float beta,
                                     MemorySegment c, long cAt, long ldc) {
        int six = SixRowKernel.ROWS;
        long stepP = transA ? lda : 1;
        long stepR = transA ? 1 : lda;
        for (int ir = 0; ir < mc; ir += six) {
            int rows = Math.min(six, mc - ir);
            if (rows == six) {
                SixRowKernel.packingA(kc, a, aAt + ir * stepR, stepP, stepR, ap, ir * kc, bp, bpOff, tile);
            } else {
                PackedPanelA.packSixRows(a, aAt + ir * stepR, lda, transA, rows, kc, ap, ir * kc);
                SixRowKernel.packed(kc, ap, ir * kc, bp, bpOff, tile);
            }
            MicroKernel.updateC(tile, c, cAt + ir * ldc, ldc, rows, cols, alpha, beta);
        }
    }

    /** As {@link #packingColumn} with six-row tiles ({@link SixRowKernel#packingB}). */
    static void sixRowPackingColumn(int mc, int kc, float[] ap, int apOff, MemorySegment b, long bAt, long ldb, long[] rows,
                                    int row0, int cols, GemmWorkspace ws, int bpOff, float alpha, float beta,
                                    MemorySegment c, long cAt, long ldc) {
        float[] bp = ws.b;
        float[] tile = ws.tile;
        int six = SixRowKernel.ROWS;
        if (cols < NR) {
            PackedPanelB.pack(b, bAt, ldb, rows, row0, false, kc, cols, bp, bpOff);
            sixRowColumn(mc, kc, ap, apOff, bp, bpOff, tile, cols, alpha, beta, c, cAt, ldc);
            return;
        }
        SixRowKernel.packingB(kc, ap, apOff, b, bAt, ldb, rows, row0, bp, bpOff, tile);
        MicroKernel.updateC(tile, c, cAt, ldc, Math.min(six, mc), NR, alpha, beta);
        for (int ir = six; ir < mc; ir += six) {
            SixRowKernel.packed(kc, ap, apOff + ir * kc, bp, bpOff, tile);
            MicroKernel.updateC(tile, c, cAt + ir * ldc, ldc, Math.min(six, mc - ir), NR, alpha, beta);
        }
    }

    /**
     * As {@link #packedColumn} for one panel of {@code cols} columns of a row-major B read where
     * it lies (rows as {@link MicroKernel#runFourRowsPackingB} finds them) on a machine with
     * four-row tiles: the first tile's kernel packs a whole panel into the workspace as it
     * multiplies, and the other tiles read it from there; a ragged last panel is packed first.
     * See {@link #PACK_B_IN_KERNEL_MAX_BYTES}.
     */
    static void packingColumn(int mc, int kc, float[] ap, int apOff, MemorySegment b, long bAt, long ldb, long[] rows,
                              int row0, int cols, GemmWorkspace ws, int bpOff, float alpha, float beta, MemorySegment c,
                              long cAt, long ldc) {
        float[] bp = ws.b;
        float[] tile = ws.tile;
        if (cols < NR) {
            PackedPanelB.pack(b, bAt, ldb, rows, row0, false, kc, cols, bp, bpOff);
            packedColumn(mc, kc, ap, apOff, bp, bpOff, tile, cols, alpha, beta, c, cAt, ldc);
            return;
        }
        MicroKernel.runFourRowsPackingB(kc, ap, apOff, b, bAt, ldb, rows, row0, bp, bpOff, tile);
        MicroKernel.updateC(tile, c, cAt, ldc, Math.min(4, mc), NR, alpha, beta);
        for (int ir = 4; ir < mc; ir += 4) {
            MicroKernel.runFourRowsPacked(kc, ap, apOff + ir * kc, bp, bpOff, tile);
            MicroKernel.updateC(tile, c, cAt + ir * ldc, ldc, Math.min(4, mc - ir), NR, alpha, beta);
        }
    }

    /**
     * One micro-panel column of C ({@code mc} rows, {@code cols <= NR} columns) with A read in
     * place: whole MR-row tiles, then the rows left over four at a time (a last group of fewer
     * repeats its final row and writes only its own rows).
     */
    static void inPlaceColumn(boolean transA, int mc, int kc, MemorySegment a, long aAt, long lda,
                                      float[] bp, int bpOff, float[] tile, int cols, float alpha, float beta,
                                      MemorySegment c, long cAt, long ldc) {
        long stepP = transA ? lda : 1;
        long stepR = transA ? 1 : lda;
        int ir = 0;
        for (; ir <= mc - MR; ir += MR) {
            MicroKernel.runInPlace(kc, a, aAt + ir * stepR, stepP, stepR, bp, bpOff, tile);
            MicroKernel.updateC(tile, c, cAt + ir * ldc, ldc, MR, cols, alpha, beta);
        }
        for (; ir < mc; ir += 4) {
            int rows = Math.min(4, mc - ir);
            long r0 = aAt + ir * stepR;
            long last = r0 + (rows - 1) * stepR;
            MicroKernel.runFourRows(kc, a, r0, Math.min(r0 + stepR, last), Math.min(r0 + 2 * stepR, last), last, stepP,
                    bp, bpOff, tile);
            MicroKernel.updateC(tile, c, cAt + ir * ldc, ldc, rows, cols, alpha, beta);
        }
    }

    /** {@code C = beta C}; with beta 0, C is zeroed without being read. */
    static void scale(int m, int n, float beta, MemorySegment c, long cOff, long ldc) {
        if (beta == 1f) {
            return;
        }
        for (int i = 0; i < m; i++) {
            long row = cOff + (long) i * ldc;
            for (int j = 0; j < n; j++) {
                FloatLanes.set(c, row + j, beta == 0f ? 0f : beta * FloatLanes.get(c, row + j));
            }
        }
    }

    static void check(boolean transA, boolean transB, int m, int n, int k, MemorySegment a, long aOff, long lda,
                      MemorySegment b, long bOff, long ldb, MemorySegment c, long cOff, long ldc) {
        Checks.nonNegative("M", m);
        Checks.nonNegative("N", n);
        Checks.nonNegative("K", k);
        matrix("A", transA ? k : m, transA ? m : k, a, aOff, lda, transA ? "M (transA)" : "K");
        matrix("B", transB ? n : k, transB ? k : n, b, bOff, ldb, transB ? "K (transB)" : "N");
        matrix("C", m, n, c, cOff, ldc, "N");
    }

    /** Checks a {@code rows x cols} row-major operand with leading dimension {@code ld}. */
    static void matrix(String name, long rows, long cols, MemorySegment s, long off, long ld, String colsName) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException("ld" + name.toLowerCase(java.util.Locale.ROOT) + " must be >= max(1, " + colsName + ") = " + Math.max(1, cols)
                    + ", got " + ld);
        }
        Checks.matrix(name, s, off, rows, cols, ld);
    }
}
