package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.gemm.BlockSizes.KC;
import static dev.panamax.kernels.gemm.BlockSizes.MC;
import static dev.panamax.kernels.gemm.BlockSizes.MR;
import static dev.panamax.kernels.gemm.BlockSizes.NR;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;

/**
 * Products with one operand packed beforehand, on the calling thread.
 *
 * <p>{@code C[:, j0:j1] = alpha A op(B)[:, j0:j1] + beta C[:, j0:j1]} with {@code op(B)} already
 * packed ({@link PackedMatrixB}): the product a recurrent network makes at every time step, its
 * state {@code A [m, k]} against its recurrent weights.
 *
 * <p>A's rows may be any distance apart, so a caller that splits a batch over threads by
 * interleaved rows passes a multiple of the row length as {@code lda}. With 12-row tiles A is
 * read where it lies ({@link MicroKernel#runInPlace}); with 4-row tiles each block of A is packed
 * first, as {@link Sgemm} does (in six-row panels where Sgemm would run six-row tiles). Fewer than
 * four rows (a batch of one: inference latency) take {@link PackedRowKernel}, which streams the
 * packed B once per row at cache bandwidth instead of computing a padded four-row tile.
 */
public final class PrepackedSgemm {

    /** Below this many rows each row streams B on its own ({@link PackedRowKernel}). */
    static final int ROW_KERNEL_MAX_ROWS = 3;

    private PrepackedSgemm() {
    }

