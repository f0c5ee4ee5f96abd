package dev.panamax.kernels.gemm;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.parallel.WorkerPool;

/**
 * A parallel SGEMM call's arguments as fields of a reusable job (see {@link WorkerPool.Job}):
 * {@code C = alpha op(A) op(B) + beta C}, as {@link Sgemm#sgemm} takes them. Each kind of split
 * adds what it divides.
 */
abstract class GemmJob extends WorkerPool.Job {

    boolean transA;
    boolean transB;
    int m;
    int n;
    int k;
    float alpha;
    MemorySegment a;
    long aOff;
    long lda;
    MemorySegment b;
    long bOff;
    long ldb;
    float beta;
    MemorySegment c;
    long cOff;
    long ldc;

    final void product(boolean transA, boolean transB, int m, int n, int k, float alpha, MemorySegment a, long aOff, long lda,
                       MemorySegment b, long bOff, long ldb, float beta, MemorySegment c, long cOff, long ldc) {
        this.transA = transA;
        this.transB = transB;
        this.m = m;
        this.n = n;
        this.k = k;
        this.alpha = alpha;
        this.a = a;
        this.aOff = aOff;
        this.lda = lda;
        this.b = b;
        this.bOff = bOff;
        this.ldb = ldb;
        this.beta = beta;
        this.c = c;
        this.cOff = cOff;
        this.ldc = ldc;
    }

    @Override
    protected void clear() {
        a = b = c = null;
    }
}
