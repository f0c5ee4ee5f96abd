package dev.panamax.properties;

import static dev.panamax.properties.FuzzArgs.at;
import static dev.panamax.properties.FuzzArgs.footprint;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.panamax.kernels.backend.Backend;
import dev.panamax.kernels.gemm.BlasSgemm;
import dev.panamax.kernels.gemm.Sgemm;
import dev.panamax.kernels.gemm.SgemmBatched;

/**
 * SGEMM under fuzzed shapes, transposes, leading dimensions, offsets and segment sizes, through
 * the Java kernel, the batched kernel and the CBLAS route (where a library is found: there a
 * wrong argument would crash the JVM, not throw). A call either refuses with an
 * {@link IllegalArgumentException} before writing, or computes {@code C = alpha op(A) op(B) + beta C}
 * exactly as a double reference does, touching nothing of C outside the matrix; with
 * {@code beta = 0}, C is not read (a NaN there does not propagate), as BLAS defines.
 */
class GemmFuzzTest {

    @FuzzTest
    void sgemm(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            FuzzArgs f = new FuzzArgs(data, arena);
            int route = f.pick(0, 1, 2);
            boolean ta = f.bool();
            boolean tb = f.bool();
            int m = f.dim(130);              // many six- or twelve-row panels in one block
            int n = f.dim(70);
            int k = f.dim(70);
            int batch = route == 2 ? f.dim(3) : 1;
            long lda = f.stride(Math.max(1, ta ? m : k));
            long ldb = f.stride(Math.max(1, tb ? k : n));
            long ldc = f.stride(Math.max(1, n));
            long aOff = f.offset();
            long bOff = f.offset();
            long cOff = f.offset();
            long strideA = route == 2 ? f.stride(footprint(0, ta ? k : m, lda, ta ? m : k, 1)) : 0;
            long strideB = route == 2 ? f.stride(footprint(0, tb ? n : k, ldb, tb ? k : n, 1)) : 0;
            long strideC = route == 2 ? f.stride(footprint(0, m, ldc, n, 1)) : 0;
            MemorySegment a = f.floats(footprint(aOff, batch, strideA, ta ? k : m, lda, ta ? m : k, 1));
            MemorySegment b = f.floats(footprint(bOff, batch, strideB, tb ? n : k, ldb, tb ? k : n, 1));
            MemorySegment c = f.floats(footprint(cOff, batch, strideC, m, ldc, n, 1));
            float alpha = f.scalar();
            float beta = f.scalar();
            if (c != null && beta == 0 && f.bool()) {
                c.fill((byte) 0xff);            // NaN everywhere: beta = 0 must not read it
            }
            MemorySegment before = c == null ? null : arena.allocate(c.byteSize()).copyFrom(c);
            boolean done = FuzzArgs.accepted(() -> {
                switch (route) {
                    case 0 -> Sgemm.sgemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
                    case 1 -> {
                        if (Backend.blasAvailable()) {
                            BlasSgemm.sgemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
                        } else {
                            Sgemm.sgemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
                        }
                    }
                    default -> SgemmBatched.sgemm(ta, tb, m, n, k, alpha, a, aOff, lda, strideA, b, bOff, ldb, strideB,
                            beta, c, cOff, ldc, strideC, batch);
                }
            }, c);
            if (done) {
                String call = "route " + route + " ta " + ta + " tb " + tb + " m " + m + " n " + n + " k " + k + " batch " + batch
                        + " ld " + lda + "," + ldb + "," + ldc + " off " + aOff + "," + bOff + "," + cOff + " strides " + strideA
                        + "," + strideB + "," + strideC + " alpha " + alpha + " beta " + beta + ": ";
                check(call, ta, tb, m, n, k, batch, alpha, a, aOff, lda, strideA, b, bOff, ldb, strideB, beta, before, c, cOff,
                        ldc, strideC);
            }
        }
    }

    private static void check(String call, boolean ta, boolean tb, int m, int n, int k, int batch, float alpha,
                              MemorySegment a, long aOff, long lda, long strideA, MemorySegment b, long bOff, long ldb,
                              long strideB, float beta, MemorySegment before, MemorySegment c, long cOff, long ldc,
                              long strideC) {
        boolean[] inside = new boolean[(int) (c.byteSize() / Float.BYTES)];
        boolean any = m > 0 && n > 0 && batch > 0;         // then A and B hold m k and k n elements: small
        double[] x = new double[any ? m * k : 0];
        double[] y = new double[any ? k * n : 0];
        for (int p = 0; p < (any ? batch : 0); p++) {
            // op(A) and op(B) of this batch entry gathered once (every read bounds-checked), then the products
            for (int i = 0; i < m; i++) {
                for (int q = 0; q < k; q++) {
                    x[i * k + q] = at(a, aOff + p * strideA + (ta ? q * lda + i : i * lda + q));
                }
            }
            for (int q = 0; q < k; q++) {
                for (int j = 0; j < n; j++) {
                    y[q * n + j] = at(b, bOff + p * strideB + (tb ? j * ldb + q : q * ldb + j));
                }
            }
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0;
                    double scale = 0;
                    for (int q = 0; q < k; q++) {
                        double t = x[i * k + q] * y[q * n + j];
                        sum += t;
                        scale += Math.abs(t);
                    }
                    long at = cOff + p * strideC + i * ldc + j;
                    double old = beta == 0 ? 0 : beta * (double) at(before, at);
                    double want = (k == 0 || alpha == 0 ? 0 : alpha * sum) + old;
                    FuzzArgs.close(call + "C[" + p + "][" + i + "][" + j + "]", at(c, at), want,
                            (k == 0 ? 0 : Math.abs(alpha) * scale) + Math.abs(old));
                    inside[(int) at] = true;
                }
            }
        }
        for (int e = 0; e < inside.length; e++) {
            if (!inside[e] && Float.floatToRawIntBits(at(c, e)) != Float.floatToRawIntBits(at(before, e))) {
                throw new AssertionError(call + "C[" + e + "] lies outside the matrices and was written");
            }
        }
    }
}
