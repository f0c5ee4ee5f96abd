package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.FloatLanes.FLOAT;
import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.FloatVector;

/**
 * The 12 x 2-vector micro-kernel, for 32 vector registers (AVX-512, ARM): twenty-four
 * accumulators, two vectors of B and one broadcast of A, 27 registers; 24 FMAs per 2 loads and
 * 12 broadcasts. On Zen 4 (16 lanes, a 12 x 32 tile) it runs at 116 GFLOP/s in isolation, the
 * FMA peak (6 x 32 and 8 x 32 measured the same in isolation, and 2-5 % slower inside the GEMM).
 *
 * <p>Each method is one loop with every accumulator a local and no call but the Vector API's,
 * ending by spilling the accumulators into the tile array (see {@link MicroKernel}).
 */
final class TwelveRowKernel {

    private static final int MR = 12;
    private static final int NR = 2 * LANES;

    private TwelveRowKernel() {
    }

    /** {@link MicroKernel#run} for 12-row panels. */
    static void packed(int kc, float[] ap, int apOff, float[] bp, int bpOff, float[] tile) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00;
        FloatVector c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00;
        FloatVector c61 = c00, c70 = c00, c71 = c00, c80 = c00, c81 = c00, c90 = c00;
        FloatVector c91 = c00, c100 = c00, c101 = c00, c110 = c00, c111 = c00;
        int a = apOff;
        int b = bpOff;
        for (int p = 0; p < kc; p++, a += MR, b += NR) {
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
            x = FloatVector.broadcast(SPECIES, ap[a + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(SPECIES, ap[a + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
            x = FloatVector.broadcast(SPECIES, ap[a + 8]);
            c80 = x.fma(b0, c80);
            c81 = x.fma(b1, c81);
            x = FloatVector.broadcast(SPECIES, ap[a + 9]);
            c90 = x.fma(b0, c90);
            c91 = x.fma(b1, c91);
            x = FloatVector.broadcast(SPECIES, ap[a + 10]);
            c100 = x.fma(b0, c100);
            c101 = x.fma(b1, c101);
            x = FloatVector.broadcast(SPECIES, ap[a + 11]);
            c110 = x.fma(b0, c110);
            c111 = x.fma(b1, c111);
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
        c60.intoArray(tile, 6 * NR);
        c61.intoArray(tile, 6 * NR + LANES);
        c70.intoArray(tile, 7 * NR);
        c71.intoArray(tile, 7 * NR + LANES);
        c80.intoArray(tile, 8 * NR);
        c81.intoArray(tile, 8 * NR + LANES);
        c90.intoArray(tile, 9 * NR);
        c91.intoArray(tile, 9 * NR + LANES);
        c100.intoArray(tile, 10 * NR);
        c101.intoArray(tile, 10 * NR + LANES);
        c110.intoArray(tile, 11 * NR);
        c111.intoArray(tile, 11 * NR + LANES);
    }

    /**
     * {@link MicroKernel#runInPlace} for 12 rows, A's rows reached by a running offset as in
     * {@link UnpackedKernel} (12 offsets computed from the row number spilled to the stack):
     * Zen 5, one thread, 1024 x 64 x 2048 (A read in place, B packed) 590-645 -> 670-690 products/s.
     */
    static void inPlace(int kc, MemorySegment a, long aAt, long stepP, long stepR, float[] bp, int bpOff,
                           float[] tile) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00;
        FloatVector c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00;
        FloatVector c61 = c00, c70 = c00, c71 = c00, c80 = c00, c81 = c00, c90 = c00;
        FloatVector c91 = c00, c100 = c00, c101 = c00, c110 = c00, c111 = c00;
        long at = aAt * Float.BYTES;
        long sp = stepP * Float.BYTES;
        long sr = stepR * Float.BYTES;
        int b = bpOff;
        for (int p = 0; p < kc; p++, at += sp, b += NR) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, b);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, b + LANES);
            long o = at;
            FloatVector x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c80 = x.fma(b0, c80);
            c81 = x.fma(b1, c81);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c90 = x.fma(b0, c90);
            c91 = x.fma(b1, c91);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c100 = x.fma(b0, c100);
            c101 = x.fma(b1, c101);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c110 = x.fma(b0, c110);
            c111 = x.fma(b1, c111);
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
        c60.intoArray(tile, 6 * NR);
        c61.intoArray(tile, 6 * NR + LANES);
        c70.intoArray(tile, 7 * NR);
        c71.intoArray(tile, 7 * NR + LANES);
        c80.intoArray(tile, 8 * NR);
        c81.intoArray(tile, 8 * NR + LANES);
        c90.intoArray(tile, 9 * NR);
        c91.intoArray(tile, 9 * NR + LANES);
        c100.intoArray(tile, 10 * NR);
        c101.intoArray(tile, 10 * NR + LANES);
        c110.intoArray(tile, 11 * NR);
        c111.intoArray(tile, 11 * NR + LANES);
    }
}
