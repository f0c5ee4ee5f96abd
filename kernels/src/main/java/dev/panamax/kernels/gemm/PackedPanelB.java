package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;
import static dev.panamax.kernels.gemm.BlockSizes.NR;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;

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
     * @param bOff  element offset of {@code op(B)[row0, col0]}; with {@code rows}, the offset added to
     *              every row start (the block's first column within a row)
     * @param rows  null, or the start of every row of B ({@link Sgemm#sgemmGathered}); {@code ldb} is then unused
     * @param row0  the first row of B this block uses (an index into {@code rows})
     * @param trans whether B is stored transposed ({@code op(B)[p, j] = B[j, p]})
     * @param dstOff where in {@code dst} the first panel starts
     */
    static void pack(MemorySegment b, long bOff, long ldb, long[] rows, int row0, boolean trans, int kc, int nc,
                     float[] dst, int dstOff) {
        if (trans) {
            packTransposed(b, bOff, ldb, rows, row0, kc, nc, dst, dstOff);
            return;
        }
        int whole = nc / NR * NR;
        // Whole panels row by row: each row of B is read in order, one page at a time. Panel by
        // panel read 128 bytes from each of kc rows in turn, a different page per step; on
        // (64, 3136, 576), whose B is packed once per 64 rows of A, that was 29 % of the time (23 %).
        for (int p = 0; p < kc; p++) {
            long row = rows == null ? bOff + p * ldb : rows[row0 + p] + bOff;
            int to = dstOff + p * NR;
            for (int q = 0; q < whole; q += NR, to += kc * NR) {
                FloatVector.fromMemorySegment(SPECIES, b, (row + q) * Float.BYTES, ORDER).intoArray(dst, to);
                FloatVector.fromMemorySegment(SPECIES, b, (row + q + LANES) * Float.BYTES, ORDER)
                        .intoArray(dst, to + LANES);
            }
        }
        if (whole < nc) {
            packRaggedEdge(b, bOff + whole, ldb, rows, row0, kc, nc - whole, dst, dstOff + whole * kc);
        }
    }

    /**
     * The last panel of a plain B, {@code cols < NR} columns from {@code bOff}, one float at a
     * time, zeros beyond. No vectors: this path runs a few times per product, and code that cold
     * may stay in C1, where a vector load is the API's Java fallback (a LeNet-5 training step
     * allocated 7 KB here in some JVMs, when a head of the row was loaded as one vector).
     */
    private static void packRaggedEdge(MemorySegment b, long bOff, long ldb, long[] rows, int row0, int kc, int cols,
                                       float[] dst, int at) {
        for (int p = 0; p < kc; p++, at += NR) {
            long row = rows == null ? bOff + p * ldb : rows[row0 + p] + bOff;
            // two loops, no branch inside: a `j < cols` test in one loop kept C2 recompiling this
            // method (profile_predicate traps)
            for (int j = 0; j < cols; j++) {
                dst[at + j] = FloatLanes.get(b, row + j);
            }
            for (int j = cols; j < NR; j++) {
                dst[at + j] = 0f;
            }
        }
    }

    /**
     * {@code op(B)[p, q + c] = B[q + c, p]}: the panels' rows are B's columns. A whole panel's
     * steps go in transposed squares ({@link TransposedSquare}) where the machine has them: a
     * float at a time, this copy took 8 % of the ResNet 3 x 3 forward+backward, in its Winograd
     * weight gradient's products (Zen 5). Steps past the last whole square take a square that
     * overlaps the one before (the repeated steps written again with the same floats), and a
     * ragged last panel as wide as a square or wider squares that overlap the same way, its padding
     * columns zeroed first: copied float by float, the 14 steps past the square of a depth of 30
     * made a (16, 64, 30) product take 1330 ns instead of 720 (Zen 5, one thread). Panels
     * narrower than a square, depths under one and other machines' panels go one float at a
     * time (zeros in the padding columns), in
     * blocks of {@link #STEP_BLOCK} steps, so that the NR columns of a block are written while
     * its lines stay in L1: a whole column at a time wrote one float per line of the panel (kc
     * lines, more than L1 holds at kc 1024) and fetched every line again for the next column
     * (Zen 3, (128 x 1024) from rows 12.5 KB apart: 0.76 ns per element, 0.44 in blocks of 256
     * steps).
     */
    private static void packTransposed(MemorySegment b, long bOff, long ldb, long[] rows, int row0, int kc, int nc,
                                       float[] dst, int at) {
        for (int q = 0; q < nc; q += NR, at += kc * NR) {
            int cols = Math.min(NR, nc - q);
            if (cols >= LANES && rows == null && TransposedSquare.AVAILABLE && kc >= LANES) {
                if (cols < NR) {
                    for (int p = 0; p < kc; p++) {
                        Arrays.fill(dst, at + p * NR + cols, at + (p + 1) * NR, 0f);
                    }
                }
                for (int p0 = 0; p0 < kc; p0 += LANES) {
                    int p = Math.min(p0, kc - LANES);
                    for (int c0 = 0; c0 < cols; c0 += LANES) {
                        int c = Math.min(c0, cols - LANES);
                        TransposedSquare.copy(b, bOff + (q + c) * ldb + p, ldb, dst, at + p * NR + c);
                    }
                }
                continue;
            }
            for (int p0 = 0; p0 < kc; p0 += STEP_BLOCK) {
                int p1 = Math.min(kc, p0 + STEP_BLOCK);
                for (int c = 0; c < cols; c++) {
                    long row = rows == null ? bOff + (q + c) * ldb : rows[row0 + q + c] + bOff;
                    for (int p = p0; p < p1; p++) {
                        dst[at + p * NR + c] = FloatLanes.get(b, row + p);
                    }
                }
                for (int c = cols; c < NR; c++) {
                    for (int p = p0; p < p1; p++) {
                        dst[at + p * NR + c] = 0f;
                    }
                }
            }
        }
    }

    /** Steps per block of {@link #packTransposed}: 16 KiB of panel at 8 lanes; blocks of 16 or 128 steps were slower. */
    private static final int STEP_BLOCK = 256;
}
