package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.gemm.BlockSizes.NR;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.VectorMask;

/**
 * Packs a {@code kc x nc} block of {@code op(B)} into micro-panels of {@link BlockSizes#NR}
 * columns, each stored row by row ({@code [kc][NR]}): the micro-kernel then loads the NR values
 * of step p as two aligned vectors. Columns past {@code nc} are zero.
 */
final class PackedPanelB {

    private PackedPanelB() {
    }

    /**
     * @param b     B, row-major with leading dimension {@code ldb}
     * @param bOff  element offset of {@code op(B)[row0, col0]}
     * @param trans whether B is stored transposed ({@code op(B)[p, j] = B[j, p]})
     */
    static void pack(MemorySegment b, long bOff, long ldb, boolean trans, int kc, int nc, float[] dst) {
        int at = 0;
        for (int q = 0; q < nc; q += NR) {
            int cols = Math.min(NR, nc - q);
            if (!trans) {
                // rows of B are contiguous: each step is two (masked) vector copies
                VectorMask<Float> m0 = FloatLanes.firstLanes(Math.min(FloatLanes.LANES, cols));
                VectorMask<Float> m1 = FloatLanes.firstLanes(Math.max(0, cols - FloatLanes.LANES));
                for (int p = 0; p < kc; p++) {
                    long row = bOff + p * ldb + q;
                    FloatLanes.load(b, row, m0).intoArray(dst, at);
                    FloatLanes.load(b, row + FloatLanes.LANES, m1).intoArray(dst, at + FloatLanes.LANES);
                    at += NR;
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    for (int c = 0; c < cols; c++) {
                        dst[at + c] = FloatLanes.get(b, bOff + (q + c) * ldb + p);
                    }
                    for (int c = cols; c < NR; c++) {
                        dst[at + c] = 0f;
                    }
                    at += NR;
                }
            }
        }
    }

}
