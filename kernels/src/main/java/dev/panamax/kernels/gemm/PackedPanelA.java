package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.gemm.BlockSizes.MR;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;

/**
 * Packs an {@code mc x kc} block of {@code op(A)} into micro-panels of {@link BlockSizes#MR}
 * rows: panel {@code q} holds rows {@code q MR .. q MR + MR - 1}, stored column by column
 * ({@code [kc][MR]}), so the micro-kernel reads the MR values it broadcasts at step p from one
 * contiguous run. Rows past {@code mc} are zero, so edge tiles need no special kernel.
 */
final class PackedPanelA {

    private PackedPanelA() {
    }

    /**
     * @param a    A, row-major with leading dimension {@code lda}
     * @param aOff element offset of {@code op(A)[row0, col0]}
     * @param trans whether A is stored transposed ({@code op(A)[i, p] = A[p, i]})
     */
    static void pack(MemorySegment a, long aOff, long lda, boolean trans, int mc, int kc, float[] dst) {
        int at = 0;
        for (int q = 0; q < mc; q += MR) {
            int rows = Math.min(MR, mc - q);
            for (int p = 0; p < kc; p++) {
                for (int r = 0; r < rows; r++) {
                    long i = q + r;
                    dst[at + r] = FloatLanes.get(a, trans ? aOff + p * lda + i : aOff + i * lda + p);
                }
                for (int r = rows; r < MR; r++) {
                    dst[at + r] = 0f;
                }
                at += MR;
            }
        }
    }
}
