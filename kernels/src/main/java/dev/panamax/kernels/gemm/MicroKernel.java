package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.SPECIES;
import static dev.panamax.kernels.gemm.BlockSizes.MR;
import static dev.panamax.kernels.gemm.BlockSizes.NR;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The 6 x 32 register-blocked micro-kernel: {@code C[6 x 32] = alpha * Ap * Bp + beta * C} over
 * one packed micro-panel of A ({@code [kc][6]}) and one of B ({@code [kc][32]}).
 *
 * <p>It is one method with every accumulator a local and no call but the Vector API's:
 * a helper that C2 declines to inline would box the twelve accumulators on every step
 * (measured 8x slower). Edge tiles use the same kernel: the packed panels are zero-padded, and
 * only the store is masked (columns) or skipped (rows).
 */
final class MicroKernel {

    private MicroKernel() {
    }

    /**
     * @param rows valid rows of the tile (1..6); the others are computed on zero padding and dropped
     * @param cols valid columns of the tile (1..32)
     * @param beta 0 means C is not read (so NaN in C does not leak through)
     */
    static void run(int kc, float[] ap, int apOff, float[] bp, int bpOff,
                    MemorySegment c, long cOff, long ldc, int rows, int cols, float alpha, float beta) {
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
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
        }
        if (cols == NR) {
            store(c, cOff, c00, c01, alpha, beta);
            if (rows > 1) {
                store(c, cOff + ldc, c10, c11, alpha, beta);
            }
            if (rows > 2) {
                store(c, cOff + 2 * ldc, c20, c21, alpha, beta);
            }
            if (rows > 3) {
                store(c, cOff + 3 * ldc, c30, c31, alpha, beta);
            }
            if (rows > 4) {
                store(c, cOff + 4 * ldc, c40, c41, alpha, beta);
            }
            if (rows > 5) {
                store(c, cOff + 5 * ldc, c50, c51, alpha, beta);
            }
        } else {
            VectorMask<Float> m0 = FloatLanes.firstLanes(Math.min(LANES, cols));
            VectorMask<Float> m1 = FloatLanes.firstLanes(Math.max(0, cols - LANES));
            storeMasked(c, cOff, c00, c01, alpha, beta, m0, m1);
            if (rows > 1) {
                storeMasked(c, cOff + ldc, c10, c11, alpha, beta, m0, m1);
            }
            if (rows > 2) {
                storeMasked(c, cOff + 2 * ldc, c20, c21, alpha, beta, m0, m1);
            }
            if (rows > 3) {
                storeMasked(c, cOff + 3 * ldc, c30, c31, alpha, beta, m0, m1);
            }
            if (rows > 4) {
                storeMasked(c, cOff + 4 * ldc, c40, c41, alpha, beta, m0, m1);
            }
            if (rows > 5) {
                storeMasked(c, cOff + 5 * ldc, c50, c51, alpha, beta, m0, m1);
            }
        }
    }

    // The stores run once per tile, after the k loop: small enough for C2 to inline, and a
    // missed inline here costs a box per tile, not per step.

    private static void store(MemorySegment c, long at, FloatVector v0, FloatVector v1, float alpha, float beta) {
        FloatVector r0 = v0.mul(alpha);
        FloatVector r1 = v1.mul(alpha);
        if (beta != 0f) {
            r0 = FloatLanes.load(c, at).mul(beta).add(r0);
            r1 = FloatLanes.load(c, at + LANES).mul(beta).add(r1);
        }
        FloatLanes.store(r0, c, at);
        FloatLanes.store(r1, c, at + LANES);
    }

    private static void storeMasked(MemorySegment c, long at, FloatVector v0, FloatVector v1, float alpha, float beta,
                                    VectorMask<Float> m0, VectorMask<Float> m1) {
        FloatVector r0 = v0.mul(alpha);
        FloatVector r1 = v1.mul(alpha);
        if (beta != 0f) {
            r0 = FloatLanes.load(c, at, m0).mul(beta).add(r0);
            r1 = FloatLanes.load(c, at + LANES, m1).mul(beta).add(r1);
        }
        FloatLanes.store(r0, c, at, m0);
        FloatLanes.store(r1, c, at + LANES, m1);
    }
}
