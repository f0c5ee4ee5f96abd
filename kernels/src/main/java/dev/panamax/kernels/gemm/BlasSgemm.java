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
        Cblas.cblas_sgemm(Cblas.CblasRowMajor(), transA ? Cblas.CblasTrans() : Cblas.CblasNoTrans(),
                transB ? Cblas.CblasTrans() : Cblas.CblasNoTrans(), m, n, k, alpha,
                at(a, aOff, k), (int) lda, at(b, bOff, k), (int) ldb, beta, at(c, cOff, 1), (int) ldc);
    }

    /** The operand from its offset; with K = 0 an empty A or B is not read and may have any offset. */
    private static MemorySegment at(MemorySegment s, long offset, int extent) {
        return extent == 0 ? s : s.asSlice(offset * Float.BYTES);
    }
}
