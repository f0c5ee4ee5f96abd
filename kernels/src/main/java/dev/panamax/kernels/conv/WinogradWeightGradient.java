package dev.panamax.kernels.conv;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;
import static dev.panamax.kernels.conv.WinogradConv2d.POINTS;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.gemm.Blas1;
import dev.panamax.kernels.gemm.Sgemm;
import dev.panamax.kernels.gemm.TransposedSquare;
import jdk.incubator.vector.FloatVector;

/**
 * A block of the Winograd weight gradient ({@link WinogradConv2d#block} without filters) with the
 * channels in the lanes: {@code dU_ξ [outs, C] += dM_ξ^T V_ξ}, where V and dM are written tile by
 * tile, {@code V_ξ [tiles, C]} and {@code dM_ξ [tiles, outs]}, a vector of channels at a time,
 * from copies of the input block and of dy's rows turned channels last ({@code [H, W, C]}) in
 * 8 x 8 squares ({@link TransposedSquare#transposeEight}).
 *
 * <p>Why the other layout: the forward pass wants {@code V_ξ [C, tiles]} (the GEMM's B, tiles
 * wide), and so its transforms put tiles in the lanes. Summed over tiles, that layout makes both
 * of the weight gradient's operands rows along K, which the GEMM packs by gathering a float per
 * row and step. Tile-major, both are read where they lie, a row of each per step (SmallGemm's
 * tiles in place); the turned copies cost a quarter of what turning V and dM would (a pixel's
 * one float against a tile's 16 points per four pixels). ResNet 3 x 3 (64 channels, 56 x 56,
 * eight images), Zen 3, 8 lanes, weight gradient alone, ms: one thread 21.0-21.3 before,
 * 18.1-18.5 now; two threads 10.7-10.9 before, 8.9-9.1 now (each thread's products whole on
 * that thread: {@link dev.panamax.kernels.parallel.WorkerPool#threadsHere}). Copied a float at a
 * time instead of in squares, the gain was gone (20.2-20.5 ms).
 *
 * <p>Taken with 8 lanes, the width the squares are written and measured for, and channel
 * counts in whole vectors; other machines and shapes keep the tiles in the lanes (16-lane
 * machines pack those operands in 16 x 16 squares, not measured against this layout).
 */
final class WinogradWeightGradient {

    private WinogradWeightGradient() {
    }

    /** Whether this layout applies: 8 lanes, input and output channels in whole vectors. */
    static boolean applies(int channels, int outs) {
        return TransposedSquare.EIGHT_LANES && channels % LANES == 0 && outs % LANES == 0;
    }

    /** Floats of one tile row's dy copied channels last: its two rows, {@code [2][2 tilesW][outs]}. */
    private static long dyRowsFloats(int tilesW, int outs) {
        return 4L * tilesW * outs;
    }

    /**
     * Floats of a thread's scratch beyond {@link WinogradConv2d#sliceFloats}: a tile row's
     * {@link #dyRowsFloats}, then one product {@code [outs, C]}.
     */
    static long scratchFloats(int tilesW, int channels, int outs) {
        return dyRowsFloats(tilesW, outs) + (long) channels * outs;
    }

    /**
     * Adds block {@code first .. first + tileRows - 1} (tile rows) of one image's
     * {@code x [C, H, W]} and {@code dy [outs, Hout, Wout]} into {@code dU [16][outs][C]} at
     * {@code duAt}. The workspace regions are {@link WinogradConv2d#block}'s: the padded input at
     * {@code padAt} (here {@code [2 tileRows + 2][2 tilesW + 2][C]}, within the room of that
     * block's padded rows), V and dM at {@code vAt} and {@code mAt}, {@code vPoint} and
     * {@code mPoint} floats per point (here holding {@code [n][C]} and {@code [n][outs]} for a
     * range of n tiles), and {@link #scratchFloats} at {@code dyRowsAt}.
     */
    static void block(ConvGeometry g, int outs, WinogradConv2d.Tiling t, int first, int tileRows, MemorySegment x,
                      long xAt, MemorySegment du, long duAt, MemorySegment dy, long dyAt, MemorySegment work, long padAt,
                      long vAt, long vPoint, long mAt, long mPoint, long dyRowsAt) {
        int c = g.channels();
        int tw = t.tilesW();
        int width = 2 * tw + 2;
        padChannelsLast(g, 2 * first, 2 * tileRows + 2, width, x, xAt, work, padAt);
        int tiles = tileRows * tw;
        for (int t0 = 0; t0 < tiles; t0 += t.rangeTiles()) {
            int n = Math.min(t.rangeTiles(), tiles - t0);
            for (int i = t.firstRow(t0); i < t.endRow(t0, n); i++) {
                int from = t.from(i, t0);
                int to = t.to(i, t0, n);
                long k = (long) i * tw + from - t0;
                transformInput(c, from, to, padAt + 2L * i * width * c, width, work, vAt + k * c, vPoint);
                dyRows(g, outs, tw, 2 * (first + i), from, to, dy, dyAt, work, dyRowsAt);
                transformGradient(outs, tw, from, to, work, dyRowsAt, mAt + k * outs, mPoint);
            }
            // each product into a scratch (beta 0), then added: a product adding into C takes
            // the packed path, which packs these rows again; with beta 0 they are read in place
            long products = dyRowsAt + dyRowsFloats(tw, outs);
            for (int p = 0; p < POINTS; p++) {
                Sgemm.sgemm(true, false, outs, c, n, 1f, work, mAt + p * mPoint, outs, work, vAt + p * vPoint, c,
                        0f, work, products, c);
                Blas1.saxpy((long) outs * c, 1f, work, products, du, duAt + (long) p * outs * c);
            }
        }
    }

