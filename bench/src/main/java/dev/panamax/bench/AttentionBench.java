package dev.panamax.bench;

import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
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

import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.attention.AttentionMasks;
import dev.panamax.kernels.attention.AttentionShape;
import dev.panamax.kernels.attention.FlashAttentionBackward;
import dev.panamax.kernels.attention.FlashAttentionForward;
import dev.panamax.kernels.attention.HeadLayout;
import dev.panamax.kernels.backend.Backend;
import dev.panamax.kernels.parallel.WorkerPool;
import dev.panamax.nn.layers.Init;
import dev.panamax.nn.layers.TransformerDecoderLayer;
import dev.panamax.nn.layers.TransformerEncoderLayer;
import dev.panamax.nn.layers.TransformerOptions;
import dev.panamax.nn.tensor.StepArena;
import dev.panamax.nn.tensor.Tensor;
import jdk.incubator.vector.FloatVector;

/**
 * Attention and transformer layers, the workloads of {@code ../shared/bench/pytorch/run.sh}
 * (its attention and Transformer rows), so the two tables compare:
 * <ul>
 * <li>{@code att_full}, {@code att_causal}: N=4 H=8 T=512 D=64; {@code causal_T}: N=1 H=8, T = 128
 *     ... 8192 (PyTorch's unfused path needs 2 GB of scores at 8192; here O(T) memory);</li>
 * <li>{@code encoder}: TransformerEncoderLayer d=256, 4 heads, ff=1024, N=16 T=128 (dropout 0.1
 *     in training, as PyTorch's default); {@code decoder}: TransformerDecoderLayer, the same with
 *     memory S=128 and a causal target mask;</li>
 * <li>{@code decode_L}: one new query per head (N=1, H=8, D=64) against a key/value cache of L
 *     tokens, and {@code copy_L}, reading the same cache bytes once: the memory-bandwidth bound
 *     the decode step is held to: both read {@code 2 H L D 4} bytes (16.8 MB at L = 4096), so
 *     bytes over the time per call is the bandwidth each reaches.</li>
 * </ul>
 * {@code fwd}: inference; {@code fwdbwd}: forward and backward (every input's gradient).
 *
 * <pre>bin/panamax bench AttentionBench -prof gc</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class AttentionBench {

    @Param({"att_full", "att_causal", "causal_128", "causal_512", "causal_2048", "causal_8192", "encoder", "decoder",
            "decode_512", "decode_4096", "copy_512", "copy_4096"})
    public String workload;

    @Param({"fwd", "fwdbwd"})
    public String pass;

    @Param({"1", "2"})
    public int threads;

    private Arena data;
    private StepArena step;
    private AttentionShape shape;
    private HeadLayout q;
    private HeadLayout k;
    private HeadLayout v;
    private HeadLayout out;
    private HeadLayout dq;
    private HeadLayout dk;
    private HeadLayout dv;
    private HeadLayout gy;
    private MemorySegment lse;
    private TransformerEncoderLayer encoder;
    private TransformerDecoderLayer decoder;
    private Tensor x;
    private Tensor memory;
    private Tensor gx;
    private MemorySegment cache;

    @Setup(Level.Trial)
    public void setUp() {
        WorkerPool.setThreads(threads);
        Backend.setBlasThreads(threads);
        Init.manualSeed(1);
        data = Arena.ofShared();
        step = new StepArena();
        SplittableRandom r = new SplittableRandom(3);
        if (workload.equals("encoder") || workload.equals("decoder")) {
            TransformerOptions o = TransformerOptions.of(256, 4).dimFeedforward(1024).batchFirst(true);
            x = random(r, 16, 128, 256);
            gx = random(r, 16, 128, 256);
            if (workload.equals("encoder")) {
                encoder = new TransformerEncoderLayer(o);
                encoder.train(pass.equals("fwdbwd"));
            } else {
                memory = random(r, 16, 128, 256);
                decoder = new TransformerDecoderLayer(o);
                decoder.train(pass.equals("fwdbwd"));
            }
            return;
        }
        if (workload.startsWith("copy")) {
            long floats = 2L * 8 * Integer.parseInt(workload.substring(5)) * 64;
            cache = data.allocate(4 * floats, 64);
            return;
        }
        boolean decode = workload.startsWith("decode");
        int n = workload.startsWith("att") ? 4 : 1;
        int t = workload.startsWith("att") ? 512 : Integer.parseInt(workload.substring(workload.indexOf('_') + 1));
        int tq = decode ? 1 : t;
        shape = AttentionShape.of(n, 8, tq, t, 64, 64, !workload.equals("att_full"));
        if (decode) {
            shape = shape.alignedToEnd();
        }
        q = layout(random(r, n, 8, tq, 64));
        k = layout(random(r, n, 8, t, 64));
        v = layout(random(r, n, 8, t, 64));
        out = layout(Tensor.zeros(data, n, 8, tq, 64));
        lse = data.allocate(4L * n * 8 * tq, 64);
        dq = layout(Tensor.zeros(data, n, 8, tq, 64));
        dk = layout(Tensor.zeros(data, n, 8, t, 64));
        dv = layout(Tensor.zeros(data, n, 8, t, 64));
        gy = layout(random(r, n, 8, tq, 64));
    }

    private Tensor random(SplittableRandom r, long... shape) {
        Tensor t = Tensor.zeros(data, shape);
        Init.normal(t, 0, 1, r);
        return t;
    }

    private static HeadLayout layout(Tensor t) {
        return HeadLayout.contiguous(t.segment(), 0, (int) t.size(1), (int) t.size(2), (int) t.size(3));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        step.close();
        data.close();
    }

    @Benchmark
    public Object run() {
        switch (workload) {
            case "encoder" -> {
                step.reset();
                Tensor y = encoder.forward(x, step);
                return pass.equals("fwd") ? y : encoder.backward(gx, step);
            }
            case "decoder" -> {
                step.reset();
                Tensor y = decoder.forward(x, memory, null, null, true, step);
                return pass.equals("fwd") ? y : decoder.backwardAll(gx, step);
            }
            case "copy_512", "copy_4096" -> {
                // read the cache once, as a decode step must: the bandwidth bound
                long n = cache.byteSize() / 4;
                float sum = WorkerPool.threads() == 1 ? sum(0, n) : 0f;
                if (WorkerPool.threads() > 1) {
                    float[] part = new float[2];
                    WorkerPool.run(2, (i, c) -> part[i] = sum(n * i / c, n * (i + 1) / c));
                    sum = part[0] + part[1];
                }
                return sum;
            }
            default -> {
                FlashAttentionForward.forward(shape, q, k, v, AttentionMasks.NONE, out, lse, 0);
                if (pass.equals("fwdbwd")) {
                    FlashAttentionBackward.backward(shape, q, k, v, AttentionMasks.NONE, lse, 0, gy, dq, dk, dv);
                }
                return out;
            }
        }
    }

    private float sum(long from, long to) {
        jdk.incubator.vector.FloatVector s0 = jdk.incubator.vector.FloatVector.zero(FloatLanes.SPECIES), s1 = s0, s2 = s0, s3 = s0;
        long i = from;
        for (; i + 4 * FloatLanes.LANES <= to; i += 4 * FloatLanes.LANES) {
            s0 = s0.add(FloatVector.fromMemorySegment(SPECIES, cache, i * Float.BYTES, ORDER));
            s1 = s1.add(FloatVector.fromMemorySegment(SPECIES, cache, (i + FloatLanes.LANES) * Float.BYTES, ORDER));
            s2 = s2.add(FloatVector.fromMemorySegment(SPECIES, cache, (i + 2 * FloatLanes.LANES) * Float.BYTES, ORDER));
            s3 = s3.add(FloatVector.fromMemorySegment(SPECIES, cache, (i + 3 * FloatLanes.LANES) * Float.BYTES, ORDER));
        }
        return s0.add(s1).add(s2).add(s3).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
