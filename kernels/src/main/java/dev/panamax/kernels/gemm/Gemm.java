package dev.panamax.kernels.gemm;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.backend.Backend;

/**
 * The one SGEMM entry point: {@code C = alpha op(A) op(B) + beta C}, row-major, run by the Java
 * kernel ({@link Sgemm}) or the CBLAS library ({@link BlasSgemm}).
 *
 * <p>Default policy ({@link Backend#AUTO}): OpenBLAS for small products where it has kernels of its
 * own for them ({@link Backend#blasHasSmallKernels}) and they measured faster (see
 * {@link #preferBlas}), else Java; {@code -Dpanamax.backend} or the per-call argument overrides it.
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
            case AUTO -> Backend.blasHasSmallKernels() && preferBlas(m, n, k);
        };
        if (blas) {
            BlasSgemm.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        } else {
            Sgemm.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /**
     * Where OpenBLAS measured faster than the Java kernel on this machine (Zen 4, one thread,
     * GFLOP/s Java / OpenBLAS, JMH GemmBench): small products, where its unpacked small-matrix
     * kernels win and ours pay for packing B and for short loops.
     * <pre>
     *   16^3  25 / 66     32^3  79 / 102    64^3  92 / 114    128^3  101 / 93    256^3  103 / 100
     *   512^3  104 / 100    1024^3  95 / 100    2048^3  93 / 105    (3136,64,576)  102 / 97
     *   (32,1024,512)  87 / 70    (1,1024,512)  29 / 27    (512,3072,768)  99 / 102
     * </pre>
     * With two threads Java measured 0.9-1.5x OpenBLAS from 256^3 up. The largest products stay in
     * Java although OpenBLAS is up to 11 % faster at 2048^3: convolutions call the GEMM from
     * inside their own per-image threads, where OpenBLAS would start threads of its own on cores
     * already busy.
     */
    static boolean preferBlas(int m, int n, int k) {
        return m > 1 && (long) m * n * k <= SMALL_PRODUCT;
    }

    /**
     * The largest product (multiply-adds) sent to BLAS: 64^3, the size below which OpenBLAS runs
     * a GEMM on the calling thread (its {@code GEMM_MULTITHREAD_THRESHOLD} times 65536). Above
     * it OpenBLAS wakes threads of its own, which then compete with ours: a LeNet training step
     * on two threads took 5.9 ms with (64,84,120) sent to OpenBLAS and 3.2 ms in Java only,
     * although OpenBLAS alone runs that product at 112 GFLOP/s against Java's 75.
     */
    static final long SMALL_PRODUCT = 1L << 18;
}
