package dev.panamax.kernels.gemm;

import java.lang.foreign.MemorySegment;

import dev.panamax.bindings.openblas.Cblas;
import dev.panamax.kernels.backend.Backend;

/**
 * SGEMM through the CBLAS library ({@code cblas_sgemm}, row-major), with the same arguments and
 * the same checks as {@link Sgemm#sgemm}: every size, leading dimension and extent is validated
 * in Java before the downcall, so a wrong {@code lda} is an {@link IllegalArgumentException}
 * here, not a crashed JVM inside the library.
 */
public final class BlasSgemm {

    private BlasSgemm() {
    }

    /** {@code C = alpha op(A) op(B) + beta C} in the CBLAS library; arguments as {@link Sgemm#sgemm}. */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             MemorySegment a, long aOff, long lda, MemorySegment b, long bOff, long ldb,
                             float beta, MemorySegment c, long cOff, long ldc) {
        Sgemm.check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        Backend.requireBlas();
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0f) {
            // BLAS's rule, kept by the Java kernel too: without a product, C = beta C and NaN in alpha,
            // A or B is not propagated; OpenBLAS computed alpha * 0 here and wrote NaN for a NaN alpha
            Sgemm.scale(m, n, beta, c, cOff, ldc);
            return;
        }
        if (lda > Integer.MAX_VALUE || ldb > Integer.MAX_VALUE || ldc > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("leading dimensions must fit a 32-bit blasint, got lda " + lda
                    + ", ldb " + ldb + ", ldc " + ldc);
        }
        RecentSlices slices = SLICES.get();
        Cblas.cblas_sgemm(Cblas.CblasRowMajor(), transA ? Cblas.CblasTrans() : Cblas.CblasNoTrans(),
                transB ? Cblas.CblasTrans() : Cblas.CblasNoTrans(), m, n, k, alpha,
                at(slices, a, aOff), (int) lda, at(slices, b, bOff), (int) ldb, beta, at(slices, c, cOff), (int) ldc);
    }

    /**
     * Each thread's recent operand slices, searched in order and replaced round-robin. A slice is
     * the only object a BLAS call makes, and a training step hands the same segments at the same
     * offsets to its GEMMs every step (a step arena's recycled memory), so a step's slices are
     * found again: 0 B per call in steady state. 32 entries hold the operands of a LeNet step's
     * GEMMs with room to spare; a linear search of them costs nanoseconds beside the call.
     */
    private static final ThreadLocal<RecentSlices> SLICES = ThreadLocal.withInitial(RecentSlices::new);

    /** The operand from its offset, as a segment the downcall takes (K = 0 never reaches here). */
    private static MemorySegment at(RecentSlices recent, MemorySegment s, long offset) {
        return recent.slice(s, offset * Float.BYTES);
    }

    private static final class RecentSlices {
        private static final int SIZE = 32;
        private final MemorySegment[] bases = new MemorySegment[SIZE];
        private final MemorySegment[] slices = new MemorySegment[SIZE];
        private int next;

        MemorySegment slice(MemorySegment s, long bytes) {
            long address = s.address() + bytes;
            for (int i = 0; i < SIZE; i++) {
                if (bases[i] == s && slices[i].address() == address) {
                    return slices[i];
                }
            }
            MemorySegment slice = s.asSlice(bytes);
            bases[next] = s;
            slices[next] = slice;
            next = (next + 1) % SIZE;
            return slice;
        }
    }
}
