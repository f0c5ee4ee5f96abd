package dev.panamax.properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.backend.Backend;
import dev.panamax.kernels.gemm.BlasSgemm;
import dev.panamax.kernels.gemm.Gemm;
import dev.panamax.kernels.gemm.Sgemm;

/**
 * The CBLAS route: its arguments are rejected in Java exactly as the Java kernel's are (before
 * the library could crash the JVM), and, where a library is found, it agrees with the Java kernel.
 */
class BlasGemmTest {

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    @Test
    void badArgumentsNeverReachTheLibrary() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(4 * 16);
            assertThatThrownBy(() -> BlasSgemm.sgemm(false, false, 2, 2, 3, 1f, s, 0, 2, s, 0, 2, 0f, s, 0, 2))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lda must be >= max(1, K) = 3, got 2");
            assertThatThrownBy(() -> BlasSgemm.sgemm(false, true, 4, 4, 4, 1f, s, 0, 4, s, 0, 4, 0f, s, 1, 4))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("C needs elements up to index 16");
            assertThatThrownBy(() -> Gemm.sgemm(Backend.BLAS, false, false, 2, 2, 2, 1f, s, 0, 2, s, 0, 2, 0f, s, 0, 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ldc must be >= max(1, N) = 2, got 1");
        }
    }

    @Test
    void blasAgreesWithTheJavaKernel() {
        assumeTrue(Backend.blasAvailable(), "no CBLAS library on this machine");
        SplittableRandom r = new SplittableRandom(9);
        int[][] shapes = {{1, 1, 1}, {7, 33, 5}, {64, 64, 64}, {1, 300, 200}, {130, 70, 257}};
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                int m = s[0], n = s[1], k = s[2];
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment a = random(arena, r, (long) m * k);
                    MemorySegment b = random(arena, r, (long) k * n);
                    MemorySegment c1 = random(arena, r, (long) m * n);
                    MemorySegment c2 = arena.allocate(c1.byteSize()).copyFrom(c1);
                    int lda = ta ? m : k, ldb = tb ? k : n;
                    Sgemm.sgemm(ta, tb, m, n, k, 0.7f, a, 0, lda, b, 0, ldb, 0.5f, c1, 0, n);
                    BlasSgemm.sgemm(ta, tb, m, n, k, 0.7f, a, 0, lda, b, 0, ldb, 0.5f, c2, 0, n);
                    float[] x = c1.toArray(F);
                    float[] y = c2.toArray(F);
                    for (int i = 0; i < x.length; i++) {
                        assertThat(y[i]).as("C[%d] of %dx%dx%d t=%d", i, m, n, k, t)
                                .isCloseTo(x[i], org.assertj.core.data.Offset.offset(1e-4f * (1 + Math.abs(x[i])) * (float) Math.sqrt(k)));
                    }
                }
            }
        }
    }

    /**
     * The route keeps recent operand slices per thread (a step's GEMMs reuse them): operands at
     * other offsets of the same segments, and the same offsets again, must still be the right ones.
     */
    @Test
    void operandsAtManyOffsetsOfOneSegmentStayApart() {
        assumeTrue(Backend.blasAvailable(), "no CBLAS library on this machine");
        SplittableRandom r = new SplittableRandom(11);
        int m = 5, n = 6, k = 7;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = random(arena, r, 200L * m * k);
            MemorySegment b = random(arena, r, 200L * k * n);
            MemorySegment c1 = arena.allocate(200L * m * n * 4);
            MemorySegment c2 = arena.allocate(200L * m * n * 4);
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < 200; i++) {
                    long at = (i * 37L) % 200;
                    Sgemm.sgemm(false, false, m, n, k, 1f, a, at * m * k, k, b, at * k * n, n, 0f, c1, at * m * n, n);
                    BlasSgemm.sgemm(false, false, m, n, k, 1f, a, at * m * k, k, b, at * k * n, n, 0f, c2, at * m * n, n);
                }
                float[] x = c1.toArray(F);
                float[] y = c2.toArray(F);
                for (int i = 0; i < x.length; i++) {
                    assertThat(y[i]).as("C[%d], round %d", i, round).isCloseTo(x[i], org.assertj.core.data.Offset.offset(1e-4f));
                }
            }
        }
    }

    private static MemorySegment random(Arena arena, SplittableRandom r, long n) {
        MemorySegment s = arena.allocate(Math.max(1, n) * 4);
        for (long i = 0; i < n; i++) {
            s.setAtIndex(F, i, (float) (r.nextDouble() * 2 - 1));
        }
        return s;
    }
}
