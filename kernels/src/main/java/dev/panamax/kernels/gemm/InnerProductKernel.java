package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;

/**
 * {@code C = alpha A B^T + beta C} for a deep product of few rows and columns with A
 * {@code [m, k]} and B {@code [n, k]} both row-major ("NT"): each element of C is the inner
 * product of two contiguous rows, and 4 x 4 of them are summed at a time in 16 vector
 * accumulators running along k, their lane sums then folded together
 * ({@link FloatLanes#sumLanesOfSixteen}). Nothing is packed. The packed path has to transpose B
 * into its panels one float at a time, and for a Winograd weight gradient (64 x 64 products 784
 * deep) that transpose took about a third of the GEMM's time. Eight loads feed 16 multiply-adds, within
 * the two loads a cycle the core issues; the 16 accumulators and 8 operands need 32 vector
 * registers, so only machines that have them take this path.
 */
final class InnerProductKernel {

    /** The most rows of A and of B: C's 4 x 4 blocks reread both from L2, which must hold them. */
    static final int MAX_ROWS = 128;
    /** The shallowest product: the lane sums and their fold are paid once per element of C. */
    static final int MIN_DEPTH = 256;

    private InnerProductKernel() {
    }

    /** Whether {@code C = op(A) op(B)} is an NT product this kernel takes. */
    static boolean applies(boolean transA, boolean transB, int m, int n, int k) {
        return !transA && transB && GemmBlocking.current().vectorRegisters() >= 32 && m >= 4 && n >= 4
                && m <= MAX_ROWS && n <= MAX_ROWS && k >= MIN_DEPTH;
    }