    /**
     * @param m    rows of A and C
     * @param a    A {@code [m, k]} with row stride {@code lda}, {@code k = b.k()}
     * @param b    op(B), packed
     * @param j0   the first column computed: a multiple of the panel width
     *             ({@link #columnAlignment()}), or equal to {@code j1}
     * @param j1   one past the last column computed, at most {@code b.n()}
     * @param beta 0 means C is only written
     * @param c    C with row stride {@code ldc}; {@code cOff} is the element of {@code C[0, 0]},
     *             and only columns {@code [j0, j1)} are touched
     */
    public static void multiply(int m, float alpha, MemorySegment a, long aOff, long lda, PackedMatrixB b, int j0, int j1,
                                float beta, MemorySegment c, long cOff, long ldc) {
        Checks.nonNegative("M", m);
        int k = b.k();
        if (j0 < 0 || j1 < j0 || j1 > b.n() || (j0 % NR != 0 && j0 != j1)) {
            throw new IllegalArgumentException("columns [" + j0 + ", " + j1 + ") must lie in [0, " + b.n()
                    + ") and start at a multiple of " + NR);
        }
        Sgemm.matrix("A", m, k, a, aOff, lda, "K");
        Sgemm.matrix("C", m, j1, c, cOff, ldc, "j1");
        if (m == 0 || j0 == j1) {
            return;
        }
        if (k == 0 || alpha == 0f) {
            for (int i = 0; i < m; i++) {
                Sgemm.scale(1, j1 - j0, beta, c, cOff + i * ldc + j0, ldc);
            }
            return;
        }
        GemmWorkspace ws = GemmWorkspace.get();
        float[] bp = b.data();
        // 4-row tiles read A packed, as Sgemm does (see Sgemm.PACK_A_MIN_COLUMNS): in place, their
        // loop is bound by its instruction count
        boolean packA = MR == GemmBlocking.SHORT;
        boolean six = Sgemm.SIX_ROW_PANELS && j1 - j0 >= Sgemm.SIX_ROW_MIN_COLUMNS && Sgemm.sixRowsPay(m);
        int blockRows = six ? Sgemm.SIX_ROW_MC : MC;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            float betaHere = pc == 0 ? beta : 1f;
            int base = b.blockOffset(pc);
            if (m <= ROW_KERNEL_MAX_ROWS) {
                for (int i = 0; i < m; i++) {
                    PackedRowKernel.row(kc, a, aOff + i * lda + pc, bp, base, j0, j1, ws.tile, alpha, betaHere, c,
                            cOff + i * ldc);
                }
                continue;
            }
            for (int ic = 0; ic < m; ic += blockRows) {
                int mc = Math.min(blockRows, m - ic);
                long aAt = aOff + ic * lda + pc;
                long cAt = cOff + ic * ldc;
                if (six) {
                    PackedPanelA.packSixRows(a, aAt, lda, false, mc, kc, ws.a, 0);
                } else if (packA) {
                    PackedPanelA.pack(a, aAt, lda, false, mc, kc, ws.a, 0);
                }
                for (int q = j0; q < j1; q += NR) {
                    int cols = Math.min(NR, j1 - q);
                    if (six) {
                        Sgemm.sixRowColumn(mc, kc, ws.a, 0, bp, base + q * kc, ws.tile, cols, alpha, betaHere, c, cAt + q, ldc);
                    } else if (packA) {
                        Sgemm.packedColumn(mc, kc, ws.a, 0, bp, base + q * kc, ws.tile, cols, alpha, betaHere, c, cAt + q, ldc);
                    } else {
                        Sgemm.inPlaceColumn(false, mc, kc, a, aAt, lda, bp, base + q * kc, ws.tile, cols, alpha, betaHere,
                                c, cAt + q, ldc);
                    }
                }
            }
        }
    }

    /**
     * {@code C = alpha op(A) B + beta C} with {@code op(A)} already packed ({@link PackedMatrixA}):
     * a Winograd convolution's transformed filters against each small block of transformed
     * input tiles. B is packed one panel at a time just before its tiles; with four-row tiles the
     * first tile of each panel packs it as it multiplies ({@link MicroKernel#runFourRowsPackingB}),
     * so a B that the caller has just written and that is still in L2 costs little more than its
     * multiply-adds.
     *
     * @param n    columns of B and C
     * @param b    B {@code [a.k(), n]}, row-major with row stride {@code ldb}
     * @param beta 0 means C is only written
     * @param c    C {@code [a.m(), n]} with row stride {@code ldc}
     */
    public static void multiply(PackedMatrixA a, int n, float alpha, MemorySegment b, long bOff, long ldb, float beta,
                                MemorySegment c, long cOff, long ldc) {
        Checks.nonNegative("N", n);
        int m = a.m();
        int k = a.k();
        Sgemm.matrix("B", k, n, b, bOff, ldb, "N");
        Sgemm.matrix("C", m, n, c, cOff, ldc, "N");
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0f) {
            Sgemm.scale(m, n, beta, c, cOff, ldc);
            return;
        }
        GemmWorkspace ws = GemmWorkspace.get();
        float[] ap = a.data();
        boolean packBInKernel = (long) k * n * Float.BYTES <= Sgemm.PACK_B_IN_KERNEL_MAX_BYTES;
        boolean six = a.sixRows();
        int blockRows = six ? Sgemm.SIX_ROW_MC : MC;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            float betaHere = pc == 0 ? beta : 1f;
            for (int ic = 0; ic < m; ic += blockRows) {
                int mc = Math.min(blockRows, m - ic);
                int apOff = a.blockOffset(pc) + ic * kc;
                long cAt = cOff + ic * ldc;
                for (int jr = 0; jr < n; jr += NR) {
                    int cols = Math.min(NR, n - jr);
                    long bAt = bOff + pc * ldb + jr;
                    if (six && packBInKernel) {
                        Sgemm.sixRowPackingColumn(mc, kc, ap, apOff, b, bAt, ldb, null, 0, cols, ws, 0, alpha, betaHere, c,
                                cAt + jr, ldc);
                    } else if (six) {
                        PackedPanelB.pack(b, bAt, ldb, null, 0, false, kc, cols, ws.b, 0);
                        Sgemm.sixRowColumn(mc, kc, ap, apOff, ws.b, 0, ws.tile, cols, alpha, betaHere, c, cAt + jr, ldc);
                    } else if (packBInKernel) {
                        Sgemm.packingColumn(mc, kc, ap, apOff, b, bAt, ldb, null, 0, cols, ws, 0, alpha, betaHere, c,
                                cAt + jr, ldc);
                    } else {
                        PackedPanelB.pack(b, bAt, ldb, null, 0, false, kc, cols, ws.b, 0);
                        Sgemm.packedColumn(mc, kc, ap, apOff, ws.b, 0, ws.tile, cols, alpha, betaHere, c, cAt + jr, ldc);
                    }
                }
            }
        }
    }

    /** The column granularity of {@link #multiply}: ranges of columns start at multiples of it. */
    public static int columnAlignment() {
        return NR;
    }
}
