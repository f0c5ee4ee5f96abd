package dev.panamax.bench;

import java.lang.foreign.Arena;
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

import dev.panamax.kernels.backend.Backend;
import dev.panamax.kernels.parallel.WorkerPool;
import dev.panamax.nn.layers.GRU;
import dev.panamax.nn.layers.Init;
import dev.panamax.nn.layers.LSTM;
import dev.panamax.nn.layers.Recurrent;
import dev.panamax.nn.layers.RecurrentOptions;
import dev.panamax.nn.tensor.StepArena;
import dev.panamax.nn.tensor.Tensor;

/**
 * Recurrent layers through the layer API, the workloads of {@code ../shared/bench/pytorch/run.sh}
 * (its LSTM and GRU rows): T = 64, N = 32, I = 128, H = 256, one layer or two bidirectional ones;
 * LSTM with N = 1 (latency); LSTM with lengths spread evenly over 16..64 (PyTorch:
 * {@code pack_padded_sequence}). {@code fwd}: inference mode (PyTorch: eval under no_grad);
 * {@code fwdbwd}: training forward and backward with the input's gradient, in a {@link StepArena}
 * reset each call. Time per call; {@code -prof gc} for allocation.
 *
 * <pre>bin/panamax bench RnnBench -prof gc</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class RnnBench {

    private static final int T = 64;
    private static final int I = 128;
    private static final int H = 256;

    @Param({"lstm_1l", "lstm_2l_bidir", "gru_1l", "gru_2l_bidir", "lstm_n1", "lstm_lengths"})
    public String workload;

    @Param({"fwd", "fwdbwd"})
    public String pass;

    @Param({"1", "2"})
    public int threads;

    private Arena data;
    private StepArena step;
    private Recurrent layer;
    private Tensor x;
    private Tensor gy;
    private Tensor lengths;

    @Setup(Level.Trial)
    public void setUp() {
        WorkerPool.setThreads(threads);
        Backend.setBlasThreads(threads);
        Init.manualSeed(1);
        data = Arena.ofShared();
        step = new StepArena();
        int batch = workload.equals("lstm_n1") ? 1 : 32;
        RecurrentOptions o = workload.contains("2l_bidir") ? RecurrentOptions.defaults().layers(2).bidirectional(true)
                : RecurrentOptions.defaults();
        layer = workload.startsWith("gru") ? new GRU(I, H, o) : new LSTM(I, H, o);
        layer.train(pass.equals("fwdbwd"));
        SplittableRandom rnd = new SplittableRandom(7);
        x = Tensor.zeros(data, T, batch, I);
        Init.normal(x, 0, 1, rnd);
        gy = Tensor.zeros(data, T, batch, (long) (o.bidirectional() ? 2 : 1) * H);
        Init.normal(gy, 0, 1, rnd);
        if (workload.equals("lstm_lengths")) {
            long[] l = new long[batch];
            for (int n = 0; n < batch; n++) {
                l[n] = Math.round(16 + (64 - 16) * n / (double) (batch - 1));     // torch.linspace(16, 64, 32).round()
            }
            lengths = Tensor.ofLongs(data, l, batch);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        step.close();
        data.close();
    }

    @Benchmark
    public Object run() {
        step.reset();
        Recurrent.Output out = layer.forward(x, null, null, lengths, step);
        if (pass.equals("fwd")) {
            return out.y();
        }
        return layer.backward(gy, null, null, step).x();
    }
}
