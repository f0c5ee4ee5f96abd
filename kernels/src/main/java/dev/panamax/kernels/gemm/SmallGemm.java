package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.gemm.BlockSizes.KC;
import static dev.panamax.kernels.gemm.BlockSizes.MR;
import static dev.panamax.kernels.gemm.BlockSizes.NR;

import java.lang.foreign.MemorySegment;

/**
 * SGEMM for small products, with nothing packed: the tiles of C are computed from A and B where
 * they lie ({@link UnpackedKernel}). A small product's operands sit in L1, so packing buys no
 * locality, and it cost a third of a 16^3 product (a 16-column B padded to a 32-column panel,
 * half of it zeros the kernel then multiplied). Column blocks are two vectors wide, then one
 * vector; a ragged remainder narrower than a vector goes to the packed path (its panel
 * padding is what keeps every load inside the segment).
 */
final class SmallGemm {

    /**
     * Products of at most this many multiply-adds take this path. With 12-row tiles (AVX-512),
     * 96^3: on Zen 4, GFLOP/s unpacked / packed (one sitting each), 16^3 48.3 / 21.7, 32^3 90.5 /
     * 73.4, 64^3 97.9 / 88.3, 96^3 100.7 (128^3, packed, 95.6). With 4-row tiles (AVX2, 8 lanes,
     * emulated with {@code -XX:UseAVX=2}), 32^3: 16^3 38.5 / 27.8, 32^3 52.4 / 49.2, but 64^3
     * 62.3 / 69.5, where a tile four rows high re-reads B from L1 too often.
     */
    static final long MAX_MACS = MicroKernel.FOUR_ROW_TAILS ? 96L * 96 * 96 : 32L * 32 * 32;

    private SmallGemm() {
    }

    /** Whether {@code C = op(A) B} (B not transposed) is small enough, and at least one vector wide. */
    static boolean applies(boolean transB, int m, int n, int k) {
        return !transB && n >= LANES && (long) m * n * k <= MAX_MACS;
    }

    /** {@code C = alpha op(A) B + beta C} on the calling thread, arguments checked by the caller; m, n, k > 0. */
    static void run(boolean transA, int m, int n, int k, float alpha, MemorySegment a, long aOff, long lda,
                    MemorySegment b, long bOff, long ldb, float beta, MemorySegment c, long cOff, long ldc) {
        float[] tile = GemmWorkspace.get().tile;
        long stepP = transA ? lda : 1;
        long stepR = transA ? 1 : lda;
        int wide = n / NR * NR;
        int vector = n / LANES * LANES;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            float betaHere = pc == 0 ? beta : 1f;      // later K blocks accumulate onto C
            long aAt = aOff + pc * stepP;
            long bAt = bOff + (long) pc * ldb;
            for (int j = 0; j < wide; j += NR) {
                columnBlock(true, m, kc, a, aAt, stepP, stepR, b, bAt + j, ldb, tile, NR, alpha, betaHere, c, cOff + j, ldc);
            }
            if (vector > wide) {
                columnBlock(false, m, kc, a, aAt, stepP, stepR, b, bAt + wide, ldb, tile, LANES, alpha, betaHere, c,
                        cOff + wide, ldc);
            }
        }
        if (vector < n) {
            Sgemm.serial(transA, false, m, n - vector, k, alpha, a, aOff, lda, b, bOff + vector, ldb, beta, c,
                    cOff + vector, ldc);
        }
    }

    /**
     * One block of C's columns, two vectors ({@code twoVectors}) or one wide: 12-row tiles where
     * the machine has them ({@link MicroKernel#FOUR_ROW_TAILS}), then rows in fours.
     */
    private static void columnBlock(boolean twoVectors, int m, int kc, MemorySegment a, long aAt, long stepP, long stepR,
                                    MemorySegment b, long bAt, long ldb, float[] tile, int cols, float alpha, float beta,
                                    MemorySegment c, long cAt, long ldc) {
        int i = 0;
        if (MicroKernel.FOUR_ROW_TAILS) {
            for (; i + MR <= m; i += MR) {
                if (twoVectors) {
                    UnpackedKernel.twelveByTwo(kc, a, aAt + i * stepR, stepP, stepR, b, bAt, ldb, tile);
                } else {
                    UnpackedKernel.twelveByOne(kc, a, aAt + i * stepR, stepP, stepR, b, bAt, ldb, tile);
                }
                MicroKernel.updateC(tile, c, cAt + i * ldc, ldc, MR, cols, alpha, beta);
            }
        }
        for (; i < m; i += 4) {
            int rows = Math.min(4, m - i);
            long r0 = aAt + i * stepR;
            long last = r0 + (rows - 1) * stepR;
            long r1 = Math.min(r0 + stepR, last);
            long r2 = Math.min(r0 + 2 * stepR, last);
            if (twoVectors) {
                UnpackedKernel.fourByTwo(kc, a, r0, r1, r2, last, stepP, b, bAt, ldb, tile);
            } else {
                UnpackedKernel.fourByOne(kc, a, r0, r1, r2, last, stepP, b, bAt, ldb, tile);
            }
            MicroKernel.updateC(tile, c, cAt + i * ldc, ldc, rows, cols, alpha, beta);
        }
    }
}
