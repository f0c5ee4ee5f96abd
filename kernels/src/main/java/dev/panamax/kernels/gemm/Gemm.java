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
     * GFLOP/s Java / OpenBLAS, after the in-place A path): only small products, where its
     * unpacked small-matrix kernels win and ours pay for packing B and for short loops.
     * <pre>
     *   16^3  21 / 69     32^3  82 / 103    64^3  93 / 114    128^3  98 / 93    256^3  104 / 100
     *   512^3  105 / 103    (3136,64,576)  99 / 97    (32,1024,512)  81 / 70    (1,1024,512)  28 / 27
     * </pre>
     * With two threads Java measured 1.0-1.4x OpenBLAS from 256^3 up. Large products also stay
     * in Java because convolutions call the GEMM from inside their own per-image threads, where
     * OpenBLAS would start threads of its own on cores already busy.
     */
    static boolean preferBlas(int m, int n, int k) {
        return m > 1 && (long) m * n * k <= SMALL_PRODUCT;
    }

    /**
     * The largest product (multiply-adds) sent to BLAS, about 101^3: between 64^3, where it wins,
     * and 128^3, where Java does. LeNet's (64,84,120), 645K, measured 112 / 75 GFLOP/s
     * (BLAS / Java) and its (64,120,400), 3.1M, 83 / 82.
     */
    static final long SMALL_PRODUCT = 1L << 20;
}
