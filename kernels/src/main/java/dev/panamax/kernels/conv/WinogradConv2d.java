package dev.panamax.kernels.conv;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.CpuCaches;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.gemm.GemmBlocking;
import dev.panamax.kernels.gemm.PackedMatrixA;
import dev.panamax.kernels.gemm.PrepackedSgemm;
import dev.panamax.kernels.gemm.Sgemm;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * A stride-1 3 x 3 convolution by Winograd's minimal filtering F(2 x 2, 3 x 3) (Lavin and Gray,
 * "Fast Algorithms for Convolutional Neural Networks", 2015): each 2 x 2 block of outputs ("tile")
 * is {@code A^T [(G g G^T) ⊙ (B^T d B)] A} of the 4 x 4 input patch d under it, so a tile costs 16
 * multiplications per channel pair instead of 36. Summed over the input channels, the 16
 * element-wise products become 16 independent GEMMs, one per transform point ξ:
 * {@code M_ξ [O, tiles] = U_ξ [O, C] V_ξ [C, tiles]}, where U holds the transformed filters
 * ({@link #transformFilters}, once per call) and V the transformed input patches. The ResNet
 * 3 x 3 (64 to 64 channels, 56 x 56) does 2.25 times fewer multiply-adds than the direct sum;
 * the transforms are additions only. The input gradient is the same convolution of dy with the
 * filters turned and transposed; the weight gradient ({@link #block}) the chain rule
 * through the transforms, 16 GEMMs over the tiles.
 *
 * <p>Numerics: the transforms' coefficients are 0, ±1 and ±1/2 (exact in float), and F(2, 3) is
 * the Winograd variant whose error stays close to the direct sum's (the larger tiles, F(4, 3) and
 * up, lose digits to their fractional coefficients); the sums run in a different order from the
 * direct loops, so the last bits differ.
 *
 * <p>The image is taken in blocks of tile rows ({@link Tiling#rowBlock}), as many as
 * {@link #blockBytes} allows, and each block in ranges of some panels of tiles
 * ({@link Tiling#rangeTiles}), whose V and M stay in the caches closest to the core from the
 * transforms through the 16 GEMMs; the forward filters are packed for the GEMMs once per call
 * ({@link PackedMatrixA}), not once per product. Written for a whole block, V and M (6.4 MB per
 * ResNet 3 x 3 image) went out to L3 and came back twice, and the ResNet 3 x 3 forward took
 * 22.0-23.4 ms where ranges take 19.3-19.8 (one thread, Zen 3, fastest calls). Within a block, a
 * padded copy of the input rows keeps each row's even columns then its odd ones: the four
 * columns of tile j, {@code 2j .. 2j+3}, are then lane j of four unit-stride loads (even from j,
 * odd from j, even from j + 1, odd from j + 1), and the input transform of a vector of tiles
 * needs no shuffle.
 * The outputs of a vector of tiles come out with the even and odd columns apart and are
 * interleaved by two two-vector selections per output row.
 */
final class WinogradConv2d {

    /** Transform points of a tile: the 4 x 4 of F(2 x 2, 3 x 3). */
    static final int POINTS = 16;


    /** Index vectors of {@code selectFrom(a, b)}: the even lanes of a then b, the odd ones. */
    private static final float[] EVEN = new float[LANES];
    private static final float[] ODD = new float[LANES];
    /** Lanes 0 .. LANES/2 - 1 of a and b interleaved (a0 b0 a1 b1 ...), then the upper halves. */
    private static final float[] LOW = new float[LANES];
    private static final float[] HIGH = new float[LANES];
    /**
     * {@link FloatLanes#firstLanes}'s masks, read here without a call: the transforms are too
     * large for C2 to inline one more method, and the call spilled a dozen live vectors around
     * each ragged row end (42 % of transformOutput's samples in the ResNet 3 x 3 forward, Zen 5).
     */
    @SuppressWarnings("unchecked")
    private static final VectorMask<Float>[] FIRST_LANES = java.util.stream.IntStream.rangeClosed(0, LANES)
            .mapToObj(FloatLanes::firstLanes).toArray(VectorMask[]::new);

    static {
        for (int i = 0; i < LANES; i++) {
            EVEN[i] = 2 * i;
            ODD[i] = 2 * i + 1;
            LOW[i] = (i % 2) * LANES + i / 2;
            HIGH[i] = (i % 2) * LANES + LANES / 2 + i / 2;
        }
    }

    private WinogradConv2d() {
    }

    /** Whether this path applies: a 3 x 3 kernel, stride 1, no dilation (any padding). */
    static boolean applies(ConvGeometry g) {
        return g.kernelH() == 3 && g.kernelW() == 3 && g.strideH() == 1 && g.strideW() == 1
                && g.dilationH() == 1 && g.dilationW() == 1;
    }

    /**
     * Whether the Winograd forward pass repays its filter transforms over {@code images} images
     * of geometry {@code g}: at least {@value #MIN_TILES} tiles. Both the transforms (at every
     * call) and the multiply-adds Winograd saves grow with the filters, so the tiles alone decide.
     * Zen 5, one thread, ms, Winograd / implicit GEMM: 256 channels on 14 x 14 (49 tiles an
     * image), 1 image 4.0 / 1.7-2.2, 4 images 9.7 / 7.2, 8 images 14.5 / 14.3; 128 channels on
     * 28 x 28 (196 tiles), 1 image 1.55 / 1.43, 2 images 2.48 / 2.90; 64 channels on 56 x 56
     * (784 tiles), 1 image 1.14 / 1.55.
     */
    static boolean pays(ConvGeometry g, int images) {
        return (long) images * Tiling.tilesH(g) * Tiling.tilesW(g) >= MIN_TILES;
    }

    /** The fewest tiles a call takes the Winograd path for ({@link #pays}). */
    static final int MIN_TILES = 256;

    /**
     * The bytes of V and M of a range, in L2s. ResNet 3 x 3 forward (64 channels, 56 x 56,
     * 8 images, one thread, Zen 3 with 512 KiB of L2; ranges alternated call by call in one JVM,
     * fastest calls, ms): ranges of 16 / 32 / 64 / 128 / 256 / 512 tiles 18.4 / 17.3 / 16.8 /
     * 16.6 / - / - and, in a second sitting, - / 20.1 / - / 18.5 / 18.3 / 19.0, the whole image
     * (784 tiles, V and M of 6.4 MB) 19.8. Ranges that fit in the L2 pay more in calls, range
     * edges and repacked panels than they save; beyond a few L2s the transforms' stores go out to
     * L3 and come back.
     */
    static final int RANGE_L2S = 2;

    /**
     * How one image is cut: {@code tilesH x tilesW} tiles of 2 x 2 outputs (the last row and
     * column of tiles overhang an odd output size); a padded input row as two halves of
     * {@code half} floats (its even columns, then its odd ones), room for every vector of tiles
     * plus the one column the fourth load reaches past it; {@code rowBlock} tile rows per block,
     * as many as keep the block's V and M within {@code blockBytes} (at least one);
     * {@code rangeTiles} tiles per range of a block, whole GEMM panels, as many as keep
     * the range's V and M within {@link #RANGE_L2S} L2s and {@code blockBytes} (at least one panel).
     */
    record Tiling(int tilesH, int tilesW, int rowBlock, int rangeTiles) {

        /**
         * The tiling of {@code g} for {@code outs} output channels and blocks of
         * {@code blockBytes}: {@code previous} itself where it is that tiling, so that a job
         * calling with the same shape again allocates nothing.
         */
        static Tiling of(Tiling previous, ConvGeometry g, int outs, long blockBytes) {
            int tilesH = tilesH(g);
            int tilesW = tilesW(g);
            int rowBlock = rowBlock(g, outs, blockBytes);
            int rangeTiles = rangeTiles(g, outs, blockBytes);
            if (previous != null && previous.tilesH == tilesH && previous.tilesW == tilesW
                    && previous.rowBlock == rowBlock && previous.rangeTiles == rangeTiles) {
                return previous;
            }
            return new Tiling(tilesH, tilesW, rowBlock, rangeTiles);
        }

        private static int tilesH(ConvGeometry g) {
            return (g.outHeight() + 1) / 2;
        }

        private static int tilesW(ConvGeometry g) {
            return (g.outWidth() + 1) / 2;
        }

        /**
         * A padded input row's half: every vector of tiles (a range may start anywhere in a row,
         * so a vector of tiles from its last tile) plus the column the fourth load reaches past it.
         */
        int half() {
            return half(tilesW);
        }

        private static int half(int tilesW) {
            return tilesW + LANES;
        }

        private static long perTileBytes(ConvGeometry g, int outs) {
            return (long) POINTS * Float.BYTES * (g.channels() + outs);
        }

        private static int rowBlock(ConvGeometry g, int outs, long blockBytes) {
            return (int) Math.clamp(blockBytes / perTileBytes(g, outs) / tilesW(g), 1, tilesH(g));
        }

        private static int rangeTiles(ConvGeometry g, int outs, long blockBytes) {
            int panel = PrepackedSgemm.columnAlignment();
            long rangeBytes = Math.min(RANGE_L2S * GemmBlocking.current().caches().l2(), blockBytes);
            long tiles = (long) tilesH(g) * tilesW(g);
            return (int) Math.clamp(rangeBytes / (perTileBytes(g, outs) * panel), 1, (tiles + panel - 1) / panel) * panel;
        }

        /** {@link #blocks} of the tiling {@link #of} would give, with no tiling made. */
        static int blocks(ConvGeometry g, int outs, long blockBytes) {
            return blocks(tilesH(g), rowBlock(g, outs, blockBytes));
        }

        /** Floats of {@link #sliceFloats}'s padded rows and V and M, with no tiling made. */
        static long blockFloats(ConvGeometry g, int outs, long blockBytes) {
            long ld = rangeLd(rangeTiles(g, outs, blockBytes));
            long paddedPlane = paddedPlane(rowBlock(g, outs, blockBytes), half(tilesW(g)));
            return g.channels() * paddedPlane + POINTS * (g.channels() * ld + LANES) + POINTS * (outs * ld + LANES);
        }

        /**
         * The row stride of V and M in a range: its tiles, and the vector that the last vector of
         * tiles spills into.
         */
        int rangeLd() {
            return rangeLd(rangeTiles);
        }

        private static int rangeLd(int rangeTiles) {
            return rangeTiles + LANES;
        }

        /*
         * The walk of a range of tiles t0 .. t0 + n - 1 (row-major over the block's tile rows),
         * which the three transforms share: tile rows firstRow .. endRow - 1, in row i the tiles
         * from .. to - 1, at column i tilesW + j - t0 of V or M.
         */

        /** The block's first tile row with a tile in the range starting at tile {@code t0}. */
        int firstRow(int t0) {
            return t0 / tilesW;
        }

        /** One past the block's last tile row with a tile in the range {@code t0 .. t0 + n - 1}. */
        int endRow(int t0, int n) {
            return (t0 + n + tilesW - 1) / tilesW;
        }

        /** The range's first tile in tile row {@code i}. */
        int from(int i, int t0) {
            return Math.max(0, t0 - i * tilesW);
        }

        /** One past the range's last tile in tile row {@code i}. */
        int to(int i, int t0, int n) {
            return Math.min(tilesW, t0 + n - i * tilesW);
        }

        /** Blocks of tile rows in an image. */
        int blocks() {
            return blocks(tilesH, rowBlock);
        }

        private static int blocks(int tilesH, int rowBlock) {
            return (tilesH + rowBlock - 1) / rowBlock;
        }

        /** Floats of one channel's padded rows for a block of {@code tileRows} tile rows. */
        long paddedPlane(int tileRows) {
            return paddedPlane(tileRows, half());
        }

        private static long paddedPlane(int tileRows, int half) {
            return (2L * tileRows + 2) * 2 * half;
        }
    }

    /**
     * The bytes of V and M a block may take, for a call on {@code threads} threads: a quarter of
     * the L3 (the L2 where the OS reports none), and no more than a thread's half of
     * {@link Conv2d#WORKSPACE_BUDGET_BYTES}. V and M stream through the L3 rather than staying in
     * the L2: the GEMMs want many tiles more than the transforms want a cache. ResNet 3 x 3 forward
     * (64 channels, 56 x 56, 8 images, one thread, Zen 4, ms): blocks of 0.5 / 1 / 2 / 8 MB
     * 15.7 / 14.2 / 13.9 / 12.7 (8 MB is the whole image); 256 channels on 14 x 14, 27.0 / - /
     * 15.7 / 14.7, against 21.1 by implicit GEMM.
     */
    static long blockBytes(int threads) {
        CpuCaches caches = GemmBlocking.current().caches();
        long cached = caches.l3() > 0 ? caches.l3() / 4 : caches.l2();
        return Math.max(1, Math.min(cached, Conv2d.WORKSPACE_BUDGET_BYTES / 2 / threads));
    }

    /** Floats of the transformed filters of all groups: {@code U [groups][16][outs][ins]}. */
    static long filterFloats(int groups, int outs, int ins) {
        return (long) groups * POINTS * outs * ins;
    }

    /**
     * One thread's workspace for blocks of geometry {@code g} with {@code outs} output channels:
     * the block's padded input rows, a range's V ({@code 16 x [C, tiles]}) and M
     * ({@code 16 x [outs, tiles]}), each followed by a vector of slack that the last vector of
     * tiles spills into, and two vectors of scratch for a row of y or dy that ends at its
     * segment's end.
     */
    static long sliceFloats(ConvGeometry g, int outs, long blockBytes) {
        return Tiling.blockFloats(g, outs, blockBytes) + 2 * LANES;
    }

    /**
     * One thread's workspace for weight-gradient blocks: a block's ({@link #sliceFloats}, M
     * holding dM), {@link WinogradWeightGradient}'s scratch where that layout takes the blocks,
     * then the thread's {@code dU} of every group, summed over threads by the caller.
     */
    static long gradientSliceFloats(int groups, ConvGeometry g, int outs, long blockBytes) {
        long channelsLast = WinogradWeightGradient.applies(g.channels(), outs)
                ? WinogradWeightGradient.scratchFloats(Tiling.tilesW(g), g.channels(), outs) : 0;
        return sliceFloats(g, outs, blockBytes) + channelsLast + filterFloats(groups, outs, g.channels());
    }

    /**
     * Packs each group's {@code U_ξ [outs, ins]} (at {@code uAt + (q 16 + ξ) outs ins} of u, as
     * {@link #transformFilters} left them) for the forward GEMMs: {@code packed[q 16 + ξ]}.
     */
    static void packFilters(int groups, int outs, int ins, MemorySegment u, long uAt, PackedMatrixA[] packed) {
        for (int i = 0; i < groups * POINTS; i++) {
            packed[i].pack(false, outs, ins, u, uAt + (long) i * outs * ins, ins);
        }
    }

    /**
     * The planned block size, or a smaller one where the (image, group, block) tasks are fewer
     * than the threads (a batch-1 image in one block): a share of it per thread, so that each has
     * a block. Smaller blocks need less workspace than the plan holds.
     */
    static long blockBytesForTasks(long planned, int images, int groups, ConvGeometry g, int outs, int threads) {
        long tasks = (long) images * groups * Tiling.blocks(g, outs, planned);
        return tasks >= threads ? planned : Math.max(1, planned * tasks / threads);
    }

    /**
     * {@code U [16][outs][ins]} of one group: {@code G g G^T} of every filter, the point
     * {@code ξ = 4a + b} at row a, column b. Filter {@code (o, c)} is {@code w [o, c, 3, 3]}
     * (w holding {@code [outs, ins, 3, 3]}); with {@code adjoint}, it is the input gradient's filter
     * {@code w [c, o]} turned by 180 degrees (w holding {@code [ins, outs, 3, 3]}), so that dx is
     * this convolution of dy ({@link ImplicitConv2d#adjoint}).
     */
    static void transformFilters(int outs, int ins, boolean adjoint, MemorySegment w, long wAt, MemorySegment u, long uAt) {
        long point = (long) outs * ins;
        for (int o = 0; o < outs; o++) {
            for (int c = 0; c < ins; c++) {
                long from = wAt + (adjoint ? (long) c * outs + o : (long) o * ins + c) * 9;
                // each tap read once: read per row of G g (four bounds-checked reads of each), the
                // transforms of a batch-1 forward with 256 channels on 14 x 14 took most of its time,
                // 4.7-4.8 ms against 4.0 now (Zen 5, one thread); U is made at every call
                double t0 = tap(w, from, 0, adjoint), t1 = tap(w, from, 1, adjoint), t2 = tap(w, from, 2, adjoint);
                double t3 = tap(w, from, 3, adjoint), t4 = tap(w, from, 4, adjoint), t5 = tap(w, from, 5, adjoint);
                double t6 = tap(w, from, 6, adjoint), t7 = tap(w, from, 7, adjoint), t8 = tap(w, from, 8, adjoint);
                long at = uAt + (long) o * ins + c;
                // row a of G g, column by column: G's rows are (1 0 0), (1/2 1/2 1/2), (1/2 -1/2 1/2), (0 0 1)
                for (int a = 0; a < 4; a++) {
                    putRowTimesGt(gRow(a, t0, t3, t6), gRow(a, t1, t4, t7), gRow(a, t2, t5, t8), u, at + 4 * a * point, point);
                }
            }
        }
    }

    /** Points {@code 4a .. 4a + 3} of a filter: {@code (g0, g1, g2)}, row a of G g, times G^T. */
    private static void putRowTimesGt(double g0, double g1, double g2, MemorySegment u, long at, long point) {
        for (int b = 0; b < 4; b++) {
            FloatLanes.set(u, at + b * point, (float) gRow(b, g0, g1, g2));
        }
    }

    /** Tap {@code t} (row-major 3 x 3) of the filter at {@code from}, or of the filter turned by 180 degrees. */
    private static double tap(MemorySegment w, long from, int t, boolean turned) {
        return FloatLanes.get(w, from + (turned ? 8 - t : t));
    }

    /** Row {@code a} of G applied to {@code (v0, v1, v2)}. */
    private static double gRow(int a, double v0, double v1, double v2) {
        return switch (a) {
            case 0 -> v0;
            case 1 -> 0.5 * (v0 + v1 + v2);
            case 2 -> 0.5 * (v0 - v1 + v2);
            default -> v2;
        };
    }

    /**
     * Block {@code block} of tile rows of one image and group of {@code x [C, H, W]}: its input
     * rows padded once, then, range by range of {@link Tiling#rangeTiles} tiles, V (the
     * transformed input patches) and
     * <ul>
     * <li>with {@code u} (the forward pass): the 16 products {@code M_ξ = U_ξ V_ξ} with the packed
     *     filters {@code u[uFirst + ξ]} ({@link #packFilters}), and {@code y [outs, Hout, Wout]}
     *     (written, no bias) from their output transform;</li>
     * <li>with {@code u} null (the weight gradient): {@code dU_ξ [outs, C] += dM_ξ V_ξ^T} over the
     *     range's tiles, added into {@code du}, where y holds dy {@code [outs, Hout, Wout]} and
     *     {@code dM = A dY A^T} is the gradient of the output transform applied to each tile's
     *     2 x 2 of dy. The chain rule through the transforms, which are linear: dW is then
     *     {@code G^T dU G} ({@link #gradientToFilters}), once for all blocks, and the 16 GEMMs run
     *     over the tiles, 2.25 times fewer multiply-adds than the nine taps' products over the
     *     outputs. With 8 lanes and channels in whole vectors, {@link WinogradWeightGradient}
     *     takes the block, V and dM tile-major.</li>
     * </ul>
     *
     * @param t     the call's tiling ({@link Tiling#of} of g, outs and the block size)
     * @param slice where this thread's workspace ({@link #sliceFloats}) starts
     */
    static void block(ConvGeometry g, int outs, Tiling t, int block, MemorySegment x, long xAt, PackedMatrixA[] u,
                      int uFirst, MemorySegment du, long duAt, MemorySegment y, long yAt, MemorySegment work, long slice) {
        int c = g.channels();
        int first = block * t.rowBlock();
        int tileRows = Math.min(t.rowBlock(), t.tilesH() - first);
        int tiles = tileRows * t.tilesW();
        int ld = t.rangeLd();
        long plane = t.paddedPlane(tileRows);
        long padAt = slice;
        long vAt = padAt + c * plane;
        long vPoint = (long) c * ld + LANES;
        long mAt = vAt + POINTS * vPoint;
        long mPoint = (long) outs * ld + LANES;
        long scratch = mAt + POINTS * mPoint;
        if (u == null && WinogradWeightGradient.applies(c, outs)) {
            WinogradWeightGradient.block(g, outs, t, first, tileRows, x, xAt, du, duAt, y, yAt, work, padAt, vAt, vPoint,
                    mAt, mPoint, scratch + 2 * LANES);
            return;
        }
        padRows(g, t, 2 * first, 2 * tileRows + 2, x, xAt, work, padAt);
        for (int t0 = 0; t0 < tiles; t0 += t.rangeTiles()) {
            int n = Math.min(t.rangeTiles(), tiles - t0);
            transformInput(c, t, plane, t0, n, ld, work, padAt, vAt, vPoint);
            if (u != null) {
                for (int p = 0; p < POINTS; p++) {
                    PrepackedSgemm.multiply(u[uFirst + p], n, 1f, work, vAt + p * vPoint, ld, 0f, work, mAt + p * mPoint,
                            ld);
                }
                transformOutput(outs, t, first, t0, n, ld, g.outHeight(), g.outWidth(), work, mAt, mPoint, y, yAt, scratch);
                continue;
            }
            transformGradient(outs, t, first, t0, n, ld, g.outHeight(), g.outWidth(), y, yAt, work, mAt, mPoint, scratch);
            // the sum runs over the range's tiles only: the columns past them hold whatever the spills left
            for (int p = 0; p < POINTS; p++) {
                Sgemm.sgemm(false, true, outs, c, n, 1f, work, mAt + p * mPoint, ld, work, vAt + p * vPoint, ld,
                        1f, du, duAt + (long) p * outs * c, c);
            }
        }
    }

    /**
     * {@code dM_ξ [outs, n]} at {@code mAt + ξ mPoint}: {@code A dY A^T} of the 2 x 2 of dy (zero
     * past the output's edge) of each of the block's tiles {@code t0 .. t0 + n - 1}, A's rows
     * (1 0), (1 1), (1 -1), (0 -1). A vector of tiles reads two vectors of each dy row and splits
     * their even and odd columns apart; it spills as {@link #transformInput} does.
     */
    private static void transformGradient(int outs, Tiling t, int firstTileRow, int t0, int n, int ld, int oh, int ow,
                                          MemorySegment dy, long dyAt, MemorySegment work, long mAt, long mPoint,
                                          long scratch) {
        int tw = t.tilesW();
        int rows = t.endRow(t0, n);
        long dyEnd = dy.byteSize() / Float.BYTES;
        FloatVector even = FloatVector.fromArray(SPECIES, EVEN, 0);
        FloatVector odd = FloatVector.fromArray(SPECIES, ODD, 0);
        FloatVector zero = FloatVector.zero(SPECIES);
        long p = mPoint * Float.BYTES;
        for (int o = 0; o < outs; o++) {
            for (int i = t.firstRow(t0); i < rows; i++) {
                int row = 2 * (firstTileRow + i);
                int rowsIn = Math.min(2, oh - row);
                long base = dyAt + ((long) o * oh + row) * ow;
                long to = mAt + (long) o * ld + (long) i * tw - t0;
                int jTo = t.to(i, t0, n);
                for (int j = t.from(i, t0); j < jTo; j += LANES) {
                    int left = ow - 2 * j;
                    FloatVector a0 = zero;
                    FloatVector a1 = zero;
                    FloatVector b0 = zero;
                    FloatVector b1 = zero;
                    for (int r = 0; r < rowsIn; r++) {
                        long at = base + (long) r * ow + 2L * j;
                        FloatVector v0;
                        FloatVector v1;
                        if (left >= 2 * LANES) {
                            v0 = FloatVector.fromMemorySegment(SPECIES, dy, at * Float.BYTES, ORDER);
                            v1 = FloatVector.fromMemorySegment(SPECIES, dy, (at + LANES) * Float.BYTES, ORDER);
                        } else if (at + 2 * LANES <= dyEnd) {
                            // whole loads and zeros blended in: see padRows
                            v0 = zero.blend(FloatVector.fromMemorySegment(SPECIES, dy, at * Float.BYTES, ORDER),
                                    FIRST_LANES[Math.min(left, LANES)]);
                            v1 = zero.blend(FloatVector.fromMemorySegment(SPECIES, dy, (at + LANES) * Float.BYTES, ORDER),
                                    FIRST_LANES[Math.max(left - LANES, 0)]);
                        } else {
                            // the row ends at dy's end: a masked load there takes the Vector API's slow path
                            FloatLanes.fill(work, scratch, 2 * LANES, 0f);
                            MemorySegment.copy(dy, at * Float.BYTES, work, scratch * Float.BYTES, (long) left * Float.BYTES);
                            v0 = FloatVector.fromMemorySegment(SPECIES, work, scratch * Float.BYTES, ORDER);
                            v1 = FloatVector.fromMemorySegment(SPECIES, work, (scratch + LANES) * Float.BYTES, ORDER);
                        }
                        if (r == 0) {
                            a0 = v0;
                            a1 = v1;
                        } else {
                            b0 = v0;
                            b1 = v1;
                        }
                    }
                    FloatVector y00 = even.selectFrom(a0, a1);
                    FloatVector y01 = odd.selectFrom(a0, a1);
                    FloatVector y10 = even.selectFrom(b0, b1);
                    FloatVector y11 = odd.selectFrom(b0, b1);
                    // dY A^T of each row: (y0, y0 + y1, y0 - y1, -y1)
                    FloatVector r01 = y00.add(y01);
                    FloatVector r02 = y00.sub(y01);
                    FloatVector r03 = y01.neg();
                    FloatVector r11 = y10.add(y11);
                    FloatVector r12 = y10.sub(y11);
                    FloatVector r13 = y11.neg();
                    // A over the rows: (r0, r0 + r1, r0 - r1, -r1)
                    long m = (to + j) * Float.BYTES;
                    y00.intoMemorySegment(work, m, ORDER);
                    r01.intoMemorySegment(work, m + p, ORDER);
                    r02.intoMemorySegment(work, m + 2 * p, ORDER);
                    r03.intoMemorySegment(work, m + 3 * p, ORDER);
                    y00.add(y10).intoMemorySegment(work, m + 4 * p, ORDER);
                    r01.add(r11).intoMemorySegment(work, m + 5 * p, ORDER);
                    r02.add(r12).intoMemorySegment(work, m + 6 * p, ORDER);
                    r03.add(r13).intoMemorySegment(work, m + 7 * p, ORDER);
                    y00.sub(y10).intoMemorySegment(work, m + 8 * p, ORDER);
                    r01.sub(r11).intoMemorySegment(work, m + 9 * p, ORDER);
                    r02.sub(r12).intoMemorySegment(work, m + 10 * p, ORDER);
                    r03.sub(r13).intoMemorySegment(work, m + 11 * p, ORDER);
                    y10.neg().intoMemorySegment(work, m + 12 * p, ORDER);
                    r11.neg().intoMemorySegment(work, m + 13 * p, ORDER);
                    r12.neg().intoMemorySegment(work, m + 14 * p, ORDER);
                    r13.neg().intoMemorySegment(work, m + 15 * p, ORDER);
                }
            }
        }
    }

    /**
     * {@code dw [outs, ins, 3, 3]} from {@code dU [16][outs][ins]}: {@code G^T dU G} of every
     * filter, the gradient of {@link #transformFilters} (G^T's rows (1 1/2 1/2 0), (0 1/2 -1/2 0),
     * (0 1/2 1/2 1)). Summed in double, as the filters are transformed.
     */
    static void gradientToFilters(int outs, int ins, MemorySegment du, long duAt, MemorySegment dw, long dwAt) {
        long point = (long) outs * ins;
        for (int o = 0; o < outs; o++) {
            for (int c = 0; c < ins; c++) {
                long from = duAt + (long) o * ins + c;
                long to = dwAt + ((long) o * ins + c) * 9;
                // dU's 16 points read once each, not once per row of G^T dU
                double u0 = FloatLanes.get(du, from), u1 = FloatLanes.get(du, from + point);
                double u2 = FloatLanes.get(du, from + 2 * point), u3 = FloatLanes.get(du, from + 3 * point);
                double u4 = FloatLanes.get(du, from + 4 * point), u5 = FloatLanes.get(du, from + 5 * point);
                double u6 = FloatLanes.get(du, from + 6 * point), u7 = FloatLanes.get(du, from + 7 * point);
                double u8 = FloatLanes.get(du, from + 8 * point), u9 = FloatLanes.get(du, from + 9 * point);
                double u10 = FloatLanes.get(du, from + 10 * point), u11 = FloatLanes.get(du, from + 11 * point);
                double u12 = FloatLanes.get(du, from + 12 * point), u13 = FloatLanes.get(du, from + 13 * point);
                double u14 = FloatLanes.get(du, from + 14 * point), u15 = FloatLanes.get(du, from + 15 * point);
                for (int r = 0; r < 3; r++) {
                    // row r of G^T dU, column by column
                    double t0 = gtRow(r, u0, u4, u8, u12);
                    double t1 = gtRow(r, u1, u5, u9, u13);
                    double t2 = gtRow(r, u2, u6, u10, u14);
                    double t3 = gtRow(r, u3, u7, u11, u15);
                    for (int s = 0; s < 3; s++) {
                        FloatLanes.set(dw, to + 3 * r + s, (float) gtRow(s, t0, t1, t2, t3));
                    }
                }
            }
        }
    }

    /** Row {@code r} of G^T applied to {@code (v0, v1, v2, v3)}. */
    private static double gtRow(int r, double v0, double v1, double v2, double v3) {
        return switch (r) {
            case 0 -> v0 + 0.5 * (v1 + v2);
            case 1 -> 0.5 * (v1 - v2);
            default -> 0.5 * (v1 + v2) + v3;
        };
    }

    /**
     * Padded input rows {@code from .. from + rows - 1} of every channel (in padded coordinates:
     * image row {@code r - padH}), zero outside the image, each row split into its even columns
     * then its odd ones ({@link Tiling#half} floats each). Padded column {@code s + padW} of image
     * column s decides which half: with an even padding the image's even columns go to the even
     * half, with an odd one to the odd half.
     */
    private static void padRows(ConvGeometry g, Tiling t, int from, int rows, MemorySegment x, long xAt,
                                MemorySegment work, long at) {
        int c = g.channels();
        int h = g.height();
        int w = g.width();
        int pw = g.padW();
        int half = t.half();
        long rowFloats = 2L * half;
        FloatLanes.fill(work, at, c * rows * rowFloats, 0f);
        long evenTo = pw % 2 == 0 ? pw / 2 : half + (pw - 1) / 2;    // where image column 0 lands
        long oddTo = pw % 2 == 0 ? half + pw / 2 : (pw + 1) / 2;     // and image column 1
        int pairs = w / (2 * LANES) * LANES;                          // column pairs in whole vectors
        int rest = w - 2 * pairs;                                      // and in masked ones
        long xEnd = x.byteSize() / Float.BYTES;
        FloatVector even = FloatVector.fromArray(SPECIES, EVEN, 0);
        FloatVector odd = FloatVector.fromArray(SPECIES, ODD, 0);
        for (int ch = 0; ch < c; ch++) {
            for (int r = 0; r < rows; r++) {
                int s = from + r - g.padH();
                if (s < 0 || s >= h) {
                    continue;
                }
                long src = xAt + ((long) ch * h + s) * w;
                long dst = at + ((long) ch * rows + r) * rowFloats;
                for (int m = 0; m < pairs; m += LANES) {
                    FloatVector v0 = FloatVector.fromMemorySegment(SPECIES, x, (src + 2L * m) * Float.BYTES, ORDER);
                    FloatVector v1 = FloatVector.fromMemorySegment(SPECIES, x, (src + 2L * m + LANES) * Float.BYTES, ORDER);
                    even.selectFrom(v0, v1).intoMemorySegment(work, (dst + evenTo + m) * Float.BYTES, ORDER);
                    odd.selectFrom(v0, v1).intoMemorySegment(work, (dst + oddTo + m) * Float.BYTES, ORDER);
                }
                long tail = src + 2L * pairs;
                if (rest > 0 && tail + 2 * LANES <= xEnd) {
                    // Whole loads, never past the end of x's segment, their surplus lanes masked off
                    // at the stores. Masked loads here took 3/4 of padRows's samples, which the
                    // ResNet 3 x 3 forward spent a fifth of its time in (Zen 5, one thread; 9.4-10.1
                    // ms with masked loads, 8.2-9.1 without).
                    FloatVector v0 = FloatVector.fromMemorySegment(SPECIES, x, tail * Float.BYTES, ORDER);
                    FloatVector v1 = FloatVector.fromMemorySegment(SPECIES, x, (tail + LANES) * Float.BYTES, ORDER);
                    even.selectFrom(v0, v1).intoMemorySegment(work, (dst + evenTo + pairs) * Float.BYTES, ORDER,
                            FIRST_LANES[(rest + 1) / 2]);
                    odd.selectFrom(v0, v1).intoMemorySegment(work, (dst + oddTo + pairs) * Float.BYTES, ORDER,
                            FIRST_LANES[rest / 2]);
                } else {
                    for (int col = 2 * pairs; col < w; col++) {
                        int p = col + pw;
                        FloatLanes.set(work, dst + (p % 2 == 0 ? p / 2 : half + p / 2), FloatLanes.get(x, src + col));
                    }
                }
            }
        }
    }

    /**
     * {@code V_ξ [c, n]} at {@code vAt + ξ vPoint}: {@code B^T d B} of the 4 x 4 patch d of each
     * of the block's tiles {@code t0 .. t0 + n - 1} (row-major over the block's tile rows), a
     * vector of tiles at a time; B^T's rows are (1 0 -1 0), (0 1 1 0), (0 -1 1 0), (0 1 0 -1). A
     * row's last vector of tiles spills past the row into the next one, which is written after
     * it, or into the vector of slack after the range. Each channel's padded rows take
     * {@code plane} floats ({@link Tiling#paddedPlane} of the block's tile rows).
     */
    private static void transformInput(int c, Tiling t, long plane, int t0, int n, int ld, MemorySegment work, long padAt,
                                       long vAt, long vPoint) {
        int half = t.half();
        int tw = t.tilesW();
        long rowFloats = 2L * half;
        int rows = t.endRow(t0, n);
        for (int ch = 0; ch < c; ch++) {
            for (int i = t.firstRow(t0); i < rows; i++) {
                long row = padAt + ch * plane + 2L * i * rowFloats;
                long to = vAt + (long) ch * ld + (long) i * tw - t0;
                int jTo = t.to(i, t0, n);
                for (int j = t.from(i, t0); j < jTo; j += LANES) {
                    // d B of each of the patch's four rows: columns 2j, 2j+1, 2j+2, 2j+3 as even j, odd j, even j+1, odd j+1
                    long e = (row + j) * Float.BYTES;
                    long o = e + half * Float.BYTES;
                    long step = rowFloats * Float.BYTES;
                    FloatVector d0 = FloatVector.fromMemorySegment(SPECIES, work, e, ORDER);
                    FloatVector d1 = FloatVector.fromMemorySegment(SPECIES, work, o, ORDER);
                    FloatVector d2 = FloatVector.fromMemorySegment(SPECIES, work, e + Float.BYTES, ORDER);
                    FloatVector d3 = FloatVector.fromMemorySegment(SPECIES, work, o + Float.BYTES, ORDER);
                    FloatVector w00 = d0.sub(d2);
                    FloatVector w01 = d1.add(d2);
                    FloatVector w02 = d2.sub(d1);
                    FloatVector w03 = d1.sub(d3);
                    d0 = FloatVector.fromMemorySegment(SPECIES, work, e + step, ORDER);
                    d1 = FloatVector.fromMemorySegment(SPECIES, work, o + step, ORDER);
                    d2 = FloatVector.fromMemorySegment(SPECIES, work, e + step + Float.BYTES, ORDER);
                    d3 = FloatVector.fromMemorySegment(SPECIES, work, o + step + Float.BYTES, ORDER);
                    FloatVector w10 = d0.sub(d2);
                    FloatVector w11 = d1.add(d2);
                    FloatVector w12 = d2.sub(d1);
                    FloatVector w13 = d1.sub(d3);
                    d0 = FloatVector.fromMemorySegment(SPECIES, work, e + 2 * step, ORDER);
                    d1 = FloatVector.fromMemorySegment(SPECIES, work, o + 2 * step, ORDER);
                    d2 = FloatVector.fromMemorySegment(SPECIES, work, e + 2 * step + Float.BYTES, ORDER);
                    d3 = FloatVector.fromMemorySegment(SPECIES, work, o + 2 * step + Float.BYTES, ORDER);
                    FloatVector w20 = d0.sub(d2);
                    FloatVector w21 = d1.add(d2);
                    FloatVector w22 = d2.sub(d1);
                    FloatVector w23 = d1.sub(d3);
                    d0 = FloatVector.fromMemorySegment(SPECIES, work, e + 3 * step, ORDER);
                    d1 = FloatVector.fromMemorySegment(SPECIES, work, o + 3 * step, ORDER);
                    d2 = FloatVector.fromMemorySegment(SPECIES, work, e + 3 * step + Float.BYTES, ORDER);
                    d3 = FloatVector.fromMemorySegment(SPECIES, work, o + 3 * step + Float.BYTES, ORDER);
                    FloatVector w30 = d0.sub(d2);
                    FloatVector w31 = d1.add(d2);
                    FloatVector w32 = d2.sub(d1);
                    FloatVector w33 = d1.sub(d3);
                    // B^T of the four rows: point 4a + b is row a, column b
                    long v = (to + j) * Float.BYTES;
                    long p = vPoint * Float.BYTES;
                    w00.sub(w20).intoMemorySegment(work, v, ORDER);
                    w01.sub(w21).intoMemorySegment(work, v + p, ORDER);
                    w02.sub(w22).intoMemorySegment(work, v + 2 * p, ORDER);
                    w03.sub(w23).intoMemorySegment(work, v + 3 * p, ORDER);
                    w10.add(w20).intoMemorySegment(work, v + 4 * p, ORDER);
                    w11.add(w21).intoMemorySegment(work, v + 5 * p, ORDER);
                    w12.add(w22).intoMemorySegment(work, v + 6 * p, ORDER);
                    w13.add(w23).intoMemorySegment(work, v + 7 * p, ORDER);
                    w20.sub(w10).intoMemorySegment(work, v + 8 * p, ORDER);
                    w21.sub(w11).intoMemorySegment(work, v + 9 * p, ORDER);
                    w22.sub(w12).intoMemorySegment(work, v + 10 * p, ORDER);
                    w23.sub(w13).intoMemorySegment(work, v + 11 * p, ORDER);
                    w10.sub(w30).intoMemorySegment(work, v + 12 * p, ORDER);
                    w11.sub(w31).intoMemorySegment(work, v + 13 * p, ORDER);
                    w12.sub(w32).intoMemorySegment(work, v + 14 * p, ORDER);
                    w13.sub(w33).intoMemorySegment(work, v + 15 * p, ORDER);
                }
            }
        }
    }

    /**
     * {@code y} of the block's tiles {@code t0 .. t0 + n - 1}: {@code A^T M A} of each tile's 16
     * points, A^T's rows (1 1 1 0) and (0 1 -1 -1). A vector of tiles gives each output row's even columns and odd
     * columns apart; interleaved, they are two vectors of the row. The last tiles of a row may
     * reach past the output's width (masked off), the last tile row past its height (skipped);
     * a masked store that would reach past y's segment is made through the scratch vector.
     */
    private static void transformOutput(int outs, Tiling t, int firstTileRow, int t0, int n, int ld, int oh, int ow,
                                        MemorySegment work, long mAt, long mPoint, MemorySegment y, long yAt, long scratch) {
        int tw = t.tilesW();
        int rows = t.endRow(t0, n);
        long yEnd = y.byteSize() / Float.BYTES;
        FloatVector low = FloatVector.fromArray(SPECIES, LOW, 0);
        FloatVector high = FloatVector.fromArray(SPECIES, HIGH, 0);
        long p = mPoint * Float.BYTES;
        for (int o = 0; o < outs; o++) {
            for (int i = t.firstRow(t0); i < rows; i++) {
                int row = 2 * (firstTileRow + i);
                int rowsOut = Math.min(2, oh - row);
                long y0 = yAt + ((long) o * oh + row) * ow;
                long from = mAt + (long) o * ld + (long) i * tw - t0;
                int jTo = t.to(i, t0, n);
                for (int j = t.from(i, t0); j < jTo; j += LANES) {
                    long m = (from + j) * Float.BYTES;
                    // A^T over the rows a of each column b: s0b = m0b + m1b + m2b, s1b = m1b - m2b - m3b
                    FloatVector m0 = FloatVector.fromMemorySegment(SPECIES, work, m, ORDER);
                    FloatVector m1 = FloatVector.fromMemorySegment(SPECIES, work, m + 4 * p, ORDER);
                    FloatVector m2 = FloatVector.fromMemorySegment(SPECIES, work, m + 8 * p, ORDER);
                    FloatVector m3 = FloatVector.fromMemorySegment(SPECIES, work, m + 12 * p, ORDER);
                    FloatVector s00 = m0.add(m1).add(m2);
                    FloatVector s10 = m1.sub(m2).sub(m3);
                    m0 = FloatVector.fromMemorySegment(SPECIES, work, m + p, ORDER);
                    m1 = FloatVector.fromMemorySegment(SPECIES, work, m + 5 * p, ORDER);
                    m2 = FloatVector.fromMemorySegment(SPECIES, work, m + 9 * p, ORDER);
                    m3 = FloatVector.fromMemorySegment(SPECIES, work, m + 13 * p, ORDER);
                    FloatVector s01 = m0.add(m1).add(m2);
                    FloatVector s11 = m1.sub(m2).sub(m3);
                    m0 = FloatVector.fromMemorySegment(SPECIES, work, m + 2 * p, ORDER);
                    m1 = FloatVector.fromMemorySegment(SPECIES, work, m + 6 * p, ORDER);
                    m2 = FloatVector.fromMemorySegment(SPECIES, work, m + 10 * p, ORDER);
                    m3 = FloatVector.fromMemorySegment(SPECIES, work, m + 14 * p, ORDER);
                    FloatVector s02 = m0.add(m1).add(m2);
                    FloatVector s12 = m1.sub(m2).sub(m3);
                    m0 = FloatVector.fromMemorySegment(SPECIES, work, m + 3 * p, ORDER);
                    m1 = FloatVector.fromMemorySegment(SPECIES, work, m + 7 * p, ORDER);
                    m2 = FloatVector.fromMemorySegment(SPECIES, work, m + 11 * p, ORDER);
                    m3 = FloatVector.fromMemorySegment(SPECIES, work, m + 15 * p, ORDER);
                    FloatVector s03 = m0.add(m1).add(m2);
                    FloatVector s13 = m1.sub(m2).sub(m3);
                    // A over the columns: even output column s_0 + s_1 + s_2, odd s_1 - s_2 - s_3
                    FloatVector even0 = s00.add(s01).add(s02);
                    FloatVector odd0 = s01.sub(s02).sub(s03);
                    FloatVector even1 = s10.add(s11).add(s12);
                    FloatVector odd1 = s11.sub(s12).sub(s13);
                    // outputs of this vector's tiles in the row and the range (the rest are masked off)
                    int left = Math.min(ow - 2 * j, 2 * (jTo - j));
                    if (left >= 2 * LANES && rowsOut == 2) {
                        long at = (y0 + 2L * j) * Float.BYTES;
                        long next = at + (long) ow * Float.BYTES;
                        low.selectFrom(even0, odd0).intoMemorySegment(y, at, ORDER);
                        high.selectFrom(even0, odd0).intoMemorySegment(y, at + LANES * Float.BYTES, ORDER);
                        low.selectFrom(even1, odd1).intoMemorySegment(y, next, ORDER);
                        high.selectFrom(even1, odd1).intoMemorySegment(y, next + LANES * Float.BYTES, ORDER);
                        continue;
                    }
                    for (int r = 0; r < rowsOut; r++) {
                        FloatVector even = r == 0 ? even0 : even1;
                        FloatVector odd = r == 0 ? odd0 : odd1;
                        for (int half = 0; half < 2 && left > half * LANES; half++) {
                            FloatVector v = (half == 0 ? low : high).selectFrom(even, odd);
                            long at = y0 + (long) r * ow + 2L * j + (long) half * LANES;
                            int lanes = Math.min(LANES, left - half * LANES);
                            if (lanes == LANES) {
                                // a whole vector: the masked store's per-lane bounds check was 4 % of the ResNet 3 x 3
                                v.intoMemorySegment(y, at * Float.BYTES, ORDER);
                            } else if (at + LANES <= yEnd) {
                                v.intoMemorySegment(y, at * Float.BYTES, ORDER, FIRST_LANES[lanes]);
                            } else {
                                v.intoMemorySegment(work, scratch * Float.BYTES, ORDER);
                                MemorySegment.copy(work, scratch * Float.BYTES, y, at * Float.BYTES, (long) lanes * Float.BYTES);
                            }
                        }
                    }
                }
            }
        }
    }
}
