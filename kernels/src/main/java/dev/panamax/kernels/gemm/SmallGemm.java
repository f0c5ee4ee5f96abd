package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.FloatLanes.FLOAT;
import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;
import static dev.panamax.kernels.gemm.BlockSizes.KC;
import static dev.panamax.kernels.gemm.BlockSizes.MR;
import static dev.panamax.kernels.gemm.BlockSizes.NR;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * SGEMM for small products, with nothing packed: the tiles of C are computed from A and B where
 * they lie ({@link UnpackedKernel}). A small product's operands sit in L1, so packing buys no
 * locality, and it cost a third of a 16^3 product (a 16-column B padded to a 32-column panel,
 * half of it zeros the kernel then multiplied).
 *
 * <p>Only kernels that run over whole products are used here. With 12-row tiles, a product whose
 * rows are a multiple of four ends in 8-row tiles ({@link #eightRowTiles}) so that no row is
 * computed twice; otherwise its last rows (fewer than 12) are the last 12 rows computed again, of
 * which only the new ones are written. With 4-row tiles, fewer than four rows repeat the last one.
 * Columns left over (narrower than a vector; with 4-row tiles, narrower than two) are copied into a
 * strip NR wide, zeros after them, and run through the same kernels as whole columns. Kernels of
 * their own for leftovers would run only on some products' last rows, a few times per training
 * step with loops of a few steps: one for leftover rows took 9 s of a LeNet run to reach C2, and
 * until then its vectors were boxed (74 KB per step, in two JVMs of six). Those columns had gone
 * to the packed path, which packed all of A for them and computed a 32-column panel: 24^3 took
 * 0.92-0.94 us against 0.40 for 32^3, and takes 0.60-0.61 through the strip (Zen 5, one thread).
 */
final class SmallGemm {

    /**
     * Products of at most this many multiply-adds take this path. With 12-row tiles (AVX-512),
     * 96^3: on Zen 4, GFLOP/s unpacked / packed (one sitting each), 16^3 34.3 / 21.7, 32^3 75.3 /
     * 73.4, 64^3 88.6 / 88.3, 96^3 101.1 (128^3, packed, 95.6); with four-row kernels for the last
     * rows it was 48.3, 90.5, 97.9, at the price of the boxing above. Ending in 8-row tiles
     * instead of a repeated 12-row one took 16^3, 32^3 and 64^3 from 34.7, 81.0 and 89.9 to 48.0,
     * 89.1 and 98.0 (OpenBLAS in the same sitting: 62, 101, 113). With 4-row tiles (AVX2, 8
     * lanes, emulated with {@code -XX:UseAVX=2}), 32^3: 16^3 38.5 / 27.8, 32^3 52.4 / 49.2, but
     * 64^3 62.3 / 69.5, where a tile four rows high re-reads B from L1 too often.
     */
    static final long MAX_MACS = MicroKernel.FOUR_ROW_TAILS ? 96L * 96 * 96 : 32L * 32 * 32;

    private SmallGemm() {
    }

    /**
     * Whether {@code C = op(A) B} (B not transposed) is small enough and, with 12-row tiles, has a
     * whole one: 12 rows or more, or exactly 8.
     */
    static boolean applies(boolean transB, int m, int n, int k) {
        boolean tile = !MicroKernel.FOUR_ROW_TAILS || m >= MR || m == 8;
        return !transB && tile && (long) m * n * k <= MAX_MACS;
    }

    /**
     * Whether a product too large for {@link #applies} still runs unpacked: few rows (a
     * convolution's output channels, a small batch) against a wide B, not too deep. Packing B
     * costs about as much per element as the multiply-adds it feeds when only a few rows of A use
     * each element, and reading B in place runs at the kernel's speed as long as one K step's rows
     * of B stay in L2. Zen 4, one thread, GFLOP/s packed / unpacked: 16x3136x256 73.6 / 92.1,
     * 32x768x768 89.1 / 103.5, 48x3136x256 91.0 / 103.2, 64x3136x256 92.8 / 102.0, 64x1024x512
     * 99.5 / 99.1, 64x2048x256 98.9 / 97.4; deeper products lost (32x1024x1024 88.3 / 75.9,
     * 64x1000x1000 92.6 / 87.2), so K stops at {@value #SKINNY_DEPTH}. Only the 12-row tiles and a
     * row-major A were measured, so only they take this path.
     *
     * <p>Those figures had B hot in cache. On Zen 5 (512-bit FMA datapath, twice Zen 4's), where
     * the packed kernel gains more from its contiguous panels, the unpacked path still won with
     * few rows but lost from 48 up (ops/s, B hot, unpacked / packed, two runs): 16x3136x256
     * 5.12-5.32k / 4.30-4.37k, 32x768x768 3.90-3.93k / 3.75-3.83k, 48x3136x256 1.96-1.98k /
     * 2.03-2.10k, 64x3136x256 1.40-1.41k / 1.57-1.61k, 64x1024x512 1.48-1.64k / 2.41-2.47k. With
     * B coming from memory, as in a 1 x 1 convolution over eight 256-channel 56 x 56 images, each
     * step of the unpacked kernel reads from K rows of B a page or more apart, beyond the
     * prefetchers, where the pack streams: that convolution's forward pass (64 output channels)
     * went from 7.01-7.16 ms to 5.56-5.82 packed, and ConvBench's transposed convolution (32
     * output channels, {@code ImplicitConv2d} by taps when B is read in
     * place, gathered otherwise) from 5.21-5.40 to 4.57-4.89 ms on one thread, 2.74-4.43 to
     * 2.74-3.87 on two. So {@value #SKINNY_ROWS} rows at most.
     */
    static boolean skinny(boolean transA, boolean transB, int m, int n, int k) {
        return MicroKernel.FOUR_ROW_TAILS && !transA && !transB && (m >= MR || m == 8) && m <= SKINNY_ROWS
                && n >= LANES && k <= SKINNY_DEPTH;
    }

    /**
     * Whether a product too large for {@link #applies} still runs here on one thread, its blocks
     * of four vectors of columns in 6-row tiles (three vectors in 4-row tiles with 16 vector
     * registers): beta 0, one K block, more rows than a {@link #skinny} product (whose few rows
     * the 12- and 8-row tiles cover reading B fewer times), and B no larger than
     * {@link GemmBlocking#inPlaceMaxBBytes} (one L2 with 32 vector registers) or, there and with
     * at least {@value #MANY_ROWS} rows, up to four L2s when the panel of B one column of tiles
     * reads ({@code k x} {@link #WIDE_TILE_COLUMNS} floats) takes a sixteenth of one. Those
     * tiles ({@link UnpackedKernel#sixByFour}, {@link UnpackedKernel#fourByThree}) ran faster
     * than the packed kernels at every size where B stays in L2. Zen 5, one thread, GFLOP/s,
     * packed / in place / OpenBLAS: 128^3 177-178 /
     * 218-221 / 186-187, 192^3 190 / 227 / 210, 256^3 199 / 228 / 212, 512^3 (B one L2) 204 /
     * 214 / 210, 3136 x 64 x 576 187 / 219 / 188. With B past L2 and a deep panel the packed
     * path held: 1024^3 209 / 180 / 208, 512 x 3072 x 768 196 / 197 / 198 (B hot in L3, as a
     * benchmark repeating one product keeps it). With 8 lanes ({@code -XX:UseAVX=2}, OpenBLAS
     * held to its Haswell kernels): 128^3 98 / 105 / 106, 256^3 102 / 111 / 110, 512^3 97 /
     * 108 / 112, 3136 x 64 x 576 95 / 105 / 103; past L2, 1024^3 98 / 66 / 110, 32 x 1024 x 512
     * 85 / 81 / 90. A 1 x 1 convolution over eight 256-channel 56 x 56 images (64 x 3136 x 256
     * per image, B 3.2 MB from memory, a 64-KB panel) ran its forward pass in 4.46-4.61 ms in
     * place against 4.71-4.81 packed, and with 8 lanes 8.3-8.8 against 10.8. (The first tile of
     * each block of columns waits on memory there, a row of B per page. Loading a float of the
     * next block's rows in each step, as a prefetch would, made that forward slower, 6.5-8.3 ms
     * against 5.0-6.2 in the same noisy sitting: unlike a prefetch instruction, which Java lacks,
     * a load that misses holds up retirement.) On Zen 4 the
     * 16-lane tiles won as well (one thread, GFLOP/s in place / packed: 256^3 106 / 83,
     * 512^3 113 / 101, 2048 x 1024 x 256 104 / 95, 64 x 3136 x 256 88 / 66), but the 8-lane ones
     * lost past L1, so with 16 vector registers the bound is an L1 and a half, or a quarter of
     * the L2 on Zen 5's wider front end (the figures are at {@link GemmBlocking#inPlaceMaxBBytes}).
     * The stretch for many rows is the 12-row tiles' alone: with 8 lanes on Zen 5, 256 x 1024 x
     * 128 (B 512 KB, a 12-KB panel) ran at 0.73-0.75 of OpenBLAS's speed in place and 1.00 packed.
     */
    static boolean inPlaceTiles(boolean transB, int m, int n, int k, float beta) {
        return inPlaceTiles(transB, m, n, k, beta, IN_PLACE_MAX_B_BYTES);
    }

    /**
     * {@link #inPlaceTiles} for a product about to be split over threads, each part in place
     * ({@link GemmBlocking#inPlaceMaxBBytesInParts}).
     */
    static boolean inPlaceTilesInParts(boolean transB, int m, int n, int k, float beta) {
        return inPlaceTiles(transB, m, n, k, beta, IN_PLACE_MAX_B_BYTES_IN_PARTS);
    }

    private static boolean inPlaceTiles(boolean transB, int m, int n, int k, float beta, long maxBBytes) {
        if (transB || beta != 0f || m <= SKINNY_ROWS || n < WIDE_TILE_COLUMNS || k > KC) {
            return false;
        }
        long bBytes = (long) k * n * Float.BYTES;
        long panelBytes = (long) k * WIDE_TILE_COLUMNS * Float.BYTES;
        return bBytes <= maxBBytes || MicroKernel.FOUR_ROW_TAILS && m >= MANY_ROWS
                && bBytes <= 4 * maxBBytes && panelBytes <= maxBBytes / 16;
    }

    /**
     * The rows from which {@link #inPlaceTiles} reads a B past L2 in place with 12-row tiles (on
     * Zen 5 with 8 lanes, when the 4-row tiles had that stretch too, 64 rows of a 1 x 1
     * convolution won and 32 rows of (32, 1024, 512) lost), and the fewest rows of a part when a
     * parallel product in those tiles is split by rows.
     */
    static final int MANY_ROWS = 64;

    /** The rows of a tile of {@link UnpackedKernel#sixByFour} (32 vector registers) or {@link UnpackedKernel#fourByThree} (16). */
    static final int WIDE_TILE_ROWS = MicroKernel.FOUR_ROW_TAILS ? 6 : 4;
    /** The columns of such a tile: four vectors, or three. */
    static final int WIDE_TILE_COLUMNS = (MicroKernel.FOUR_ROW_TAILS ? 4 : 3) * LANES;

    private static final long IN_PLACE_MAX_B_BYTES = GemmBlocking.current().inPlaceMaxBBytes();
    private static final long IN_PLACE_MAX_B_BYTES_IN_PARTS = GemmBlocking.current().inPlaceMaxBBytesInParts();

    /**
     * The rows below which the last four or fewer rows of the wide tiles run in a four-row tile
     * ({@link UnpackedKernel#fourByFour}); from here on a six-row tile overlapping the one before
     * it computes them, two rows more, under 2 % of the work. The four-row kernel is called once
     * per block of columns, and in products of many rows that are not themselves called often it
     * compiled late: the input gradient of RnnBench's bidirectional LSTM (2048 x 128 and
     * 2048 x 512 from 1024) ran it interpreted until 10 s after start and in C1 until 15 s,
     * 4.7 MB of boxed vectors per forward and backward all that time (Zen 5, two cores).
     */
    static final int FOUR_ROW_TAIL_MAX_ROWS = 128;

    /** The most rows of A a {@link #skinny} product has. */
    static final int SKINNY_ROWS = 16;
    /** The deepest {@link #skinny} product. */
    static final int SKINNY_DEPTH = 768;

    /** {@code C = alpha op(A) B + beta C} on the calling thread, arguments checked by the caller; m, n, k > 0. */
    static void run(boolean transA, int m, int n, int k, float alpha, MemorySegment a, long aOff, long lda,
                    MemorySegment b, long bOff, long ldb, float beta, MemorySegment c, long cOff, long ldc) {
        long stepP = transA ? lda : 1;
        long stepR = transA ? 1 : lda;
        boolean tall = MicroKernel.FOUR_ROW_TAILS;
        int twelves = tall ? m - 8 * eightRowTiles(m) : 0;     // rows [twelves, m) in 8-row tiles
        // Blocks four vectors wide in 6-row tiles (three vectors in 4-row tiles with 16 vector
        // registers), where B is small enough to be read again every few rows from L1 or L2 (a
        // skinny product's B is not: it keeps the 12-row tiles). Those tiles store C = AB (alpha
        // applied after), so only with beta 0 and one K block; a last tile that overlaps the one
        // before it stores the shared rows again, the same bits (the same multiply-adds).
        boolean wideTilesFit = beta == 0f && k <= KC && m >= WIDE_TILE_ROWS
                && ((long) m * n * k <= MAX_MACS || inPlaceTiles(false, m, n, k, beta));
        int wideTiles = wideTilesFit ? n / WIDE_TILE_COLUMNS : 0;
        if (!tall) {
            // an even number of three-vector blocks, so that the rest is whole two-vector blocks
            // for fourByTwo, as far as the columns allow, not one vector left for the edge strip
            wideTiles &= ~1;
        }
        int wideCols = wideTiles * WIDE_TILE_COLUMNS;
        int wide = wideCols + (n - wideCols) / NR * NR;
        int cols = tall ? wide + (n - wide) / LANES * LANES : wide;
        int edge = n - cols;        // fewer columns than a vector (12-row tiles) or than NR (4-row tiles)
        // The 8-row, one-vector kernel updates C itself: a product of 8 or 16 rows one vector wide
        // needs no tile, nor the thread-local lookup that finds it.
        GemmWorkspace workspace = tall && wide == 0 && twelves == 0 && edge == 0 ? null : GemmWorkspace.get();
        boolean fourRowTail = tall && m < FOUR_ROW_TAIL_MAX_ROWS;
        float[] tile = workspace == null ? null : workspace.tile;
        MemorySegment strip = workspace == null ? null : workspace.edge;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            float betaHere = pc == 0 ? beta : 1f;      // later K blocks accumulate onto C
            long aAt = aOff + pc * stepP;
            long bAt = bOff + (long) pc * ldb;
            for (int j = 0; j < wideCols; j += WIDE_TILE_COLUMNS) {
                for (int i = 0; i < m; i += WIDE_TILE_ROWS) {
                    if (fourRowTail && m - i <= 4) {
                        // four rows or fewer left: a four-row tile ending at row m, not a six-row one
                        int top = m - 4;
                        UnpackedKernel.fourByFour(kc, a, aAt + top * stepR, stepP, stepR, b, bAt + j, ldb,
                                c, cOff + top * ldc + j, ldc);
                        continue;
                    }
                    int top = Math.min(i, m - WIDE_TILE_ROWS);      // the last tile: the last rows
                    if (tall) {
                        UnpackedKernel.sixByFour(kc, a, aAt + top * stepR, stepP, stepR, b, bAt + j, ldb,
                                c, cOff + top * ldc + j, ldc);
                    } else {
                        UnpackedKernel.fourByThree(kc, a, aAt + top * stepR, stepP, stepR, b, bAt + j, ldb,
                                c, cOff + top * ldc + j, ldc);
                    }
                }
            }
            // with 16 vector registers the two-vector blocks beside them store into C the same way
            int stored = wideTilesFit && !tall ? wide : wideCols;
            for (int j = wideCols; j < stored; j += NR) {
                for (int i = 0; i < m; i += 4) {
                    int top = Math.min(i, m - 4);
                    UnpackedKernel.fourByTwoInto(kc, a, aAt + top * stepR, stepP, stepR, b, bAt + j, ldb,
                            c, cOff + top * ldc + j, ldc);
                }
            }
            if (stored > 0 && alpha != 1f) {
                Sgemm.scale(m, stored, alpha, c, cOff, ldc);       // alpha (AB), the bits of (alpha AB) by lanes
            }
            for (int j = stored; j < wide; j += NR) {
                columnBlock(m, twelves, kc, a, aAt, stepP, stepR, b, bAt + j, ldb, tile, NR, alpha, betaHere, c,
                        cOff + j, ldc);
            }
            if (cols > wide) {
                for (int i = 0; i < twelves; i += MR) {
                    int top = Math.min(i, twelves - MR);
                    UnpackedKernel.twelveByOne(kc, a, aAt + top * stepR, stepP, stepR, b, bAt + wide, ldb, tile);
                    writeRows(tile, i - top, c, cOff + i * ldc + wide, ldc, LANES, alpha, betaHere);
                }
                for (int i = twelves; i < m; i += 8) {
                    UnpackedKernel.eightByOne(kc, a, aAt + i * stepR, stepP, stepR, b, bAt + wide, ldb, c, cOff + i * ldc + wide, ldc, alpha, betaHere);
                }
            }
            if (edge > 0) {
                copyEdge(kc, edge, b, bAt + cols, ldb, strip);
                columnBlock(m, twelves, kc, a, aAt, stepP, stepR, strip, 0, NR, tile, edge, alpha, betaHere, c,
                        cOff + cols, ldc);
            }
        }
    }

    /**
     * NR columns of B from {@code bAt}, {@code cols <= NR} of them written to C from {@code cAt},
     * for all m rows: 12-row tiles (one vector wide where {@code cols} fit in one) and 8-row ones,
     * or 4-row tiles, each through the tile and {@link MicroKernel#updateC}.
     */
    private static void columnBlock(int m, int twelves, int kc, MemorySegment a, long aAt, long stepP, long stepR,
                                       MemorySegment b, long bAt, long ldb, float[] tile, int cols, float alpha,
                                       float beta, MemorySegment c, long cAt, long ldc) {
        if (MicroKernel.FOUR_ROW_TAILS) {
            for (int i = 0; i < twelves; i += MR) {
                int top = Math.min(i, twelves - MR);      // the last tile: the last 12 rows
                if (cols <= LANES) {
                    UnpackedKernel.twelveByOne(kc, a, aAt + top * stepR, stepP, stepR, b, bAt, ldb, tile);
                } else {
                    UnpackedKernel.twelveByTwo(kc, a, aAt + top * stepR, stepP, stepR, b, bAt, ldb, tile);
                }
                writeRows(tile, i - top, c, cAt + i * ldc, ldc, cols, alpha, beta);
            }
            for (int i = twelves; i < m; i += 8) {
                UnpackedKernel.eightByTwo(kc, a, aAt + i * stepR, stepP, stepR, b, bAt, ldb, tile);
                MicroKernel.updateC(tile, c, cAt + i * ldc, ldc, 8, cols, alpha, beta);
            }
        } else {
            for (int i = 0; i < m; i += 4) {
                // fewer than four rows left: the last row twice, its duplicate not written
                long r0 = aAt + i * stepR;
                long last = r0 + (Math.min(4, m - i) - 1) * stepR;
                UnpackedKernel.fourByTwo(kc, a, r0, Math.min(r0 + stepR, last), Math.min(r0 + 2 * stepR, last),
                        last, stepP, b, bAt, ldb, tile);
                MicroKernel.updateC(tile, c, cAt + i * ldc, ldc, Math.min(4, m - i), cols, alpha, beta);
            }
        }
    }

    /**
     * Copies the last {@code edge < NR} columns of a K block of B ({@code kc} rows from
     * {@code bAt}) into {@code strip} as rows of NR floats, zeros after them, for
     * {@link #columnBlock}: what the packed path would have done for those columns, without
     * packing A and running its kernel on all of C's rows for a few columns. Masked vector loads
     * on the rows {@link FloatLanes#rowsWithin} the segment, floats one by one for the last few
     * of a B at the end of its segment. Copied float by float throughout, the strip took twice as
     * long as the product of 24 rows it fed.
     */
    private static void copyEdge(int kc, int edge, MemorySegment b, long bAt, long ldb, MemorySegment strip) {
        int vectorRows = FloatLanes.rowsWithin(b, bAt, ldb, NR, kc);
        for (int p = 0; p < vectorRows; p++) {
            long from = (bAt + p * ldb) * Float.BYTES;
            long to = (long) p * NR * Float.BYTES;
            for (int j = 0; j < NR; j += LANES) {
                VectorMask<Float> m = FloatLanes.firstLanes(edge - j);
                FloatVector.fromMemorySegment(SPECIES, b, from + j * Float.BYTES, ORDER, m)
                        .intoMemorySegment(strip, to + j * Float.BYTES, ORDER);
            }
        }
        for (int p = vectorRows; p < kc; p++) {
            long from = bAt + p * ldb;
            long to = (long) p * NR;
            for (int j = 0; j < edge; j++) {
                strip.setAtIndex(FLOAT, to + j, b.getAtIndex(FLOAT, from + j));
            }
            for (int j = edge; j < NR; j++) {
                strip.setAtIndex(FLOAT, to + j, 0f);
            }
        }
    }

    /**
     * How many 8-row tiles finish a product of m rows whose first rows run in 12-row tiles: enough
     * that the 12-row tiles divide the rest, so no row is computed twice (64 = 4 x 12 + 2 x 8,
     * where 12-row tiles alone computed 72 rows). Rows that are not a multiple of four keep a last
     * 12-row tile that overlaps the one before it.
     */
    static int eightRowTiles(int m) {
        if (m % 4 != 0) {
            return 0;
        }
        return switch (m % 12) {
            case 8 -> 1;
            case 4 -> m >= 16 ? 2 : 0;
            default -> 0;
        };
    }

    /**
     * Writes a 12-row tile's rows from {@code skip} on into C from {@code cAt}: the rows of a last
     * tile that earlier tiles have not written.
     */
    private static void writeRows(float[] tile, int skip, MemorySegment c, long cAt, long ldc, int cols, float alpha,
                                  float beta) {
        if (skip > 0) {
            System.arraycopy(tile, skip * NR, tile, 0, (MR - skip) * NR);
        }
        MicroKernel.updateC(tile, c, cAt, ldc, MR - skip, cols, alpha, beta);
    }
}