    /**
     * Padded rows {@code from .. from + rows - 1} of x as {@code [rows][width][C]}, zero outside
     * the image; padded column {@code s + padW} holds image column s. A row at a time, so that
     * the stores, a channel apart, stay within one row's copy.
     */
    private static void padChannelsLast(ConvGeometry g, int from, int rows, int width, MemorySegment x, long xAt,
                                        MemorySegment work, long at) {
        int c = g.channels();
        int h = g.height();
        int w = g.width();
        int pw = g.padW();
        int columns = Math.min(w, width - pw);
        long rowFloats = (long) width * c;
        for (int r = 0; r < rows; r++) {
            int s = from + r - g.padH();
            long row = at + r * rowFloats;
            if (s < 0 || s >= h) {
                FloatLanes.fill(work, row, rowFloats, 0f);
                continue;
            }
            // zeros left and right of the image's columns only: the copy writes the rest
            FloatLanes.fill(work, row, (long) pw * c, 0f);
            FloatLanes.fill(work, row + (long) (pw + columns) * c, (long) (width - pw - columns) * c, 0f);
            channelsLast(x, xAt + (long) s * w, (long) h * w, c, columns, work, row + (long) pw * c);
        }
    }

    /**
     * {@code columns} floats of each of {@code channels} rows ({@code src + ch plane}, {@code plane}
     * apart) to {@code dst [columns][channels]}: whole 8 x 8 squares, then the columns past the
     * last square a float at a time.
     */
    private static void channelsLast(MemorySegment src, long at, long plane, int channels, int columns,
                                     MemorySegment work, long dst) {
        int squares = columns / LANES * LANES;
        for (int ch = 0; ch < channels; ch += LANES) {
            for (int col = 0; col < squares; col += LANES) {
                TransposedSquare.transposeEight(src, at + ch * plane + col, plane, work, dst + (long) col * channels + ch,
                        channels);
            }
        }
        for (int ch = 0; ch < channels; ch++) {
            for (int col = squares; col < columns; col++) {
                FloatLanes.set(work, dst + (long) col * channels + ch, FloatLanes.get(src, at + ch * plane + col));
            }
        }
    }

