package dev.panamax.kernels.gemm;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.parallel.WorkerPool;

/**
 * Strided-batched SGEMM: {@code C_i = alpha op(A_i) op(B_i) + beta C_i} for {@code i < batch}, where
 * operand {@code i} starts {@code i * stride} elements after the first (attention heads, groups of a
 * grouped convolution). Many small products are spread over the worker pool whole; a batch too
 * small to fill the pool lets each product parallelise itself instead.
 */
public final class SgemmBatched {

    private SgemmBatched() {
    }

    /** The offset of operand {@code index}, refused when it lies beyond any segment. */
    private static long operand(String name, long offset, long index, long stride) {
        try {
            return Math.addExact(offset, Math.multiplyExact(index, stride));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(name + ": operand " + index + " at offset " + offset + " + " + index + " x "
                    + stride + " lies beyond any segment");
        }
    }

    /** Same arguments as {@link Sgemm#sgemm}, plus the element stride between consecutive operands. */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             MemorySegment a, long aOff, long lda, long strideA,
                             MemorySegment b, long bOff, long ldb, long strideB,
                             float beta, MemorySegment c, long cOff, long ldc, long strideC, int batch) {
        Checks.nonNegative("batch", batch);
        Checks.nonNegative("strideA", strideA);
        Checks.nonNegative("strideB", strideB);
        Checks.nonNegative("strideC", strideC);
        Checks.notNull("A", a);
        Checks.notNull("B", b);
        Checks.notNull("C", c);
        if (batch == 0 || m == 0 || n == 0) {
            // nothing to write; a billion empty products would still be a billion calls (found by fuzzing)
            return;
        }
        // the first and the last operand bound all others
        Sgemm.check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        long last = batch - 1L;
        Sgemm.check(transA, transB, m, n, k, a, operand("A", aOff, last, strideA), lda, b, operand("B", bOff, last, strideB),
                ldb, c, operand("C", cOff, last, strideC), ldc);
        // A and B may repeat (stride 0 broadcasts one operand), but every C is written: they must not overlap
        if (batch > 1 && m > 0 && n > 0 && strideC < (m - 1L) * ldc + n) {
            throw new IllegalArgumentException("strideC must be >= (M - 1) ldc + N = " + ((m - 1L) * ldc + n)
                    + " so that the " + batch + " C matrices do not overlap, got " + strideC);
        }
        int threads = WorkerPool.threads();
        if (batch < threads || (long) m * n * k * batch < Sgemm.PARALLEL_THRESHOLD || !WorkerPool.shareable(a, b, c)) {
            for (int i = 0; i < batch; i++) {
                Sgemm.sgemm(transA, transB, m, n, k, alpha, a, aOff + i * strideA, lda, b, bOff + i * strideB, ldb,
                        beta, c, cOff + i * strideC, ldc);
            }
            return;
        }
        Products job = PRODUCTS.claim();
        job.product(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        job.batch = batch;
        job.strideA = strideA;
        job.strideB = strideB;
        job.strideC = strideC;
        WorkerPool.run(threads, job);
    }

    private static final WorkerPool.PerThread<Products> PRODUCTS = new WorkerPool.PerThread<>(Products::new);

    /** A parallel call's arguments (see {@link WorkerPool.Job}): block {@code index} takes a contiguous share of the products. */
    private static final class Products extends GemmJob {
        int batch;
        long strideA;
        long strideB;
        long strideC;

        @Override
        public void run(int index, int count) {
            int from = (int) ((long) batch * index / count);
            int to = (int) ((long) batch * (index + 1) / count);
            for (int i = from; i < to; i++) {
                Sgemm.serial(transA, transB, m, n, k, alpha, a, aOff + i * strideA, lda, b, bOff + i * strideB, ldb,
                        beta, c, cOff + i * strideC, ldc);
            }
        }
    }
}
