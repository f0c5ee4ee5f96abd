package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.FloatLanes.FLOAT;
import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;
import static dev.panamax.kernels.gemm.BlockSizes.NR;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.FloatVector;

/**
 * Micro-kernels that read both operands where they lie, for {@link SmallGemm}: A by broadcasts
 * as {@link MicroKernel#runInPlace} does, B by vector loads from its rows ({@code b[bAt + p ldb]}
 * for step p), so nothing is packed. Each writes its tile as {@code [rows][NR]} for
 * {@link MicroKernel#updateC} (all but {@link #eightByOne}, which updates C itself), and is
 * one loop with every accumulator a local, as the packed kernels are (see {@link MicroKernel}).
 * The loops carry each operand's offset from step to step ({@code at += sp}). On Zen 4 offsets
 * computed from the step number ({@code at0 + p sp}: fewer values live across the back edge) had
 * run 16^3 14 % faster; on Zen 5 the carried offsets won (twelveByTwo alone at kc = 16, 32, 128,
 * best of ten runs, GFLOP/s: 166, 169, 181 against 152, 154, 170; GemmBench, best forks, 16^3
 * 8.3 against 7.8 M products/s, 32^3 2.04 against 1.90 M, 64^3 285 against 265 k; with 8 lanes,
 * 16^3 6.0 against 5.3 M, 32^3 0.93 against 0.83 M). Zen 4 has not been measured again.
 *
 * <p>Within a step, the tiles of eight and twelve rows reach A's rows by adding the row stride to
 * a running offset ({@code o += sr}) instead of computing {@code at + i sr}: with twelve (or
 * eight) such offsets live across the loop C2 ran out of general registers and kept them on the
 * stack, so each broadcast cost three stack loads besides its own (seen in the disassembly), and
 * the loop was bound by loads, not multiply-adds. Zen 5, one thread, GemmBench GFLOP/s before /
 * after, OpenBLAS in the same sitting: 16^3 67 / 81-83 (71), 32^3 150-154 / 168-174 (181),
 * 64^3 213 / 211-215 (216). The six-row tile keeps its six offsets in registers and ran 3 %
 * slower with a running offset (256^3), so it computes them.
 */
final class UnpackedKernel {

    private UnpackedKernel() {
    }

