package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.FloatLanes.FLOAT;
import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.SPECIES;
import static dev.panamax.kernels.gemm.BlockSizes.NR;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;

/**
 * One row of A against a K block of a {@link PackedMatrixB}: a vector-matrix product that reads
 * every packed element of B once. With a single row there is nothing to reuse a B value for, so
 * the product is bound by how fast B streams in, not by the FMA units; four panels at a time
 * give eight independent accumulators, enough to hide the FMA latency while the loads stream.
 */
final class PackedRowKernel {

    private static final int PANELS = 4;

    private PackedRowKernel() {
    }

    /**
     * {@code c[j0:j1] = alpha a Bblock[:, j0:j1] + beta c[j0:j1]} for the {@code kc} rows of one
     * packed K block starting at {@code base} in {@code bp}.
     */
    static void row(int kc, MemorySegment a, long aAt, float[] bp, int base, int j0, int j1, float[] tile, float alpha,
                    float beta, MemorySegment c, long cRow) {
        int q = j0;
        for (; q + PANELS * NR <= j1; q += PANELS * NR) {
            fourPanels(kc, a, aAt, bp, base + q * kc, tile);
            merge(tile, PANELS * NR, alpha, beta, c, cRow + q);
        }
        for (; q < j1; q += NR) {
            onePanel(kc, a, aAt, bp, base + q * kc, tile);
            merge(tile, Math.min(NR, j1 - q), alpha, beta, c, cRow + q);
        }
    }

    /** Four consecutive panels ({@code 4 NR} columns) into {@code tile[0, 4 NR)}. */
    private static void fourPanels(int kc, MemorySegment a, long aAt, float[] bp, int at, float[] tile) {
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        int p1 = at + kc * NR;
        int p2 = p1 + kc * NR;
        int p3 = p2 + kc * NR;
        long x = aAt * Float.BYTES;
        for (int p = 0; p < kc; p++, x += Float.BYTES) {
            FloatVector v = FloatVector.broadcast(SPECIES, a.get(FLOAT, x));
            int o = p * NR;
            s0 = v.fma(FloatVector.fromArray(SPECIES, bp, at + o), s0);
            s1 = v.fma(FloatVector.fromArray(SPECIES, bp, at + o + LANES), s1);
            s2 = v.fma(FloatVector.fromArray(SPECIES, bp, p1 + o), s2);
            s3 = v.fma(FloatVector.fromArray(SPECIES, bp, p1 + o + LANES), s3);
            s4 = v.fma(FloatVector.fromArray(SPECIES, bp, p2 + o), s4);
            s5 = v.fma(FloatVector.fromArray(SPECIES, bp, p2 + o + LANES), s5);
            s6 = v.fma(FloatVector.fromArray(SPECIES, bp, p3 + o), s6);
            s7 = v.fma(FloatVector.fromArray(SPECIES, bp, p3 + o + LANES), s7);
        }
        s0.intoArray(tile, 0);
        s1.intoArray(tile, LANES);
        s2.intoArray(tile, NR);
        s3.intoArray(tile, NR + LANES);
        s4.intoArray(tile, 2 * NR);
        s5.intoArray(tile, 2 * NR + LANES);
        s6.intoArray(tile, 3 * NR);
        s7.intoArray(tile, 3 * NR + LANES);
    }

    /** One panel into {@code tile[0, NR)}; two accumulator pairs over alternate steps. */
    private static void onePanel(int kc, MemorySegment a, long aAt, float[] bp, int at, float[] tile) {
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
        long x = aAt * Float.BYTES;
        int p = 0;
        for (; p + 1 < kc; p += 2, x += 2 * Float.BYTES) {
            FloatVector v = FloatVector.broadcast(SPECIES, a.get(FLOAT, x));
            FloatVector w = FloatVector.broadcast(SPECIES, a.get(FLOAT, x + Float.BYTES));
            int o = at + p * NR;
            s0 = v.fma(FloatVector.fromArray(SPECIES, bp, o), s0);
            s1 = v.fma(FloatVector.fromArray(SPECIES, bp, o + LANES), s1);
            s2 = w.fma(FloatVector.fromArray(SPECIES, bp, o + NR), s2);
            s3 = w.fma(FloatVector.fromArray(SPECIES, bp, o + NR + LANES), s3);
        }
        if (p < kc) {
            FloatVector v = FloatVector.broadcast(SPECIES, a.get(FLOAT, x));
            int o = at + p * NR;
            s0 = v.fma(FloatVector.fromArray(SPECIES, bp, o), s0);
            s1 = v.fma(FloatVector.fromArray(SPECIES, bp, o + LANES), s1);
        }
        s0.add(s2).intoArray(tile, 0);
        s1.add(s3).intoArray(tile, LANES);
    }

    /** {@code c[0, cols) = alpha tile + beta c}; beta 0 does not read c. */
    private static void merge(float[] tile, int cols, float alpha, float beta, MemorySegment c, long cAt) {
        for (int j = 0; j < cols; j++) {
            float v = alpha * tile[j];
            FloatLanes.set(c, cAt + j, beta == 0f ? v : v + beta * FloatLanes.get(c, cAt + j));
        }
    }
}
