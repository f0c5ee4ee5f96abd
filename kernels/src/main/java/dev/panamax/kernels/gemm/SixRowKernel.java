package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.FloatLanes.FLOAT;
import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.FloatVector;

/**
 * The 6 x 2-vector micro-kernel, for the wide blocks of a machine with 16 vector registers (AVX2):
 * twelve accumulators, two vectors of B and one broadcast of A, 15 registers, the shape of
 * OpenBLAS's and BLIS's Haswell kernels. Twelve independent accumulators cover the FMA latency
 * (4 cycles, 2 FMAs a cycle) with room to spare, where the four-row tile's eight leave none: on
 * Zen 5 with {@code -XX:UseAVX=2}, in isolation over panels of KC 1024 in L2, 103-106 GFLOP/s
 * against 86-89 for four rows. Its panels of A cost more to pack (no register transpose fits six
 * rows) and the last one of a block is padded, so {@link Sgemm} uses it only for products of
 * many columns whose rows fill six-row panels well ({@link Sgemm#SIX_ROW_MIN_COLUMNS},
 * {@link Sgemm#sixRowsPay}), and only on cores where it was measured to win
 * ({@link GemmBlocking#sixRowTiles}: on Zen 3 the four-row tiles were as fast or faster).
 *
 * <p>The loop runs to an end offset rather than counting steps: as a counted loop C2 unrolled it
 * and spilled what it had hoisted out of it (54 GFLOP/s in isolation). Like every micro-kernel it
 * ends by spilling its accumulators into the tile array (see {@link MicroKernel}).
 */
final class SixRowKernel {

    /** Rows of a panel and a tile. */
    static final int ROWS = 6;
    /** Floats of a tile ({@code [ROWS][NR]}). */
    static final int TILE = ROWS * 2 * LANES;

    private static final int NR = 2 * LANES;

    private SixRowKernel() {
    }

    /**
     * {@code tile[6 x NR] = Ap * Bp} over {@code kc} steps: {@code ap} a six-row panel
     * ({@code [kc][6]} from {@code apOff}), {@code bp} a panel of B ({@code [kc][NR]} from {@code bpOff}).
     */
    static void packed(int kc, float[] ap, int apOff, float[] bp, int bpOff, float[] tile) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        int a = apOff;
        int b = bpOff;
        int end = apOff + ROWS * kc;
        for (; a != end; a += ROWS, b += NR) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, b);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, b + LANES);
            FloatVector x = FloatVector.broadcast(SPECIES, ap[a]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SPECIES, ap[a + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SPECIES, ap[a + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SPECIES, ap[a + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(SPECIES, ap[a + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(SPECIES, ap[a + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, LANES);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + LANES);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + LANES);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + LANES);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + LANES);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + LANES);
    }

    /**
     * {@link #packed} with A read where it lies, packing that six-row panel of A into
     * {@code ap[apOff, apOff + 6 kc)} as it goes, for the tiles beside it: element (r, p) of the
     * panel is {@code a[aAt + r stepR + p stepP]}. The six scalar loads and stores a step adds
     * go to load and store ports the twelve multiply-adds leave idle, where the separate pack
     * ({@link PackedPanelA#packSixRows}), a load and a store per float with nothing to overlap
     * them, had taken 16 % of a (3136, 64, 576) product.
     */
    static void packingA(int kc, MemorySegment a, long aAt, long stepP, long stepR, float[] ap, int apOff, float[] bp,
                         int bpOff, float[] tile) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        long sp = stepP * Float.BYTES;
        long sr = stepR * Float.BYTES;
        long at = aAt * Float.BYTES;
        int t = apOff;
        int b = bpOff;
        int end = apOff + ROWS * kc;
        for (; t != end; t += ROWS, b += NR, at += sp) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, b);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, b + LANES);
            float v = a.get(FLOAT, at);
            ap[t] = v;
            FloatVector x = FloatVector.broadcast(SPECIES, v);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            v = a.get(FLOAT, at + sr);
            ap[t + 1] = v;
            x = FloatVector.broadcast(SPECIES, v);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            v = a.get(FLOAT, at + 2 * sr);
            ap[t + 2] = v;
            x = FloatVector.broadcast(SPECIES, v);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            v = a.get(FLOAT, at + 3 * sr);
            ap[t + 3] = v;
            x = FloatVector.broadcast(SPECIES, v);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            v = a.get(FLOAT, at + 4 * sr);
            ap[t + 4] = v;
            x = FloatVector.broadcast(SPECIES, v);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            v = a.get(FLOAT, at + 5 * sr);
            ap[t + 5] = v;
            x = FloatVector.broadcast(SPECIES, v);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, LANES);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + LANES);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + LANES);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + LANES);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + LANES);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + LANES);
    }

    /**
     * {@link #packed} with B read where it lies, packing that panel of B into
     * {@code bp[bpOff, bpOff + kc NR)} as it goes for the tiles below it, as
     * {@link MicroKernel#runFourRowsPackingB} does for four rows: step p's row of the panel starts
     * at element {@code bAt + p ldb} of {@code b}, or, with {@code rows} not null (a gathered B),
     * at {@code rows[row0 + p] + bAt}.
     */
    static void packingB(int kc, float[] ap, int apOff, MemorySegment b, long bAt, long ldb, long[] rows, int row0,
                         float[] bp, int bpOff, float[] tile) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        int a = apOff;
        int t = bpOff;
        int p = row0;
        int end = apOff + ROWS * kc;
        for (; a != end; a += ROWS, t += NR, p++) {
            // the test is the same at every step: C2 takes it out of the loop (unswitching)
            long row = (rows == null ? bAt + (p - row0) * ldb : rows[p] + bAt) * Float.BYTES;
            FloatVector b0 = FloatVector.fromMemorySegment(SPECIES, b, row, ORDER);
            FloatVector b1 = FloatVector.fromMemorySegment(SPECIES, b, row + LANES * Float.BYTES, ORDER);
            b0.intoArray(bp, t);
            b1.intoArray(bp, t + LANES);
            FloatVector x = FloatVector.broadcast(SPECIES, ap[a]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SPECIES, ap[a + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SPECIES, ap[a + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SPECIES, ap[a + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(SPECIES, ap[a + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(SPECIES, ap[a + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, LANES);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + LANES);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + LANES);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + LANES);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + LANES);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + LANES);
    }
}