    /**
     * {@code V_ξ} of tiles {@code from .. to - 1} of a tile row, whose padded rows start at
     * {@code row}: tile j at {@code vAt + ξ vPoint + (j - from) C}. B^T's rows are
     * (1 0 -1 0), (0 1 1 0), (0 -1 1 0), (0 1 0 -1), as in {@link WinogradConv2d}.
     */
    private static void transformInput(int c, int from, int to, long row, int width, MemorySegment work, long vAt,
                                       long vPoint) {
        long step = (long) width * c * Float.BYTES;
        long column = (long) c * Float.BYTES;
        long p = vPoint * Float.BYTES;
        for (int j = from; j < to; j++) {
            for (int ch = 0; ch < c; ch += LANES) {
                long e = (row + 2L * j * c + ch) * Float.BYTES;
                FloatVector d0 = FloatVector.fromMemorySegment(SPECIES, work, e, ORDER);
                FloatVector d1 = FloatVector.fromMemorySegment(SPECIES, work, e + column, ORDER);
                FloatVector d2 = FloatVector.fromMemorySegment(SPECIES, work, e + 2 * column, ORDER);
                FloatVector d3 = FloatVector.fromMemorySegment(SPECIES, work, e + 3 * column, ORDER);
                FloatVector w00 = d0.sub(d2);
                FloatVector w01 = d1.add(d2);
                FloatVector w02 = d2.sub(d1);
                FloatVector w03 = d1.sub(d3);
                e += step;
                d0 = FloatVector.fromMemorySegment(SPECIES, work, e, ORDER);
                d1 = FloatVector.fromMemorySegment(SPECIES, work, e + column, ORDER);
                d2 = FloatVector.fromMemorySegment(SPECIES, work, e + 2 * column, ORDER);
                d3 = FloatVector.fromMemorySegment(SPECIES, work, e + 3 * column, ORDER);
                FloatVector w10 = d0.sub(d2);
                FloatVector w11 = d1.add(d2);
                FloatVector w12 = d2.sub(d1);
                FloatVector w13 = d1.sub(d3);
                e += step;
                d0 = FloatVector.fromMemorySegment(SPECIES, work, e, ORDER);
                d1 = FloatVector.fromMemorySegment(SPECIES, work, e + column, ORDER);
                d2 = FloatVector.fromMemorySegment(SPECIES, work, e + 2 * column, ORDER);
                d3 = FloatVector.fromMemorySegment(SPECIES, work, e + 3 * column, ORDER);
                FloatVector w20 = d0.sub(d2);
                FloatVector w21 = d1.add(d2);
                FloatVector w22 = d2.sub(d1);
                FloatVector w23 = d1.sub(d3);
                e += step;
                d0 = FloatVector.fromMemorySegment(SPECIES, work, e, ORDER);
                d1 = FloatVector.fromMemorySegment(SPECIES, work, e + column, ORDER);
                d2 = FloatVector.fromMemorySegment(SPECIES, work, e + 2 * column, ORDER);
                d3 = FloatVector.fromMemorySegment(SPECIES, work, e + 3 * column, ORDER);
                FloatVector w30 = d0.sub(d2);
                FloatVector w31 = d1.add(d2);
                FloatVector w32 = d2.sub(d1);
                FloatVector w33 = d1.sub(d3);
                long v = (vAt + (long) (j - from) * c + ch) * Float.BYTES;
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

    /**
     * dy's rows {@code row} and {@code row + 1}, columns {@code 2 from .. 2 to - 1}, as
     * {@code [2][2 tilesW][outs]} at {@code at}; zero past dy's height and width (a last tile row
     * or column overhanging an odd output size).
     */
    private static void dyRows(ConvGeometry g, int outs, int tw, int row, int from, int to, MemorySegment dy, long dyAt,
                               MemorySegment work, long at) {
        int oh = g.outHeight();
        int ow = g.outWidth();
        int columns = Math.min(2 * to, ow) - 2 * from;
        for (int r = 0; r < 2; r++) {
            long dst = at + ((long) r * 2 * tw + 2L * from) * outs;
            if (row + r >= oh) {
                FloatLanes.fill(work, dst, 2L * (to - from) * outs, 0f);
                continue;
            }
            channelsLast(dy, dyAt + (long) (row + r) * ow + 2L * from, (long) oh * ow, outs, columns, work, dst);
            if (2 * to > ow) {
                FloatLanes.fill(work, dst + (long) columns * outs, outs, 0f);
            }
        }
    }

    /**
     * {@code dM_ξ = A dY A^T} of tiles {@code from .. to - 1} of a tile row from its dy rows
     * ({@link #dyRows} at {@code rowsAt}): tile j at {@code mAt + ξ mPoint + (j - from) outs}.
     * A's rows are (1 0), (1 1), (1 -1), (0 -1), as in {@link WinogradConv2d}.
     */
    private static void transformGradient(int outs, int tw, int from, int to, MemorySegment work, long rowsAt, long mAt,
                                          long mPoint) {
        long next = 2L * tw * outs * Float.BYTES;
        long column = (long) outs * Float.BYTES;
        long p = mPoint * Float.BYTES;
        for (int j = from; j < to; j++) {
            for (int o = 0; o < outs; o += LANES) {
                long at = (rowsAt + 2L * j * outs + o) * Float.BYTES;
                FloatVector y00 = FloatVector.fromMemorySegment(SPECIES, work, at, ORDER);
                FloatVector y01 = FloatVector.fromMemorySegment(SPECIES, work, at + column, ORDER);
                FloatVector y10 = FloatVector.fromMemorySegment(SPECIES, work, at + next, ORDER);
                FloatVector y11 = FloatVector.fromMemorySegment(SPECIES, work, at + next + column, ORDER);
                // dY A^T of each row: (y0, y0 + y1, y0 - y1, -y1)
                FloatVector r01 = y00.add(y01);
                FloatVector r02 = y00.sub(y01);
                FloatVector r03 = y01.neg();
                FloatVector r11 = y10.add(y11);
                FloatVector r12 = y10.sub(y11);
                FloatVector r13 = y11.neg();
                // A over the rows: (r0, r0 + r1, r0 - r1, -r1)
                long m = (mAt + (long) (j - from) * outs + o) * Float.BYTES;
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