    /**
     * Twelve rows of A by two vectors of B (24 accumulators: machines with 32 vector registers).
     * It writes a tile, not C, although {@link SmallGemm#run} then copies that tile: a form that
     * stored C from its registers with beta 0 (1,365 bytes of bytecode, 949 for eight rows) ran
     * 16^3 in 0.19-0.20 us against 0.21 on Zen 4, but C1 gave up on its on-stack replacement
     * ("out of virtual registers in linear scan") and 32^3 ran boxed at 1 GFLOP/s for whole
     * seconds (96^3 in one JVM of three). With the stores in a helper of two rows (too large for
     * C1 to inline), C1 compiled it, but the vectors passed to the helper stayed boxed in C2's
     * code as well: 2-8 GFLOP/s.
     */
    static void twelveByTwo(int kc, MemorySegment a, long aAt, long stepP, long stepR, MemorySegment b, long bAt, long ldb,
                            float[] tile) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00, c40 = c00;
        FloatVector c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00, c80 = c00;
        FloatVector c81 = c00, c90 = c00, c91 = c00, c100 = c00, c101 = c00, c110 = c00, c111 = c00;
        long sp = stepP * Float.BYTES;
        long at = aAt * Float.BYTES;
        long sr = stepR * Float.BYTES;
        long row = bAt * Float.BYTES;
        long sb = ldb * Float.BYTES;
        for (int p = 0; p < kc; p++, at += sp, row += sb) {
            FloatVector b0 = FloatVector.fromMemorySegment(SPECIES, b, row, ORDER);
            FloatVector b1 = FloatVector.fromMemorySegment(SPECIES, b, row + LANES * Float.BYTES, ORDER);
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

    /**
     * Six rows of A by four vectors of B (24 accumulators), stored as they are into C: the tiles
     * of a product at least four vectors wide with beta 0 ({@link SmallGemm#run}, which applies
     * alpha afterwards when it is not 1). Each step loads ten operands (six broadcasts, four
     * vectors) for its 24 multiply-adds where twelve rows by two vectors load fourteen, and every
     * load from a segment is a bounds check C2 keeps in the loop (the offsets advance by a stride
     * known only at run time): the loop's other instructions, not its multiply-adds, had set the
     * pace. Zen 5, one thread, 12 rows by 64 columns with B in L1, GFLOP/s: 210-216 against
     * 186-189 for two 12 x 2 tiles (a loop of register-only FMAs: 233). The stores are all this
     * method does after its loop because a larger method (1,668 bytes of bytecode, with
     * {@code beta C} added; 1,387 for a 12 x 2 tile storing {@code alpha AB}) was more than C1's
     * register allocator takes, and a method C1 gives up on can stay at its first tier with its
     * vectors boxed (1 GFLOP/s for seconds). Through a tile and a separate update it ran 6-9 %
     * slower than storing from the registers.
     */
    static void sixByFour(int kc, MemorySegment a, long aAt, long stepP, long stepR, MemorySegment b, long bAt, long ldb,
                          MemorySegment c, long cAt, long ldc) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00, c20 = c00;
        FloatVector c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00, c40 = c00;
        FloatVector c41 = c00, c42 = c00, c43 = c00, c50 = c00, c51 = c00, c52 = c00, c53 = c00;
        long sp = stepP * Float.BYTES;
        long at = aAt * Float.BYTES;
        long sr = stepR * Float.BYTES;
        long row = bAt * Float.BYTES;
        long sb = ldb * Float.BYTES;
        for (int p = 0; p < kc; p++, at += sp, row += sb) {
            FloatVector b0 = FloatVector.fromMemorySegment(SPECIES, b, row, ORDER);
            FloatVector b1 = FloatVector.fromMemorySegment(SPECIES, b, row + LANES * Float.BYTES, ORDER);
            FloatVector b2 = FloatVector.fromMemorySegment(SPECIES, b, row + 2 * LANES * Float.BYTES, ORDER);
            FloatVector b3 = FloatVector.fromMemorySegment(SPECIES, b, row + 3 * LANES * Float.BYTES, ORDER);
            FloatVector x = FloatVector.broadcast(SPECIES, a.get(FLOAT, at));
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, at + 1 * sr));
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, at + 2 * sr));
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, at + 3 * sr));
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            c33 = x.fma(b3, c33);
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, at + 4 * sr));
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            c42 = x.fma(b2, c42);
            c43 = x.fma(b3, c43);
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, at + 5 * sr));
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            c52 = x.fma(b2, c52);
            c53 = x.fma(b3, c53);
        }
        long c0 = cAt * Float.BYTES;
        long sc = ldc * Float.BYTES;
        long cv = LANES * Float.BYTES;
        c00.intoMemorySegment(c, c0, ORDER);
        c01.intoMemorySegment(c, c0 + cv, ORDER);
        c02.intoMemorySegment(c, c0 + 2 * cv, ORDER);
        c03.intoMemorySegment(c, c0 + 3 * cv, ORDER);
        c10.intoMemorySegment(c, c0 + sc, ORDER);
        c11.intoMemorySegment(c, c0 + sc + cv, ORDER);
        c12.intoMemorySegment(c, c0 + sc + 2 * cv, ORDER);
        c13.intoMemorySegment(c, c0 + sc + 3 * cv, ORDER);
        c20.intoMemorySegment(c, c0 + 2 * sc, ORDER);
        c21.intoMemorySegment(c, c0 + 2 * sc + cv, ORDER);
        c22.intoMemorySegment(c, c0 + 2 * sc + 2 * cv, ORDER);
        c23.intoMemorySegment(c, c0 + 2 * sc + 3 * cv, ORDER);
        c30.intoMemorySegment(c, c0 + 3 * sc, ORDER);
        c31.intoMemorySegment(c, c0 + 3 * sc + cv, ORDER);
        c32.intoMemorySegment(c, c0 + 3 * sc + 2 * cv, ORDER);
        c33.intoMemorySegment(c, c0 + 3 * sc + 3 * cv, ORDER);
        c40.intoMemorySegment(c, c0 + 4 * sc, ORDER);
        c41.intoMemorySegment(c, c0 + 4 * sc + cv, ORDER);
        c42.intoMemorySegment(c, c0 + 4 * sc + 2 * cv, ORDER);
        c43.intoMemorySegment(c, c0 + 4 * sc + 3 * cv, ORDER);
        c50.intoMemorySegment(c, c0 + 5 * sc, ORDER);
        c51.intoMemorySegment(c, c0 + 5 * sc + cv, ORDER);
        c52.intoMemorySegment(c, c0 + 5 * sc + 2 * cv, ORDER);
        c53.intoMemorySegment(c, c0 + 5 * sc + 3 * cv, ORDER);
    }

    /**
     * Four rows of A by four vectors of B (16 accumulators), stored into C as {@link #sixByFour}
     * stores: the last rows of a product in those tiles when fewer than five are left, instead of
     * a six-row tile that computes rows again (a 64-row product, as a 1 x 1 convolution with 64
     * output channels: 66 rows' multiply-adds for 64); products of
     * {@link SmallGemm#FOUR_ROW_TAIL_MAX_ROWS} rows and more take the six-row tile.
     */
    static void fourByFour(int kc, MemorySegment a, long aAt, long stepP, long stepR, MemorySegment b, long bAt, long ldb,
                           MemorySegment c, long cAt, long ldc) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        long sp = stepP * Float.BYTES;
        long at = aAt * Float.BYTES;
        long sr = stepR * Float.BYTES;
        long row = bAt * Float.BYTES;
        long sb = ldb * Float.BYTES;
        for (int p = 0; p < kc; p++, at += sp, row += sb) {
            FloatVector b0 = FloatVector.fromMemorySegment(SPECIES, b, row, ORDER);
            FloatVector b1 = FloatVector.fromMemorySegment(SPECIES, b, row + LANES * Float.BYTES, ORDER);
            FloatVector b2 = FloatVector.fromMemorySegment(SPECIES, b, row + 2 * LANES * Float.BYTES, ORDER);
            FloatVector b3 = FloatVector.fromMemorySegment(SPECIES, b, row + 3 * LANES * Float.BYTES, ORDER);
            FloatVector x = FloatVector.broadcast(SPECIES, a.get(FLOAT, at));
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, at + 1 * sr));
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, at + 2 * sr));
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, at + 3 * sr));
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            c33 = x.fma(b3, c33);
        }
        long c0 = cAt * Float.BYTES;
        long sc = ldc * Float.BYTES;
        long cv = LANES * Float.BYTES;
        c00.intoMemorySegment(c, c0, ORDER);
        c01.intoMemorySegment(c, c0 + cv, ORDER);
        c02.intoMemorySegment(c, c0 + 2 * cv, ORDER);
        c03.intoMemorySegment(c, c0 + 3 * cv, ORDER);
        c10.intoMemorySegment(c, c0 + sc, ORDER);
        c11.intoMemorySegment(c, c0 + sc + cv, ORDER);
        c12.intoMemorySegment(c, c0 + sc + 2 * cv, ORDER);
        c13.intoMemorySegment(c, c0 + sc + 3 * cv, ORDER);
        c20.intoMemorySegment(c, c0 + 2 * sc, ORDER);
        c21.intoMemorySegment(c, c0 + 2 * sc + cv, ORDER);
        c22.intoMemorySegment(c, c0 + 2 * sc + 2 * cv, ORDER);
        c23.intoMemorySegment(c, c0 + 2 * sc + 3 * cv, ORDER);
        c30.intoMemorySegment(c, c0 + 3 * sc, ORDER);
        c31.intoMemorySegment(c, c0 + 3 * sc + cv, ORDER);
        c32.intoMemorySegment(c, c0 + 3 * sc + 2 * cv, ORDER);
        c33.intoMemorySegment(c, c0 + 3 * sc + 3 * cv, ORDER);
    }

    /**
     * Four rows of A by three vectors of B (12 accumulators), stored as they are into C: the
     * tiles of {@link #sixByFour} for machines with 16 vector registers (AVX2), where twelve
     * accumulators, three vectors of B and a broadcast fill them. Each step loads seven operands
     * for 12 multiply-adds where {@link #fourByTwo} loads six for eight. Zen 5 run with
     * {@code -XX:UseAVX=2} (8 lanes), 24 rows by 48 columns with B in L1, GFLOP/s: 110-111
     * against 88-90 for 4 x 2 tiles and 91-96 for 6 x 2 (OpenBLAS's Haswell kernels on whole
     * products: 86-98).
     */
    static void fourByThree(int kc, MemorySegment a, long aAt, long stepP, long stepR, MemorySegment b, long bAt, long ldb,
                            MemorySegment c, long cAt, long ldc) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00, c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
        long sp = stepP * Float.BYTES;
        long at = aAt * Float.BYTES;
        long sr = stepR * Float.BYTES;
        long row = bAt * Float.BYTES;
        long sb = ldb * Float.BYTES;
        for (int p = 0; p < kc; p++, at += sp, row += sb) {
            FloatVector b0 = FloatVector.fromMemorySegment(SPECIES, b, row, ORDER);
            FloatVector b1 = FloatVector.fromMemorySegment(SPECIES, b, row + LANES * Float.BYTES, ORDER);
            FloatVector b2 = FloatVector.fromMemorySegment(SPECIES, b, row + 2 * LANES * Float.BYTES, ORDER);
            FloatVector x = FloatVector.broadcast(SPECIES, a.get(FLOAT, at));
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, at + 1 * sr));
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, at + 2 * sr));
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, at + 3 * sr));
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
        }
        long c0 = cAt * Float.BYTES;
        long sc = ldc * Float.BYTES;
        long cv = LANES * Float.BYTES;
        c00.intoMemorySegment(c, c0, ORDER);
        c01.intoMemorySegment(c, c0 + cv, ORDER);
        c02.intoMemorySegment(c, c0 + 2 * cv, ORDER);
        c10.intoMemorySegment(c, c0 + sc, ORDER);
        c11.intoMemorySegment(c, c0 + sc + cv, ORDER);
        c12.intoMemorySegment(c, c0 + sc + 2 * cv, ORDER);
        c20.intoMemorySegment(c, c0 + 2 * sc, ORDER);
        c21.intoMemorySegment(c, c0 + 2 * sc + cv, ORDER);
        c22.intoMemorySegment(c, c0 + 2 * sc + 2 * cv, ORDER);
        c30.intoMemorySegment(c, c0 + 3 * sc, ORDER);
        c31.intoMemorySegment(c, c0 + 3 * sc + cv, ORDER);
        c32.intoMemorySegment(c, c0 + 3 * sc + 2 * cv, ORDER);
    }

    /**
     * {@link #fourByTwo} stored as it is into C, as {@link #fourByThree} stores: the two-vector
     * blocks beside a product's three-vector ones with 16 vector registers (all of a 32-column
     * one), where a tile and a separate update cost about as much as a quarter of the
     * multiply-adds of a 32-deep product.
     */
    static void fourByTwoInto(int kc, MemorySegment a, long aAt, long stepP, long stepR, MemorySegment b, long bAt,
                              long ldb, MemorySegment c, long cAt, long ldc) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        long sp = stepP * Float.BYTES;
        long at = aAt * Float.BYTES;
        long sr = stepR * Float.BYTES;
        long row = bAt * Float.BYTES;
        long sb = ldb * Float.BYTES;
        for (int p = 0; p < kc; p++, at += sp, row += sb) {
            FloatVector b0 = FloatVector.fromMemorySegment(SPECIES, b, row, ORDER);
            FloatVector b1 = FloatVector.fromMemorySegment(SPECIES, b, row + LANES * Float.BYTES, ORDER);
            FloatVector x = FloatVector.broadcast(SPECIES, a.get(FLOAT, at));
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, at + 1 * sr));
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, at + 2 * sr));
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, at + 3 * sr));
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        long c0 = cAt * Float.BYTES;
        long sc = ldc * Float.BYTES;
        long cv = LANES * Float.BYTES;
        c00.intoMemorySegment(c, c0, ORDER);
        c01.intoMemorySegment(c, c0 + cv, ORDER);
        c10.intoMemorySegment(c, c0 + sc, ORDER);
        c11.intoMemorySegment(c, c0 + sc + cv, ORDER);
        c20.intoMemorySegment(c, c0 + 2 * sc, ORDER);
        c21.intoMemorySegment(c, c0 + 2 * sc + cv, ORDER);
        c30.intoMemorySegment(c, c0 + 3 * sc, ORDER);
        c31.intoMemorySegment(c, c0 + 3 * sc + cv, ORDER);
    }

    /**
     * Four rows by two vectors, for machines with 16 vector registers. Row {@code ri} of A starts
     * at element {@code ri}; a caller with fewer than four rows left passes one row twice and
     * ignores the duplicate.
     */
    static void fourByTwo(int kc, MemorySegment a, long r0, long r1, long r2, long r3, long stepP, MemorySegment b, long bAt, long ldb,
                          float[] tile) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        long sp = stepP * Float.BYTES;
        long a0 = r0 * Float.BYTES, a1 = r1 * Float.BYTES, a2 = r2 * Float.BYTES, a3 = r3 * Float.BYTES;
        long row = bAt * Float.BYTES;
        long sb = ldb * Float.BYTES;
        for (int p = 0; p < kc; p++, a0 += sp, a1 += sp, a2 += sp, a3 += sp, row += sb) {
            FloatVector b0 = FloatVector.fromMemorySegment(SPECIES, b, row, ORDER);
            FloatVector b1 = FloatVector.fromMemorySegment(SPECIES, b, row + LANES * Float.BYTES, ORDER);
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

    /** Twelve rows by one vector: a block of C one vector wide (N = 16 on AVX-512). */
    static void twelveByOne(int kc, MemorySegment a, long aAt, long stepP, long stepR, MemorySegment b, long bAt, long ldb,
                            float[] tile) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c10 = c00, c20 = c00, c30 = c00, c40 = c00, c50 = c00, c60 = c00, c70 = c00, c80 = c00;
        FloatVector c90 = c00, c100 = c00, c110 = c00;
        long sp = stepP * Float.BYTES;
        long at = aAt * Float.BYTES;
        long sr = stepR * Float.BYTES;
        long row = bAt * Float.BYTES;
        long sb = ldb * Float.BYTES;
        for (int p = 0; p < kc; p++, at += sp, row += sb) {
            FloatVector b0 = FloatVector.fromMemorySegment(SPECIES, b, row, ORDER);
            long o = at;
            FloatVector x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c00 = x.fma(b0, c00);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c10 = x.fma(b0, c10);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c20 = x.fma(b0, c20);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c30 = x.fma(b0, c30);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c40 = x.fma(b0, c40);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c50 = x.fma(b0, c50);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c60 = x.fma(b0, c60);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c70 = x.fma(b0, c70);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c80 = x.fma(b0, c80);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c90 = x.fma(b0, c90);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c100 = x.fma(b0, c100);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c110 = x.fma(b0, c110);
        }
        c00.intoArray(tile, 0);
        c10.intoArray(tile, NR);
        c20.intoArray(tile, 2 * NR);
        c30.intoArray(tile, 3 * NR);
        c40.intoArray(tile, 4 * NR);
        c50.intoArray(tile, 5 * NR);
        c60.intoArray(tile, 6 * NR);
        c70.intoArray(tile, 7 * NR);
        c80.intoArray(tile, 8 * NR);
        c90.intoArray(tile, 9 * NR);
        c100.intoArray(tile, 10 * NR);
        c110.intoArray(tile, 11 * NR);
    }

    /**
     * Eight rows of A by two vectors of B (16 accumulators): the last rows of a product whose
     * rows are a multiple of four but not of 12 ({@link SmallGemm#eightRowTiles}).
     */
    static void eightByTwo(int kc, MemorySegment a, long aAt, long stepP, long stepR, MemorySegment b, long bAt, long ldb,
                           float[] tile) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00, c40 = c00, c41 = c00;
        FloatVector c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        long sp = stepP * Float.BYTES;
        long at = aAt * Float.BYTES;
        long sr = stepR * Float.BYTES;
        long row = bAt * Float.BYTES;
        long sb = ldb * Float.BYTES;
        for (int p = 0; p < kc; p++, at += sp, row += sb) {
            FloatVector b0 = FloatVector.fromMemorySegment(SPECIES, b, row, ORDER);
            FloatVector b1 = FloatVector.fromMemorySegment(SPECIES, b, row + LANES * Float.BYTES, ORDER);
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
     * Eight rows by one vector, the 8-row tiles of a block one vector wide, with C updated here
     * ({@code C = alpha tile + beta C}, C not read when beta is 0) rather than through a tile and
     * {@link MicroKernel#updateC}. At 16^3 (two of these, nothing else) the tile's store, reload
     * and edge update were a sixth of the product: 5.7-6.0 M products/s before, 6.7 M after
     * (Zen 4, one thread). The beta branches assign nothing that is used after them, so no vector
     * is boxed (see {@code updateC}).
     */
    static void eightByOne(int kc, MemorySegment a, long aAt, long stepP, long stepR, MemorySegment b, long bAt, long ldb,
                               MemorySegment c, long cAt, long ldc, float alpha, float beta) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c10 = c00, c20 = c00, c30 = c00, c40 = c00, c50 = c00, c60 = c00, c70 = c00;
        long sp = stepP * Float.BYTES;
        long at = aAt * Float.BYTES;
        long sr = stepR * Float.BYTES;
        long row = bAt * Float.BYTES;
        long sb = ldb * Float.BYTES;
        for (int p = 0; p < kc; p++, at += sp, row += sb) {
            FloatVector b0 = FloatVector.fromMemorySegment(SPECIES, b, row, ORDER);
            long o = at;
            FloatVector x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c00 = x.fma(b0, c00);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c10 = x.fma(b0, c10);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c20 = x.fma(b0, c20);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c30 = x.fma(b0, c30);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c40 = x.fma(b0, c40);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c50 = x.fma(b0, c50);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c60 = x.fma(b0, c60);
            o += sr;
            x = FloatVector.broadcast(SPECIES, a.get(FLOAT, o));
            c70 = x.fma(b0, c70);
        }
        long c0 = cAt * Float.BYTES;
        long sc = ldc * Float.BYTES;
        if (beta == 0f) {
            c00.mul(alpha).intoMemorySegment(c, c0, ORDER);
            c10.mul(alpha).intoMemorySegment(c, c0 + sc, ORDER);
            c20.mul(alpha).intoMemorySegment(c, c0 + 2 * sc, ORDER);
            c30.mul(alpha).intoMemorySegment(c, c0 + 3 * sc, ORDER);
            c40.mul(alpha).intoMemorySegment(c, c0 + 4 * sc, ORDER);
            c50.mul(alpha).intoMemorySegment(c, c0 + 5 * sc, ORDER);
            c60.mul(alpha).intoMemorySegment(c, c0 + 6 * sc, ORDER);
            c70.mul(alpha).intoMemorySegment(c, c0 + 7 * sc, ORDER);
        } else {
            FloatVector.fromMemorySegment(SPECIES, c, c0, ORDER).mul(beta).add(c00.mul(alpha)).intoMemorySegment(c, c0, ORDER);
            FloatVector.fromMemorySegment(SPECIES, c, c0 + sc, ORDER).mul(beta).add(c10.mul(alpha)).intoMemorySegment(c, c0 + sc, ORDER);
            FloatVector.fromMemorySegment(SPECIES, c, c0 + 2 * sc, ORDER).mul(beta).add(c20.mul(alpha)).intoMemorySegment(c, c0 + 2 * sc, ORDER);
            FloatVector.fromMemorySegment(SPECIES, c, c0 + 3 * sc, ORDER).mul(beta).add(c30.mul(alpha)).intoMemorySegment(c, c0 + 3 * sc, ORDER);
            FloatVector.fromMemorySegment(SPECIES, c, c0 + 4 * sc, ORDER).mul(beta).add(c40.mul(alpha)).intoMemorySegment(c, c0 + 4 * sc, ORDER);
            FloatVector.fromMemorySegment(SPECIES, c, c0 + 5 * sc, ORDER).mul(beta).add(c50.mul(alpha)).intoMemorySegment(c, c0 + 5 * sc, ORDER);
            FloatVector.fromMemorySegment(SPECIES, c, c0 + 6 * sc, ORDER).mul(beta).add(c60.mul(alpha)).intoMemorySegment(c, c0 + 6 * sc, ORDER);
            FloatVector.fromMemorySegment(SPECIES, c, c0 + 7 * sc, ORDER).mul(beta).add(c70.mul(alpha)).intoMemorySegment(c, c0 + 7 * sc, ORDER);
        }
    }
}
