package dev.panamax.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import dev.panamax.kernels.backend.Backend;
import dev.panamax.kernels.gemm.BlasSgemm;
import dev.panamax.kernels.gemm.Gemm;
import dev.panamax.kernels.gemm.Sgemm;
import dev.panamax.kernels.parallel.WorkerPool;

/**
 * SGEMM {@code C = A B} (row-major, no transposes) at the shapes: the Java kernel, OpenBLAS
 * through the FFM bindings, the dispatching entry point ({@code gemm}: whichever the policy
 * picks), and the naive triple loop (small sizes only: it runs at well under 1 GFLOP/s), with 1
 * and 2 threads. The {@code flops} row is FLOP/s.
 *
 * <pre>bin/panamax bench GemmBench -p shape=512x512x512 -p threads=1</pre>
 *
 * <p>The 8-lane path (AVX2's 16 registers, 4- and 6-row tiles) on an AVX-512 machine, against OpenBLAS
 * held to its AVX2 kernels in the same run:
 * <pre>OPENBLAS_CORETYPE=Haswell bin/panamax bench GemmBench -p impl=java,blas -jvmArgsAppend -XX:UseAVX=2</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class GemmBench {

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    /** MxNxK. */
    @Param({"16x16x16", "32x32x32", "64x64x64", "128x128x128", "256x256x256", "512x512x512", "1024x1024x1024",
        "2048x2048x2048", "32x1024x512", "1x1024x512", "2048x1024x256", "512x768x768", "512x3072x768", "3136x64x576"})
    public String shape;

    @Param({"java", "blas", "gemm", "naive"})
    public String impl;

    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private MemorySegment a;
    private MemorySegment b;
    private MemorySegment c;
    private int m;
    private int n;
    private int k;

    @Setup(Level.Trial)
    public void setUp() {
        String[] s = shape.split("x");
        m = Integer.parseInt(s[0]);
        n = Integer.parseInt(s[1]);
        k = Integer.parseInt(s[2]);
        if (impl.equals("naive") && (long) m * n * k > 256L * 256 * 256) {
            throw new IllegalStateException("the naive loop is only measured up to 256^3");   // JMH skips this point
        }
        if (threads > WorkerPool.threads() && threads > Runtime.getRuntime().availableProcessors()) {
            throw new IllegalStateException("not enough cores for " + threads + " threads");
        }
        if (impl.equals("blas") && !Backend.blasAvailable()) {
            throw new IllegalStateException("no CBLAS library found");
        }
        WorkerPool.setThreads(threads);
        Backend.setBlasThreads(threads);
        arena = Arena.ofShared();
        a = MemoryBuffers.random(arena, (long) m * k, 1, -1, 1);
        b = MemoryBuffers.random(arena, (long) k * n, 2, -1, 1);
        c = MemoryBuffers.random(arena, (long) m * n, 3, -1, 1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public void sgemm(Flops flops) {
        if (impl.equals("java")) {
            Sgemm.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
        } else if (impl.equals("blas")) {
            BlasSgemm.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
        } else if (impl.equals("gemm")) {
            Gemm.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
        } else {
            naive(m, n, k, a, b, c);
        }
        flops.flops += 2L * m * n * k;
    }

    /** The textbook loop (i, p, j order, so the inner loop walks rows). */
    static void naive(int m, int n, int k, MemorySegment a, MemorySegment b, MemorySegment c) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                c.setAtIndex(F, (long) i * n + j, 0f);
            }
            for (int p = 0; p < k; p++) {
                float x = a.getAtIndex(F, (long) i * k + p);
                for (int j = 0; j < n; j++) {
                    long at = (long) i * n + j;
                    c.setAtIndex(F, at, c.getAtIndex(F, at) + x * b.getAtIndex(F, (long) p * n + j));
                }
            }
        }
    }
}