    /** {@code C = alpha A B^T + beta C} on the calling thread, arguments checked by the caller. */
    static void run(int m, int n, int k, float alpha, MemorySegment a, long aOff, long lda, MemorySegment b, long bOff,
                    long ldb, float beta, MemorySegment c, long cOff, long ldc) {
        float[] sums = FloatLanes.laneSumScratch();
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int j = 0;
            for (; j + 4 <= n; j += 4) {
                fourByFour(k, a, aOff + i * lda, lda, b, bOff + j * ldb, ldb, sums);
                for (int r = 0; r < 4; r++) {
                    for (int s = 0; s < 4; s++) {
                        float dot = sums[4 * r + s] + tail(k, a, aOff + (i + r) * lda, b, bOff + (j + s) * ldb);
                        store(alpha, dot, beta, c, cOff + (i + r) * ldc + j + s);
                    }
                }
            }
            for (; j < n; j++) {
                for (int r = 0; r < 4; r++) {
                    store(alpha, dot(k, a, aOff + (i + r) * lda, b, bOff + j * ldb), beta, c, cOff + (i + r) * ldc + j);
                }
            }
        }
        for (; i < m; i++) {
            for (int j = 0; j < n; j++) {
                store(alpha, dot(k, a, aOff + i * lda, b, bOff + j * ldb), beta, c, cOff + i * ldc + j);
            }
        }
    }

    private static void store(float alpha, float dot, float beta, MemorySegment c, long at) {
        // beta 0 does not read C, which may hold NaN
        FloatLanes.set(c, at, beta == 0f ? alpha * dot : alpha * dot + beta * FloatLanes.get(c, at));
    }

    /**
     * The whole-vector part of the 16 inner products of rows {@code a .. a + 3} and
     * {@code b .. b + 3}: accumulator {@code 4r + s} pairs A's row r with B's row s, and its lane
     * sum lands in {@code sums[4r + s]}.
     */
    private static void fourByFour(int k, MemorySegment a, long aAt, long lda, MemorySegment b, long bAt, long ldb,
                                   float[] sums) {
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        int whole = k / LANES * LANES;
        for (int p = 0; p < whole; p += LANES) {
            FloatVector b0 = FloatVector.fromMemorySegment(SPECIES, b, (bAt + p) * Float.BYTES, ORDER);
            FloatVector b1 = FloatVector.fromMemorySegment(SPECIES, b, (bAt + ldb + p) * Float.BYTES, ORDER);
            FloatVector b2 = FloatVector.fromMemorySegment(SPECIES, b, (bAt + 2 * ldb + p) * Float.BYTES, ORDER);
            FloatVector b3 = FloatVector.fromMemorySegment(SPECIES, b, (bAt + 3 * ldb + p) * Float.BYTES, ORDER);
            FloatVector a0 = FloatVector.fromMemorySegment(SPECIES, a, (aAt + p) * Float.BYTES, ORDER);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c02 = a0.fma(b2, c02);
            c03 = a0.fma(b3, c03);
            FloatVector a1 = FloatVector.fromMemorySegment(SPECIES, a, (aAt + lda + p) * Float.BYTES, ORDER);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c12 = a1.fma(b2, c12);
            c13 = a1.fma(b3, c13);
            FloatVector a2 = FloatVector.fromMemorySegment(SPECIES, a, (aAt + 2 * lda + p) * Float.BYTES, ORDER);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c22 = a2.fma(b2, c22);
            c23 = a2.fma(b3, c23);
            FloatVector a3 = FloatVector.fromMemorySegment(SPECIES, a, (aAt + 3 * lda + p) * Float.BYTES, ORDER);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            c32 = a3.fma(b2, c32);
            c33 = a3.fma(b3, c33);
        }
        c00.intoArray(sums, 0);
        c01.intoArray(sums, LANES);
        c02.intoArray(sums, 2 * LANES);
        c03.intoArray(sums, 3 * LANES);
        c10.intoArray(sums, 4 * LANES);
        c11.intoArray(sums, 5 * LANES);
        c12.intoArray(sums, 6 * LANES);
        c13.intoArray(sums, 7 * LANES);
        c20.intoArray(sums, 8 * LANES);
        c21.intoArray(sums, 9 * LANES);
        c22.intoArray(sums, 10 * LANES);
        c23.intoArray(sums, 11 * LANES);
        c30.intoArray(sums, 12 * LANES);
        c31.intoArray(sums, 13 * LANES);
        c32.intoArray(sums, 14 * LANES);
        c33.intoArray(sums, 15 * LANES);
        FloatLanes.sumLanesOfSixteen(sums);
    }

    /** The products past the last whole vector, in order. */
    private static float tail(int k, MemorySegment a, long aAt, MemorySegment b, long bAt) {
        float sum = 0f;
        for (int p = k / LANES * LANES; p < k; p++) {
            sum += FloatLanes.get(a, aAt + p) * FloatLanes.get(b, bAt + p);
        }
        return sum;
    }

    /** One inner product, for the rows and columns past the last 4 x 4 block. */
    private static float dot(int k, MemorySegment a, long aAt, MemorySegment b, long bAt) {
        FloatVector acc = FloatVector.zero(SPECIES);
        int whole = k / LANES * LANES;
        for (int p = 0; p < whole; p += LANES) {
            acc = FloatVector.fromMemorySegment(SPECIES, a, (aAt + p) * Float.BYTES, ORDER)
                    .fma(FloatVector.fromMemorySegment(SPECIES, b, (bAt + p) * Float.BYTES, ORDER), acc);
        }
        // the lanes in a fixed order (see FloatLanes); a step not below LANES is left out
        if (FloatLanes.LANES > 8) { acc = acc.add(acc.rearrange(FloatLanes.PAIR_8)); }
        if (FloatLanes.LANES > 4) { acc = acc.add(acc.rearrange(FloatLanes.PAIR_4)); }
        if (FloatLanes.LANES > 2) { acc = acc.add(acc.rearrange(FloatLanes.PAIR_2)); }
        acc = acc.add(acc.rearrange(FloatLanes.PAIR_1));
        return acc.lane(0) + tail(k, a, aAt, b, bAt);
    }
}
