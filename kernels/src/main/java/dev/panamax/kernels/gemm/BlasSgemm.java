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
        MemorySegment[] slices = SLICES.get();
        Cblas.cblas_sgemm(Cblas.CblasRowMajor(), transA ? Cblas.CblasTrans() : Cblas.CblasNoTrans(),
                transB ? Cblas.CblasTrans() : Cblas.CblasNoTrans(), m, n, k, alpha,
                at(slices, a, aOff), (int) lda, at(slices, b, bOff), (int) ldb, beta, at(slices, c, cOff), (int) ldc);
    }

    /**
     * Each thread's recent operand slices, direct-mapped by segment and offset ({@code [2i]} the
     * segment, {@code [2i + 1]} the slice cut from it). A slice is the only object a BLAS call
     * makes, and a training step hands the same segments at the same offsets to its GEMMs every
     * step (a step arena's recycled memory), so a step's slices are found again: 0 B per call in
     * steady state. 64 slots hold the dozen operands of a LeNet step's GEMMs with room to spare.
     */
    private static final ThreadLocal<MemorySegment[]> SLICES = ThreadLocal.withInitial(() -> new MemorySegment[2 * 64]);

    /** The operand from its offset, as a segment the downcall takes (K = 0 never reaches here). */
    private static MemorySegment at(MemorySegment[] slices, MemorySegment s, long offset) {
        long bytes = offset * Float.BYTES;
        int slot = 2 * (int) ((System.identityHashCode(s) * 31L + offset) & 63);
        MemorySegment slice = slices[slot + 1];
        if (slices[slot] == s && slice.address() == s.address() + bytes) {
            return slice;
        }
        slice = s.asSlice(bytes);
        slices[slot] = s;
        slices[slot + 1] = slice;
        return slice;
    }
}
