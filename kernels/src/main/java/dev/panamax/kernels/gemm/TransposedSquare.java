package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;
import static dev.panamax.kernels.gemm.BlockSizes.NR;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * A {@code LANES x LANES} square of a transposed B copied into a packed panel
 * ({@link PackedPanelB}): LANES rows of B, each loaded as one vector, come out as LANES rows of
 * the panel. The transpose runs in registers, in log2 LANES levels; level h swaps bit h of the
 * row index with bit h of the lane index: of rows i and i + h (bit h of i clear), the first
 * keeps its lanes without bit h and takes the second's at distance h into the others, the second
 * the rest, two two-vector selections per pair. Written out for 16 lanes (AVX-512): the rows
 * are locals, which a loop over an array of vectors would box. Packing the transposed V
 * of a Winograd weight gradient (64 rows of B, 256 steps), 0.12 ns per float against 0.34 a
 * float at a time, and 0.29 with the transpose's levels through an array (Zen 5).
 *
 * <p>The same square packs a 12-row panel of a row-major A ({@link PackedPanelA}), 16 steps at
 * a time: the 12 rows, the last one repeated into the square's four spare rows, come out as 16
 * steps of 12 floats in the first 12 lanes of each vector, and 12 more two-vector selections
 * regroup those 192 floats into 12 whole vectors stored end to end. Stored as they come out,
 * 16 lanes 12 floats apart (each store's last four overwritten by the next), they straddled
 * cache lines and the panel took as long as the float-by-float copy (7.5 % + 2.6 % of a 256^3
 * product against 9.7 %); regrouped, a 256^3 product went from 197-203 to 205-210 GFLOP/s and
 * 512^3 from 203-204 to 211-212 (Zen 5, one thread).
 */
public final class TransposedSquare {

    /**
     * Whether this machine packs in squares: with 16 lanes, and with 8 ({@link #squareOfEight}).
     * With 8 lanes the two-vector selections of {@link #square} (no one AVX2 instruction) ran no
     * faster than the float-by-float copy, 0.35 ns per float (Zen 5 held to AVX2); a lane swap and
     * two blends per pair did: Zen 3, one thread, B transposed, ns, float by float / in squares:
     * (16, 64, 30) 2480 / 1760-1790, (16, 64, 64) 3835 / 3187, (64, 64, 30) 5620 / 4960, (32, 84,
     * 120) 14100 / 13400, 64^3 10030 / 9820-9900. 4 lanes would need a square of its own.
     */
    static final boolean AVAILABLE = LANES == 16 || LANES == 8;

    /**
     * Indexes of {@code selectFrom(first, second)} at level h: the first row's lanes without bit
     * h and the second's shifted down by h ({@code LOW_h}), the first's shifted up by h and the
     * second's with bit h ({@code HIGH_h}).
     */
    private static final float[] LOW_8 = low(8);
    private static final float[] HIGH_8 = high(8);
    private static final float[] LOW_4 = low(4);
    private static final float[] HIGH_4 = high(4);
    private static final float[] LOW_2 = low(2);
    private static final float[] HIGH_2 = high(2);
    private static final float[] LOW_1 = low(1);
    private static final float[] HIGH_1 = high(1);

    /** Rows of the panels of A that {@link #panelOfA} packs. */
    static final int PANEL_ROWS = 12;
    /**
     * Indexes of {@code selectFrom(first, second)} that make vector {@code m} (mod 3) of a
     * {@value #PANEL_ROWS}-row panel out of the two steps it spans, each step's floats in the
     * first {@value #PANEL_ROWS} lanes of its vector: 16 floats from float {@code 16 m} of the
     * panel, of steps {@code 16 m / 12} and the next. Four steps fill three vectors.
     */
    static final float[] REGROUP_0 = regroup(0);
    static final float[] REGROUP_1 = regroup(1);
    static final float[] REGROUP_2 = regroup(2);

    private TransposedSquare() {
    }

    /**
     * Steps {@code p .. p + LANES - 1} of panel columns {@code c .. c + LANES - 1}: the rows of B
     * from {@code row} ({@code ldb} apart, LANES floats each) to {@code dst[to + j NR]},
     * {@code j < LANES}.
     */
    static void copy(MemorySegment b, long row, long ldb, float[] dst, int to) {
        if (LANES == 8) {
            squareOfEight(b, row, ldb, dst, to);
        } else {
            square(b, row, ldb, LANES, dst, to);
        }
    }

    /**
     * Steps {@code p .. p + LANES - 1} of a {@value #PANEL_ROWS}-row panel of A: the rows from
     * {@code row} ({@code lda} apart, LANES floats each) to {@code dst[to + s PANEL_ROWS + r]}
     * for step s and row r, 192 floats end to end.
     */
    static void panelOfA(MemorySegment a, long row, long lda, float[] dst, int to) {
        square(a, row, lda, PANEL_ROWS, dst, to);
    }

    /**
     * {@link #copy} with 8 lanes (AVX2), where a selection from two vectors is no one instruction:
     * each level's pair of rows is one vector's lanes swapped at distance h ({@code rearrange},
     * within 128-bit halves for h = 1 and 2) and two blends, the same lanes as {@link #square}'s
     * selections.
     */
    private static void squareOfEight(MemorySegment b, long row, long ldb, float[] dst, int to) {
        FloatVector r0 = FloatVector.fromMemorySegment(SPECIES, b, row * Float.BYTES, ORDER);
        FloatVector r1 = FloatVector.fromMemorySegment(SPECIES, b, (row + 1 * ldb) * Float.BYTES, ORDER);
        FloatVector r2 = FloatVector.fromMemorySegment(SPECIES, b, (row + 2 * ldb) * Float.BYTES, ORDER);
        FloatVector r3 = FloatVector.fromMemorySegment(SPECIES, b, (row + 3 * ldb) * Float.BYTES, ORDER);
        FloatVector r4 = FloatVector.fromMemorySegment(SPECIES, b, (row + 4 * ldb) * Float.BYTES, ORDER);
        FloatVector r5 = FloatVector.fromMemorySegment(SPECIES, b, (row + 5 * ldb) * Float.BYTES, ORDER);
        FloatVector r6 = FloatVector.fromMemorySegment(SPECIES, b, (row + 6 * ldb) * Float.BYTES, ORDER);
        FloatVector r7 = FloatVector.fromMemorySegment(SPECIES, b, (row + 7 * ldb) * Float.BYTES, ORDER);
        // level 4: rows i and i + 4 (a, then b and c the next levels' rows)
        FloatVector a0 = r0.blend(r4.rearrange(FloatLanes.PAIR_4), SWAP_4);
        FloatVector a4 = r0.rearrange(FloatLanes.PAIR_4).blend(r4, SWAP_4);
        FloatVector a1 = r1.blend(r5.rearrange(FloatLanes.PAIR_4), SWAP_4);
        FloatVector a5 = r1.rearrange(FloatLanes.PAIR_4).blend(r5, SWAP_4);
        FloatVector a2 = r2.blend(r6.rearrange(FloatLanes.PAIR_4), SWAP_4);
        FloatVector a6 = r2.rearrange(FloatLanes.PAIR_4).blend(r6, SWAP_4);
        FloatVector a3 = r3.blend(r7.rearrange(FloatLanes.PAIR_4), SWAP_4);
        FloatVector a7 = r3.rearrange(FloatLanes.PAIR_4).blend(r7, SWAP_4);
        // level 2: rows i and i + 2
        FloatVector b0 = a0.blend(a2.rearrange(FloatLanes.PAIR_2), SWAP_2);
        FloatVector b2 = a0.rearrange(FloatLanes.PAIR_2).blend(a2, SWAP_2);
        FloatVector b1 = a1.blend(a3.rearrange(FloatLanes.PAIR_2), SWAP_2);
        FloatVector b3 = a1.rearrange(FloatLanes.PAIR_2).blend(a3, SWAP_2);
        FloatVector b4 = a4.blend(a6.rearrange(FloatLanes.PAIR_2), SWAP_2);
        FloatVector b6 = a4.rearrange(FloatLanes.PAIR_2).blend(a6, SWAP_2);
        FloatVector b5 = a5.blend(a7.rearrange(FloatLanes.PAIR_2), SWAP_2);
        FloatVector b7 = a5.rearrange(FloatLanes.PAIR_2).blend(a7, SWAP_2);
        // level 1: rows i and i + 1
        FloatVector c0 = b0.blend(b1.rearrange(FloatLanes.PAIR_1), SWAP_1);
        FloatVector c1 = b0.rearrange(FloatLanes.PAIR_1).blend(b1, SWAP_1);
        FloatVector c2 = b2.blend(b3.rearrange(FloatLanes.PAIR_1), SWAP_1);
        FloatVector c3 = b2.rearrange(FloatLanes.PAIR_1).blend(b3, SWAP_1);
        FloatVector c4 = b4.blend(b5.rearrange(FloatLanes.PAIR_1), SWAP_1);
        FloatVector c5 = b4.rearrange(FloatLanes.PAIR_1).blend(b5, SWAP_1);
        FloatVector c6 = b6.blend(b7.rearrange(FloatLanes.PAIR_1), SWAP_1);
        FloatVector c7 = b6.rearrange(FloatLanes.PAIR_1).blend(b7, SWAP_1);
        c0.intoArray(dst, to + 0 * NR);
        c1.intoArray(dst, to + 1 * NR);
        c2.intoArray(dst, to + 2 * NR);
        c3.intoArray(dst, to + 3 * NR);
        c4.intoArray(dst, to + 4 * NR);
        c5.intoArray(dst, to + 5 * NR);
        c6.intoArray(dst, to + 6 * NR);
        c7.intoArray(dst, to + 7 * NR);
    }

    /**
     * Whether {@link #transposeEight} runs here: on machines of 8 lanes, the one width it is
     * written (and measured) for.
     */
    public static final boolean EIGHT_LANES = LANES == 8;

    /**
     * An 8 x 8 square transposed between segments, with 8 lanes ({@link #EIGHT_LANES}): the 8
     * floats at {@code src[row + i lds]} for each i become the floats {@code dst[to + j ldd + i]}
     * for each j, in {@link #squareOfEight}'s three levels. For kernels of other families that
     * turn planes into interleaved channels ({@code [C, H, W]} to {@code [H, W, C]}): a float at a
     * time, the Winograd weight gradient's copies of x and dy so turned took 2.2 ms a call more
     * than in squares (ResNet 3 x 3, eight images, Zen 3, one thread).
     */
    public static void transposeEight(MemorySegment src, long row, long lds, MemorySegment dst, long to, long ldd) {
        FloatVector r0 = FloatVector.fromMemorySegment(SPECIES, src, row * Float.BYTES, ORDER);
        FloatVector r1 = FloatVector.fromMemorySegment(SPECIES, src, (row + 1 * lds) * Float.BYTES, ORDER);
        FloatVector r2 = FloatVector.fromMemorySegment(SPECIES, src, (row + 2 * lds) * Float.BYTES, ORDER);
        FloatVector r3 = FloatVector.fromMemorySegment(SPECIES, src, (row + 3 * lds) * Float.BYTES, ORDER);
        FloatVector r4 = FloatVector.fromMemorySegment(SPECIES, src, (row + 4 * lds) * Float.BYTES, ORDER);
        FloatVector r5 = FloatVector.fromMemorySegment(SPECIES, src, (row + 5 * lds) * Float.BYTES, ORDER);
        FloatVector r6 = FloatVector.fromMemorySegment(SPECIES, src, (row + 6 * lds) * Float.BYTES, ORDER);
        FloatVector r7 = FloatVector.fromMemorySegment(SPECIES, src, (row + 7 * lds) * Float.BYTES, ORDER);
        FloatVector a0 = r0.blend(r4.rearrange(FloatLanes.PAIR_4), SWAP_4);
        FloatVector a4 = r0.rearrange(FloatLanes.PAIR_4).blend(r4, SWAP_4);
        FloatVector a1 = r1.blend(r5.rearrange(FloatLanes.PAIR_4), SWAP_4);
        FloatVector a5 = r1.rearrange(FloatLanes.PAIR_4).blend(r5, SWAP_4);
        FloatVector a2 = r2.blend(r6.rearrange(FloatLanes.PAIR_4), SWAP_4);
        FloatVector a6 = r2.rearrange(FloatLanes.PAIR_4).blend(r6, SWAP_4);
        FloatVector a3 = r3.blend(r7.rearrange(FloatLanes.PAIR_4), SWAP_4);
        FloatVector a7 = r3.rearrange(FloatLanes.PAIR_4).blend(r7, SWAP_4);
        FloatVector b0 = a0.blend(a2.rearrange(FloatLanes.PAIR_2), SWAP_2);
        FloatVector b2 = a0.rearrange(FloatLanes.PAIR_2).blend(a2, SWAP_2);
        FloatVector b1 = a1.blend(a3.rearrange(FloatLanes.PAIR_2), SWAP_2);
        FloatVector b3 = a1.rearrange(FloatLanes.PAIR_2).blend(a3, SWAP_2);
        FloatVector b4 = a4.blend(a6.rearrange(FloatLanes.PAIR_2), SWAP_2);
        FloatVector b6 = a4.rearrange(FloatLanes.PAIR_2).blend(a6, SWAP_2);
        FloatVector b5 = a5.blend(a7.rearrange(FloatLanes.PAIR_2), SWAP_2);
        FloatVector b7 = a5.rearrange(FloatLanes.PAIR_2).blend(a7, SWAP_2);
        long at = to * Float.BYTES;
        long step = ldd * Float.BYTES;
        b0.blend(b1.rearrange(FloatLanes.PAIR_1), SWAP_1).intoMemorySegment(dst, at, ORDER);
        b0.rearrange(FloatLanes.PAIR_1).blend(b1, SWAP_1).intoMemorySegment(dst, at + step, ORDER);
        b2.blend(b3.rearrange(FloatLanes.PAIR_1), SWAP_1).intoMemorySegment(dst, at + 2 * step, ORDER);
        b2.rearrange(FloatLanes.PAIR_1).blend(b3, SWAP_1).intoMemorySegment(dst, at + 3 * step, ORDER);
        b4.blend(b5.rearrange(FloatLanes.PAIR_1), SWAP_1).intoMemorySegment(dst, at + 4 * step, ORDER);
        b4.rearrange(FloatLanes.PAIR_1).blend(b5, SWAP_1).intoMemorySegment(dst, at + 5 * step, ORDER);
        b6.blend(b7.rearrange(FloatLanes.PAIR_1), SWAP_1).intoMemorySegment(dst, at + 6 * step, ORDER);
        b6.rearrange(FloatLanes.PAIR_1).blend(b7, SWAP_1).intoMemorySegment(dst, at + 7 * step, ORDER);
    }

    /** The lanes with bit h of their index set, for {@link #squareOfEight}'s level h. */
    private static final VectorMask<Float> SWAP_4 = VectorMask.fromLong(SPECIES, 0xF0F0_F0F0_F0F0_F0F0L);
    private static final VectorMask<Float> SWAP_2 = VectorMask.fromLong(SPECIES, 0xCCCC_CCCC_CCCC_CCCCL);
    private static final VectorMask<Float> SWAP_1 = VectorMask.fromLong(SPECIES, 0xAAAA_AAAA_AAAA_AAAAL);

    /** The transpose of {@code rows} rows (LANES for {@link #copy}, else {@link #panelOfA}'s). */
    private static void square(MemorySegment b, long row, long ldb, int rows, float[] dst, int to) {
        FloatVector r0 = FloatVector.fromMemorySegment(SPECIES, b, row * Float.BYTES, ORDER);
        FloatVector r1 = FloatVector.fromMemorySegment(SPECIES, b, (row + 1 * ldb) * Float.BYTES, ORDER);
        FloatVector r2 = FloatVector.fromMemorySegment(SPECIES, b, (row + 2 * ldb) * Float.BYTES, ORDER);
        FloatVector r3 = FloatVector.fromMemorySegment(SPECIES, b, (row + 3 * ldb) * Float.BYTES, ORDER);
        FloatVector r4 = FloatVector.fromMemorySegment(SPECIES, b, (row + 4 * ldb) * Float.BYTES, ORDER);
        FloatVector r5 = FloatVector.fromMemorySegment(SPECIES, b, (row + 5 * ldb) * Float.BYTES, ORDER);
        FloatVector r6 = FloatVector.fromMemorySegment(SPECIES, b, (row + 6 * ldb) * Float.BYTES, ORDER);
        FloatVector r7 = FloatVector.fromMemorySegment(SPECIES, b, (row + 7 * ldb) * Float.BYTES, ORDER);
        FloatVector r8 = FloatVector.fromMemorySegment(SPECIES, b, (row + 8 * ldb) * Float.BYTES, ORDER);
        FloatVector r9 = FloatVector.fromMemorySegment(SPECIES, b, (row + 9 * ldb) * Float.BYTES, ORDER);
        FloatVector r10 = FloatVector.fromMemorySegment(SPECIES, b, (row + 10 * ldb) * Float.BYTES, ORDER);
        FloatVector r11 = FloatVector.fromMemorySegment(SPECIES, b, (row + 11 * ldb) * Float.BYTES, ORDER);
        // rows from `rows` on repeat the last one: what they give lands in lanes never stored
        FloatVector r12 = FloatVector.fromMemorySegment(SPECIES, b, (row + Math.min(12, rows - 1) * ldb) * Float.BYTES, ORDER);
        FloatVector r13 = FloatVector.fromMemorySegment(SPECIES, b, (row + Math.min(13, rows - 1) * ldb) * Float.BYTES, ORDER);
        FloatVector r14 = FloatVector.fromMemorySegment(SPECIES, b, (row + Math.min(14, rows - 1) * ldb) * Float.BYTES, ORDER);
        FloatVector r15 = FloatVector.fromMemorySegment(SPECIES, b, (row + Math.min(15, rows - 1) * ldb) * Float.BYTES, ORDER);
        // level 8: rows i and i + 8 (a, then b, c and d the next levels' rows)
        FloatVector low = FloatVector.fromArray(SPECIES, LOW_8, 0);
        FloatVector high = FloatVector.fromArray(SPECIES, HIGH_8, 0);
        FloatVector a0 = low.selectFrom(r0, r8);
        FloatVector a8 = high.selectFrom(r0, r8);
        FloatVector a1 = low.selectFrom(r1, r9);
        FloatVector a9 = high.selectFrom(r1, r9);
        FloatVector a2 = low.selectFrom(r2, r10);
        FloatVector a10 = high.selectFrom(r2, r10);
        FloatVector a3 = low.selectFrom(r3, r11);
        FloatVector a11 = high.selectFrom(r3, r11);
        FloatVector a4 = low.selectFrom(r4, r12);
        FloatVector a12 = high.selectFrom(r4, r12);
        FloatVector a5 = low.selectFrom(r5, r13);
        FloatVector a13 = high.selectFrom(r5, r13);
        FloatVector a6 = low.selectFrom(r6, r14);
        FloatVector a14 = high.selectFrom(r6, r14);
        FloatVector a7 = low.selectFrom(r7, r15);
        FloatVector a15 = high.selectFrom(r7, r15);
        // level 4: rows i and i + 4
        low = FloatVector.fromArray(SPECIES, LOW_4, 0);
        high = FloatVector.fromArray(SPECIES, HIGH_4, 0);
        FloatVector b0 = low.selectFrom(a0, a4);
        FloatVector b4 = high.selectFrom(a0, a4);
        FloatVector b1 = low.selectFrom(a1, a5);
        FloatVector b5 = high.selectFrom(a1, a5);
        FloatVector b2 = low.selectFrom(a2, a6);
        FloatVector b6 = high.selectFrom(a2, a6);
        FloatVector b3 = low.selectFrom(a3, a7);
        FloatVector b7 = high.selectFrom(a3, a7);
        FloatVector b8 = low.selectFrom(a8, a12);
        FloatVector b12 = high.selectFrom(a8, a12);
        FloatVector b9 = low.selectFrom(a9, a13);
        FloatVector b13 = high.selectFrom(a9, a13);
        FloatVector b10 = low.selectFrom(a10, a14);
        FloatVector b14 = high.selectFrom(a10, a14);
        FloatVector b11 = low.selectFrom(a11, a15);
        FloatVector b15 = high.selectFrom(a11, a15);
        // level 2: rows i and i + 2
        low = FloatVector.fromArray(SPECIES, LOW_2, 0);
        high = FloatVector.fromArray(SPECIES, HIGH_2, 0);
        FloatVector c0 = low.selectFrom(b0, b2);
        FloatVector c2 = high.selectFrom(b0, b2);
        FloatVector c1 = low.selectFrom(b1, b3);
        FloatVector c3 = high.selectFrom(b1, b3);
        FloatVector c4 = low.selectFrom(b4, b6);
        FloatVector c6 = high.selectFrom(b4, b6);
        FloatVector c5 = low.selectFrom(b5, b7);
        FloatVector c7 = high.selectFrom(b5, b7);
        FloatVector c8 = low.selectFrom(b8, b10);
        FloatVector c10 = high.selectFrom(b8, b10);
        FloatVector c9 = low.selectFrom(b9, b11);
        FloatVector c11 = high.selectFrom(b9, b11);
        FloatVector c12 = low.selectFrom(b12, b14);
        FloatVector c14 = high.selectFrom(b12, b14);
        FloatVector c13 = low.selectFrom(b13, b15);
        FloatVector c15 = high.selectFrom(b13, b15);
        // level 1: rows i and i + 1
        low = FloatVector.fromArray(SPECIES, LOW_1, 0);
        high = FloatVector.fromArray(SPECIES, HIGH_1, 0);
        FloatVector d0 = low.selectFrom(c0, c1);
        FloatVector d1 = high.selectFrom(c0, c1);
        FloatVector d2 = low.selectFrom(c2, c3);
        FloatVector d3 = high.selectFrom(c2, c3);
        FloatVector d4 = low.selectFrom(c4, c5);
        FloatVector d5 = high.selectFrom(c4, c5);
        FloatVector d6 = low.selectFrom(c6, c7);
        FloatVector d7 = high.selectFrom(c6, c7);
        FloatVector d8 = low.selectFrom(c8, c9);
        FloatVector d9 = high.selectFrom(c8, c9);
        FloatVector d10 = low.selectFrom(c10, c11);
        FloatVector d11 = high.selectFrom(c10, c11);
        FloatVector d12 = low.selectFrom(c12, c13);
        FloatVector d13 = high.selectFrom(c12, c13);
        FloatVector d14 = low.selectFrom(c14, c15);
        FloatVector d15 = high.selectFrom(c14, c15);
        if (rows == LANES) {
            d0.intoArray(dst, to + 0 * NR);
            d1.intoArray(dst, to + 1 * NR);
            d2.intoArray(dst, to + 2 * NR);
            d3.intoArray(dst, to + 3 * NR);
            d4.intoArray(dst, to + 4 * NR);
            d5.intoArray(dst, to + 5 * NR);
            d6.intoArray(dst, to + 6 * NR);
            d7.intoArray(dst, to + 7 * NR);
            d8.intoArray(dst, to + 8 * NR);
            d9.intoArray(dst, to + 9 * NR);
            d10.intoArray(dst, to + 10 * NR);
            d11.intoArray(dst, to + 11 * NR);
            d12.intoArray(dst, to + 12 * NR);
            d13.intoArray(dst, to + 13 * NR);
            d14.intoArray(dst, to + 14 * NR);
            d15.intoArray(dst, to + 15 * NR);
            return;
        }
        // d_s holds step s in lanes 0-11
        FloatVector p0 = FloatVector.fromArray(SPECIES, REGROUP_0, 0);
        FloatVector p1 = FloatVector.fromArray(SPECIES, REGROUP_1, 0);
        FloatVector p2 = FloatVector.fromArray(SPECIES, REGROUP_2, 0);
        p0.selectFrom(d0, d1).intoArray(dst, to);
        p1.selectFrom(d1, d2).intoArray(dst, to + LANES);
        p2.selectFrom(d2, d3).intoArray(dst, to + 2 * LANES);
        p0.selectFrom(d4, d5).intoArray(dst, to + 3 * LANES);
        p1.selectFrom(d5, d6).intoArray(dst, to + 4 * LANES);
        p2.selectFrom(d6, d7).intoArray(dst, to + 5 * LANES);
        p0.selectFrom(d8, d9).intoArray(dst, to + 6 * LANES);
        p1.selectFrom(d9, d10).intoArray(dst, to + 7 * LANES);
        p2.selectFrom(d10, d11).intoArray(dst, to + 8 * LANES);
        p0.selectFrom(d12, d13).intoArray(dst, to + 9 * LANES);
        p1.selectFrom(d13, d14).intoArray(dst, to + 10 * LANES);
        p2.selectFrom(d14, d15).intoArray(dst, to + 11 * LANES);
    }

    private static float[] regroup(int m) {
        float[] index = new float[LANES];
        int first = LANES * m / PANEL_ROWS;
        for (int t = 0; t < LANES; t++) {
            int e = LANES * m + t;
            index[t] = (e / PANEL_ROWS == first ? 0 : LANES) + e % PANEL_ROWS;
        }
        return index;
    }

    private static float[] low(int h) {
        float[] index = new float[LANES];
        for (int p = 0; p < LANES; p++) {
            index[p] = (p & h) == 0 ? p : LANES + p - h;
        }
        return index;
    }

    private static float[] high(int h) {
        float[] index = new float[LANES];
        for (int p = 0; p < LANES; p++) {
            index[p] = (p & h) == 0 ? p + h : LANES + p;
        }
        return index;
    }
}
