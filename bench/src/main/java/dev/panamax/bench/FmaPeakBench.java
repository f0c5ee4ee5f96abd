package dev.panamax.bench;

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
import org.openjdk.jmh.annotations.Warmup;

import dev.panamax.kernels.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The FMA peak of this machine as the JVM reaches it: each of {@code threads} workers of the
 * kernels' pool runs twelve independent chains of vector multiply-adds on registers, in the
 * Vector API's preferred species (the one the kernels use), with no loads or stores. The
 * {@code flops} row is FLOP/s; the benchmark report takes the fastest iteration as the peak at
 * each thread count and divides GemmBench's FLOP/s by it.
 *
 * <p>Why twelve chains, two rounds per turn of the loop: a chain issues its next multiply-add
 * only when the last one is done, so the pipes stay full with latency x pipes chains in flight,
 * 8 where two pipes take 4 cycles (Zen 3 to Zen 5, Intel's cores since Skylake); and with one
 * round per turn the loop's own counter, branch and safepoint poll kept the pipes from their
 * peak. On a Zen 3 (AVX2, best of six 1-s runs, GFLOP/s) 8 / 10 / 12 chains ran at 70-72 / 78-84
 * / 76-81 with one round per turn, below the 91 of its SGEMM, and at 76-79 / 85-87 / 95-96 with
 * two (two threads: 130-134 / 147-151 / 146-150 and 139-145 / 147-164 / 172-178). Twelve chains
 * and the two constant operands fit AVX2's 16 vector registers.
 *
 * <pre>bin/panamax bench FmaPeakBench</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class FmaPeakBench {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int CHAINS = 12;
    /** Steps per worker and call: about half a millisecond, so that the pool's hand-off (microseconds) stays under 1 %. */
    private static final int STEPS = 1 << 18;

    @Param({"1", "2"})
    public int threads;

    /** One slot per worker, a cache line apart, where each leaves its chains' sum (the JIT may drop no step). */
    private float[] sums;
    private WorkerPool.Block block;

    @Setup(Level.Trial)
    public void setUp() {
        if (threads > Runtime.getRuntime().availableProcessors()) {
            throw new IllegalStateException("not enough cores for " + threads + " threads");
        }
        WorkerPool.setThreads(threads);
        sums = new float[16 * threads];
        block = (index, count) -> sums[16 * index] += chains(STEPS, 1f + index);
    }

    @Benchmark
    public float fma(Flops flops) {
        WorkerPool.run(threads, block);
        flops.flops += 2L * threads * STEPS * CHAINS * SPECIES.length();
        return sums[0];
    }

    /**
     * {@code steps} (even) rounds of {@code a = a * 0.5 + 1} on twelve vectors, two rounds per
     * turn of the loop: each tends to 2, so no value overflows or turns subnormal (which slows
     * some cores down).
     */
    static float chains(int steps, float seed) {
        FloatVector half = FloatVector.broadcast(SPECIES, 0.5f);
        FloatVector one = FloatVector.broadcast(SPECIES, 1f);
        FloatVector a0 = FloatVector.broadcast(SPECIES, seed);
        FloatVector a1 = a0.add(one);
        FloatVector a2 = a1.add(one);
        FloatVector a3 = a2.add(one);
        FloatVector a4 = a3.add(one);
        FloatVector a5 = a4.add(one);
        FloatVector a6 = a5.add(one);
        FloatVector a7 = a6.add(one);
        FloatVector a8 = a7.add(one);
        FloatVector a9 = a8.add(one);
        FloatVector a10 = a9.add(one);
        FloatVector a11 = a10.add(one);
        for (int i = 0; i < steps; i += 2) {
            a0 = a0.fma(half, one);
            a1 = a1.fma(half, one);
            a2 = a2.fma(half, one);
            a3 = a3.fma(half, one);
            a4 = a4.fma(half, one);
            a5 = a5.fma(half, one);
            a6 = a6.fma(half, one);
            a7 = a7.fma(half, one);
            a8 = a8.fma(half, one);
            a9 = a9.fma(half, one);
            a10 = a10.fma(half, one);
            a11 = a11.fma(half, one);
            a0 = a0.fma(half, one);
            a1 = a1.fma(half, one);
            a2 = a2.fma(half, one);
            a3 = a3.fma(half, one);
            a4 = a4.fma(half, one);
            a5 = a5.fma(half, one);
            a6 = a6.fma(half, one);
            a7 = a7.fma(half, one);
            a8 = a8.fma(half, one);
            a9 = a9.fma(half, one);
            a10 = a10.fma(half, one);
            a11 = a11.fma(half, one);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }
}
