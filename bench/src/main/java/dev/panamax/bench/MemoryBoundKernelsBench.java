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

import dev.panamax.kernels.activation.Activation;
import dev.panamax.kernels.activation.ActivationForward;
import dev.panamax.kernels.activation.Softmax;
import dev.panamax.kernels.norm.LayerNorm;
import dev.panamax.kernels.parallel.WorkerPool;

/**
 * The memory-bound kernels of the foundation (softmax, layer_norm, gelu) beside a plain scalar
 * loop computing the same thing, and a plain copy of the same bytes, which measures what the
 * machine's memory bandwidth allows at each size. Softmax and layer_norm work on rows of
 * {@value #ROW} floats. The {@code bytes} counter gives bytes/s (input read + output written).
 * Large calls split over the worker pool ({@code threads}); the copy is split the same way.
 *
 * <pre>bin/panamax bench MemoryBoundKernels -prof gc</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class MemoryBoundKernelsBench {

    static final int ROW = 1024;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final long[] STRIDES = {ROW, 1, 1};

    @Param({"4096", "262144", "16777216"})
    public int elements;

    @Param({"vector", "scalar"})
    public String impl;

    /** Threads for the vector kernels and the copy (the scalar loop is single-threaded). */
    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private MemorySegment x;
    private MemorySegment y;
    private MemorySegment weight;
    private MemorySegment bias;
    private long rows;

    @Setup(Level.Trial)
    public void setUp() {
        if (threads > Runtime.getRuntime().availableProcessors()) {
            throw new IllegalStateException("not enough cores for " + threads + " threads");
        }
        WorkerPool.setThreads(threads);
        arena = Arena.ofShared();
        x = MemoryBuffers.random(arena, elements, 1, -6, 6);
        y = MemoryBuffers.random(arena, elements, 2, 0, 1);
        weight = MemoryBuffers.random(arena, ROW, 3, 0.5, 1.5);
        bias = MemoryBuffers.random(arena, ROW, 4, -0.5, 0.5);
        rows = elements / ROW;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public void softmax(Bytes bytes) {
        if (impl.equals("vector")) {
            Softmax.forward(false, rows, ROW, 1, x, 0, STRIDES, y, 0, STRIDES);
        } else {
            ScalarReference.softmaxRows(x, y, rows, ROW);
        }
        bytes.bytes += 8L * elements;
    }

    @Benchmark
    public void layerNorm(Bytes bytes) {
        if (impl.equals("vector")) {
            LayerNorm.forward(rows, ROW, x, 0, weight, 0, bias, 0, 1e-5f, y, 0, null, null, 0);
        } else {
            ScalarReference.layerNormRows(x, weight, bias, y, rows, ROW, 1e-5f);
        }
        bytes.bytes += 8L * elements;
    }

    @Benchmark
    public void gelu(Bytes bytes) {
        if (impl.equals("vector")) {
            ActivationForward.apply(Activation.GELU, x, 0, 1, y, 0, 1, elements);
        } else {
            ScalarReference.gelu(x, y, elements);
        }
        bytes.bytes += 8L * elements;
    }

    /**
     * The bandwidth ceiling: read and write the same bytes with nothing computed, split over the
     * same number of threads as the kernels.
     */
    @Benchmark
    public void copy(Bytes bytes) {
        WorkerPool.forRange(elements, 1 << 18, 16,
                (from, to) -> MemorySegment.copy(x, from * Float.BYTES, y, from * Float.BYTES, (to - from) * Float.BYTES), x, y);
        bytes.bytes += 8L * elements;
    }

    /** Plain scalar loops, the way one would write these without the Vector API. */
    static final class ScalarReference {

        private ScalarReference() {
        }

        static void softmaxRows(MemorySegment x, MemorySegment y, long rows, int n) {
            for (long r = 0; r < rows; r++) {
                long base = r * n;
                float max = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) {
                    max = Math.max(max, x.getAtIndex(F, base + i));
                }
                float sum = 0;
                for (int i = 0; i < n; i++) {
                    float e = (float) Math.exp(x.getAtIndex(F, base + i) - max);
                    y.setAtIndex(F, base + i, e);
                    sum += e;
                }
                float inv = 1 / sum;
                for (int i = 0; i < n; i++) {
                    y.setAtIndex(F, base + i, y.getAtIndex(F, base + i) * inv);
                }
            }
        }

        static void layerNormRows(MemorySegment x, MemorySegment w, MemorySegment b, MemorySegment y,
                                  long rows, int n, float eps) {
            for (long r = 0; r < rows; r++) {
                long base = r * n;
                float sum = 0;
                for (int i = 0; i < n; i++) {
                    sum += x.getAtIndex(F, base + i);
                }
                float mean = sum / n;
                float sq = 0;
                for (int i = 0; i < n; i++) {
                    float d = x.getAtIndex(F, base + i) - mean;
                    sq += d * d;
                }
                float rstd = (float) (1 / Math.sqrt(sq / n + eps));
                for (int i = 0; i < n; i++) {
                    float v = (x.getAtIndex(F, base + i) - mean) * rstd;
                    y.setAtIndex(F, base + i, v * w.getAtIndex(F, i) + b.getAtIndex(F, i));
                }
            }
        }

        static void gelu(MemorySegment x, MemorySegment y, long n) {
            for (long i = 0; i < n; i++) {
                float v = x.getAtIndex(F, i);
                y.setAtIndex(F, i, 0.5f * v * (1 + erf(v * 0.70710678f)));
            }
        }

        /** The same rational erf approximation as the vector kernel, one value at a time. */
        private static float erf(float x) {
            float c = Math.max(-4f, Math.min(4f, x));
            float x2 = c * c;
            float p = x2 * -2.72614225801306e-10f + 2.77068142495902e-08f;
            p = p * x2 + -2.10102402082508e-06f;
            p = p * x2 + -5.69250639462346e-05f;
            p = p * x2 + -7.34990630326855e-04f;
            p = p * x2 + -2.95459980854025e-03f;
            p = p * x2 + -1.60960333262415e-02f;
            p *= c;
            float q = x2 * -1.45660718464996e-05f + -2.13374055278905e-04f;
            q = q * x2 + -1.68282697438203e-03f;
            q = q * x2 + -7.37332916720468e-03f;
            q = q * x2 + -1.42647390514189e-02f;
            return p / q;
        }
    }
}
