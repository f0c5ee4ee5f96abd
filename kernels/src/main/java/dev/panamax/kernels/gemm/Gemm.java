package dev.panamax.kernels.gemm;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.backend.Backend;

/**
 * The one SGEMM entry point: {@code C = alpha op(A) op(B) + beta C}, row-major, run by the Java
 * kernel ({@link Sgemm}) or the CBLAS library ({@link BlasSgemm}).
 *
 * <p>Default policy ({@link Backend#AUTO}): the CBLAS library when one is loaded and it measured
 * faster for such a product here (see {@link #preferBlas}), else Java; {@code -Dpanamax.backend}
 * or the per-call argument overrides it.
 */
public final class Gemm {

    private Gemm() {
    }

    /** SGEMM with the configured backend. Arguments as {@link Sgemm#sgemm}. */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             MemorySegment a, long aOff, long lda, MemorySegment b, long bOff, long ldb,
                             float beta, MemorySegment c, long cOff, long ldc) {
        sgemm(Backend.configured(), transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** SGEMM on the given backend ({@link Backend#AUTO}: the measured policy). */
    public static void sgemm(Backend backend, boolean transA, boolean transB, int m, int n, int k, float alpha,
                             MemorySegment a, long aOff, long lda, MemorySegment b, long bOff, long ldb,
                             float beta, MemorySegment c, long cOff, long ldc) {
        boolean blas = switch (backend) {
            case JAVA -> false;
            case BLAS -> true;
            case AUTO -> Backend.blasAvailable() && preferBlas(m, n, k);
        };
        if (blas) {
            BlasSgemm.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        } else {
            Sgemm.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /**
     * Where OpenBLAS measured faster than the Java kernel on this machine (Zen 4, one thread,
     * GemmBench, GFLOP/s Java / OpenBLAS): everywhere except few-row, wide products.
     * <pre>
     *   16^3  13.5 / 66.6     64^3   63.2 / 113.1    256^3  96.9 / 100.2    1024^3 95.2 / 101.0
     *   (32,1024,512)  79.1 / 69.7    (1,1024,512)  28.1 / 27.1    (3136,64,576)  72.1 / 96.4
     * </pre>
     * So rows of at most 32 against at least 512 columns stay in Java; everything else goes to BLAS.
     */
    static boolean preferBlas(int m, int n, int k) {
        return !(m <= 32 && n >= 512);
    }
}
