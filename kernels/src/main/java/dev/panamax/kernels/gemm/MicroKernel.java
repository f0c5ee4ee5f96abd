package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.FloatLanes.FLOAT;
import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;
import static dev.panamax.kernels.gemm.BlockSizes.MR;
import static dev.panamax.kernels.gemm.BlockSizes.NR;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The register-blocked micro-kernel: {@code tile[ROWS x COLUMNS] = Ap * Bp} over one packed
 * micro-panel of A ({@code [kc][ROWS]}) and one of B ({@code [kc][COLUMNS]}), COLUMNS being two
 * vectors. ROWS is the machine's ({@link GemmBlocking}): 12 with 32 vector registers
 * ({@link TwelveRowKernel}), 4 with 16 (the four-row kernels below, which also finish the rows a
 * 12-row tile leaves over, with {@link #runEightRowsPacked} for five to eight of them); the choice
 * is a static final, so C2 compiles the dispatch away. With 16 registers, the blocks of
 * {@link Sgemm} with many rows and columns run six-row tiles instead ({@link SixRowKernel}),
 * over panels of their own.
 *
 * <p>Two more forms read A where it lies instead of from a packed panel: {@link #runInPlace}
 * (ROWS rows) and {@link #runFourRows} (the rows left over). Packing A is a transpose that costs
 * about 1.2 cycles per element on Zen 4; it pays off only when the packed block serves many
 * micro-panels of B. With N = 64 (two micro-panels) packing took 30 % of the time of
 * (3136, 64, 576), and in place that shape runs at 97 GFLOP/s instead of 75. In-place reads of
 * rows a power-of-two apart collide in L1, so wide products still pack ({@link Sgemm}).
 * And one form, {@link #runFourRowsPackingB}, reads B where it lies and packs it as it
 * multiplies, so that packing a panel of B rides on the first tile's arithmetic.
 *
 * <p>Each kernel is one method with every accumulator a local and no call but the Vector API's,
 * and it ends by spilling the accumulators into a small tile array: the update of C (alpha,
 * beta, ragged edges) is {@link #updateC}, a separate method. Written together, the two exceed
 * C2's node budget for inlining; the store calls are then not inlined, the accumulators get
 * boxed, and the kernel runs at a quarter of its speed (measured).
 */
public final class MicroKernel {

    /** Rows of a tile: the micro-panels of A hold this many rows. */
    public static final int ROWS = MR;
    /** Columns of a tile: the micro-panels of B hold this many columns. */
    public static final int COLUMNS = NR;
    /** Floats in one tile. */
    public static final int TILE = MR * NR;
    /**
     * Whether the last rows of a packed panel run in fours ({@link #runFourRowsPacked}): with
     * 12-row panels a last panel of at most eight rows costs a third or two thirds of a whole
     * tile; with 4-row panels every tile is whole.
     */
    public static final boolean FOUR_ROW_TAILS = MR == GemmBlocking.TALL;

    private MicroKernel() {
    }

    /**
     * Computes {@code Ap * Bp} for {@code kc} steps into {@code tile} ({@code [ROWS][COLUMNS]},
     * row-major): {@code ap} holds a packed micro-panel of A ({@code [kc][ROWS]} from {@code apOff}),
     * {@code bp} one of B ({@code [kc][COLUMNS]} from {@code bpOff}). Public for the kernels that
     * build their own panels around it (attention's tiles).
     */
    public static void run(int kc, float[] ap, int apOff, float[] bp, int bpOff, float[] tile) {
        if (MR == GemmBlocking.TALL) {
            TwelveRowKernel.packed(kc, ap, apOff, bp, bpOff, tile);
        } else {
            runFourRowsPacked(kc, ap, apOff, bp, bpOff, tile);
        }
    }

    /**
     * As {@link #run}, with the {@code ROWS} rows of A read in place: {@code op(A)[r, p]} is the
     * float at element {@code aAt + r stepR + p stepP} of {@code a} ({@code stepP = 1, stepR = lda}
     * for a row-major A, the other way round for a transposed one).
     */
    static void runInPlace(int kc, MemorySegment a, long aAt, long stepP, long stepR, float[] bp, int bpOff,
                           float[] tile) {
        if (MR == GemmBlocking.TALL) {
            TwelveRowKernel.inPlace(kc, a, aAt, stepP, stepR, bp, bpOff, tile);
        } else {
            runFourRows(kc, a, aAt, aAt + stepR, aAt + 2 * stepR, aAt + 3 * stepR, stepP, bp, bpOff, tile);
        }
    }

    /**
     * Four rows of a tile, for the rows whole tiles leave over: {@code tile} rows 0-3 get
     * {@code op(A)[rows r0..r3] * Bp}, where row {@code ri} of A starts at element {@code ri} of
     * {@code a} and advances by {@code stepP}. A caller with fewer than four rows left passes one
     * row twice and ignores the duplicate, so nothing is copied or padded.
     */
    static void runFourRows(int kc, MemorySegment a, long r0, long r1, long r2, long r3, long stepP,
                            float[] bp, int bpOff, float[] tile) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        long sp = stepP * Float.BYTES;
        long a0 = r0 * Float.BYTES, a1 = r1 * Float.BYTES, a2 = r2 * Float.BYTES, a3 = r3 * Float.BYTES;
        int b = bpOff;
        for (int p = 0; p < kc; p++, a0 += sp, a1 += sp, a2 += sp, a3 += sp, b += NR) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, b);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, b + LANES);
            FloatVector x = FloatVector.broadcast(SPECIES, a.get(FLOAT, a0));
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, a1));
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, a2));
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, a3));
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, LANES);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + LANES);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + LANES);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + LANES);
    }

    /**
     * Four rows of a tile from a packed panel of A ({@code [kc][ROWS]}): the whole panel when ROWS
     * is 4; with 12-row panels (where {@link #FOUR_ROW_TAILS}) rows {@code apOff % 12} to
     * {@code apOff % 12 + 3}: the last panel of a block whose rows are not a multiple of 12 (64
     * output channels: five whole panels and four rows) then costs a third of a 12-row tile instead
     * of a whole one. Public for attention, whose value panels end the same way.
     */
    public static void runFourRowsPacked(int kc, float[] ap, int apOff, float[] bp, int bpOff, float[] tile) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
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
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, LANES);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + LANES);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + LANES);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + LANES);
    }

    /**
     * Eight rows of a tile from a 12-row packed panel of A (rows {@code apOff % 12} to
     * {@code apOff % 12 + 7}), where {@link #FOUR_ROW_TAILS}: the last panel of a block with 5 to
     * 8 rows left (32 output channels: two whole panels and eight rows), whose rows past the
     * block's are the panel's zero padding. One pass over the panel of B where two four-row
     * tiles made two: sixteen accumulators, two vectors of B and a broadcast.
     */
    static void runEightRowsPacked(int kc, float[] ap, int apOff, float[] bp, int bpOff, float[] tile) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
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
    }

    /**
     * {@link #runFourRowsPacked} on a packed panel of A ({@code ap[apOff..apOff + 4 kc)}) with B read
     * where it lies, packing that panel of B into {@code bp[bpOff, bpOff + kc NR)} as it goes, for the tiles
     * below it ({@link Sgemm#PACK_B_IN_KERNEL_MAX_BYTES}). Step p's row of the panel starts at
     * element {@code bAt + p ldb} of {@code b}, or, with {@code rows} not null (a gathered B, see
     * {@link Sgemm#sgemmGathered}), at {@code rows[row0 + p] + bAt}.
     */
    static void runFourRowsPackingB(int kc, float[] ap, int apOff, MemorySegment b, long bAt, long ldb, long[] rows,
                                    int row0, float[] bp, int bpOff, float[] tile) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int p = 0; p < kc; p++) {
            int a = apOff + p * MR;
            int t = bpOff + p * NR;
            // the test is the same at every step: C2 takes it out of the loop (unswitching)
            long row = (rows == null ? bAt + p * ldb : rows[row0 + p] + bAt) * Float.BYTES;
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
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, LANES);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + LANES);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + LANES);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + LANES);
    }

    /**
     * {@code C = alpha tile + beta C} for the first {@code rows x cols} of the tile; beta 0 means
     * C is not read (so NaN in C does not leak through).
     *
     * <p>Whole-width tiles take vector loops, one per beta case (a vector assigned in one branch
     * and used after it gets boxed), two rows per iteration when beta is 0. A ragged right edge
     * ({@link #updateEdge}) avoids masks: masked updates there boxed once both beta cases had run
     * (30 KB per (64,120,400) product, 40 KB per LeNet step), and a masked access whose vector
     * would pass the end of the segment takes a slow path in the JDK that allocates.
     *
     * <p>The method must stay a call of its own: inlined into {@code Sgemm.blocked}, C2 ran out of
     * node budget there once both beta cases had been seen and boxed every vector (1.2 MB per
     * 512^3 product, 7 % slower). Its bytecode is above C2's inlining limit for hot calls
     * ({@code FreqInlineSize}, 325 bytes), which rules that out.
     */
    static void updateC(float[] tile, MemorySegment c, long cOff, long ldc, int rows, int cols, float alpha, float beta) {
        if (cols < NR) {
            updateEdge(tile, c, cOff, ldc, rows, cols, alpha, beta);
            return;
        }
        int r = 0;
        if (beta == 0f) {
            for (; r + 1 < rows; r += 2) {
                long at = cOff + r * ldc;
                int t = r * NR;
                FloatVector.fromArray(SPECIES, tile, t).mul(alpha).intoMemorySegment(c, at * Float.BYTES, ORDER);
                FloatVector.fromArray(SPECIES, tile, t + LANES).mul(alpha).intoMemorySegment(c, (at + LANES) * Float.BYTES, ORDER);
                FloatVector.fromArray(SPECIES, tile, t + NR).mul(alpha).intoMemorySegment(c, (at + ldc) * Float.BYTES, ORDER);
                FloatVector.fromArray(SPECIES, tile, t + NR + LANES).mul(alpha).intoMemorySegment(c, (at + ldc + LANES) * Float.BYTES, ORDER);
            }
            for (; r < rows; r++) {
                long at = cOff + r * ldc;
                FloatVector.fromArray(SPECIES, tile, r * NR).mul(alpha).intoMemorySegment(c, at * Float.BYTES, ORDER);
                FloatVector.fromArray(SPECIES, tile, r * NR + LANES).mul(alpha).intoMemorySegment(c, (at + LANES) * Float.BYTES, ORDER);
            }
        } else {
            for (; r < rows; r++) {
                long at = cOff + r * ldc;
                FloatVector v0 = FloatVector.fromArray(SPECIES, tile, r * NR).mul(alpha);
                FloatVector v1 = FloatVector.fromArray(SPECIES, tile, r * NR + LANES).mul(alpha);
                FloatVector.fromMemorySegment(SPECIES, c, at * Float.BYTES, ORDER).mul(beta).add(v0).intoMemorySegment(c, at * Float.BYTES, ORDER);
                FloatVector.fromMemorySegment(SPECIES, c, (at + LANES) * Float.BYTES, ORDER).mul(beta).add(v1).intoMemorySegment(c, (at + LANES) * Float.BYTES, ORDER);
            }
        }
    }

    /**
     * A tile narrower than NR: its first 16 columns, if it has them, as whole vectors (no mask),
     * the rest by a masked vector on the rows whose whole vector lies inside C's segment
     * ({@link FloatLanes#rowsWithin}), float by float on the rows after those. Float by float on every row, the edge
     * of a product 24 rows high and 8 columns wide took 187 ns, as long as its multiply-adds.
     * Each beta case is a loop of its own in a method of its own, with no vector living across a
     * branch: masked updates written as one loop with a branch on beta boxed once both cases had
     * run.
     */
    private static void updateEdge(float[] tile, MemorySegment c, long cOff, long ldc, int rows, int cols, float alpha,
                                   float beta) {
        int j0 = 0;
        if (cols >= LANES) {
            j0 = LANES;
            if (beta == 0f) {
                for (int r = 0; r < rows; r++) {
                    FloatVector.fromArray(SPECIES, tile, r * NR).mul(alpha).intoMemorySegment(c, (cOff + r * ldc) * Float.BYTES, ORDER);
                }
            } else {
                for (int r = 0; r < rows; r++) {
                    long at = cOff + r * ldc;
                    FloatVector v = FloatVector.fromArray(SPECIES, tile, r * NR).mul(alpha);
                    FloatVector.fromMemorySegment(SPECIES, c, at * Float.BYTES, ORDER).mul(beta).add(v).intoMemorySegment(c, at * Float.BYTES, ORDER);
                }
            }
        }
        if (j0 == cols) {
            return;
        }
        int vectorRows = FloatLanes.rowsWithin(c, cOff + j0, ldc, LANES, rows);
        if (beta == 0f) {
            maskedEdge(tile, j0, c, cOff + j0, ldc, vectorRows, cols - j0, alpha);
        } else {
            maskedEdge(tile, j0, c, cOff + j0, ldc, vectorRows, cols - j0, alpha, beta);
        }
        for (int r = vectorRows; r < rows; r++) {
            long at = cOff + r * ldc;
            for (int j = j0; j < cols; j++) {
                float v = tile[r * NR + j] * alpha;
                FloatLanes.set(c, at + j, beta == 0f ? v : FloatLanes.get(c, at + j) * beta + v);
            }
        }
    }

    /** {@code C = alpha tile} for {@code width < LANES} columns of the tile from {@code j0}, on {@code rows} rows. */
    private static void maskedEdge(float[] tile, int j0, MemorySegment c, long cAt, long ldc, int rows, int width,
                                   float alpha) {
        VectorMask<Float> m = FloatLanes.firstLanes(width);
        for (int r = 0; r < rows; r++) {
            FloatVector.fromArray(SPECIES, tile, r * NR + j0).mul(alpha)
                    .intoMemorySegment(c, (cAt + r * ldc) * Float.BYTES, ORDER, m);
        }
    }

    /** {@code C = alpha tile + beta C} for {@code width < LANES} columns of the tile from {@code j0}, on {@code rows} rows. */
    private static void maskedEdge(float[] tile, int j0, MemorySegment c, long cAt, long ldc, int rows, int width,
                                   float alpha, float beta) {
        VectorMask<Float> m = FloatLanes.firstLanes(width);
        for (int r = 0; r < rows; r++) {
            long at = (cAt + r * ldc) * Float.BYTES;
            FloatVector v = FloatVector.fromArray(SPECIES, tile, r * NR + j0).mul(alpha);
            FloatVector.fromMemorySegment(SPECIES, c, at, ORDER, m).mul(beta).add(v).intoMemorySegment(c, at, ORDER, m);
        }
    }
}
