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
import dev.panamax.nn.inference.Predictor;
import dev.panamax.nn.layers.ActivationLayer;
import dev.panamax.nn.layers.Conv2d;
import dev.panamax.nn.layers.Flatten;
import dev.panamax.nn.layers.Init;
import dev.panamax.nn.layers.Layer;
import dev.panamax.nn.layers.Linear;
import dev.panamax.nn.layers.MaxPool2d;
import dev.panamax.nn.layers.Sequential;
import dev.panamax.nn.models.Models;
import dev.panamax.nn.tensor.Tensor;

/**
 * Inference through a {@link Predictor} (eval mode, memory reused between calls), time per call
 * at batch 1 to 2048; time per image is that over the batch. {@code lenet5} is the network of
 * {@code ../shared/bench/pytorch/torch_bench.py}'s LeNet-5 inference rows (convolutions 5×5 with
 * ReLU and 2×2 max pooling, then 120, 84, 10 units), so that its N1 and N512 rows compare
 * directly; {@code mlp} is {@code Models.mlp(30, 64, 2)}.
 *
 * <pre>bin/panamax bench InferenceBench -prof gc</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class InferenceBench {

    @Param({"lenet5", "mlp"})
    public String model;

    /** Batch 4: a few rows, below the GEMM kernels' tiles (see Sgemm's rows-by-row products). */
    @Param({"1", "4", "64", "512", "2048"})
    public int batch;

    @Param({"1", "2"})
    public int threads;

    private Arena data;
    private Predictor predictor;
    private Tensor x;
    private Tensor out;

    /** LeNet-5 as torch_bench.py defines it: max pooling, not the golden model's average pooling. */
    static Sequential lenet5MaxPool() {
        return new Sequential()
                .add("c1", new Conv2d(1, 6, 5, 1, 2)).add("r1", ActivationLayer.relu()).add("p1", new MaxPool2d(2))
                .add("c2", new Conv2d(6, 16, 5, 1, 0)).add("r2", ActivationLayer.relu()).add("p2", new MaxPool2d(2))
                .add("flatten", new Flatten())
                .add("f1", new Linear(400, 120)).add("r3", ActivationLayer.relu())
                .add("f2", new Linear(120, 84)).add("r4", ActivationLayer.relu())
                .add("f3", new Linear(84, 10));
    }

    /** The model named {@code lenet5} or {@code mlp}, in eval mode (weights from the current seed). */
    static Layer network(String model) {
        return (lenet(model) ? lenet5MaxPool() : Models.mlp(30, 64, 2)).eval();
    }

    /** A batch of random inputs for the model: {@code [batch, 1, 28, 28]} or {@code [batch, 30]}. */
    static Tensor input(Arena arena, String model, int batch) {
        Tensor x = lenet(model) ? Tensor.zeros(arena, batch, 1, 28, 28) : Tensor.zeros(arena, batch, 30);
        Init.normal(x, 0, 1, new SplittableRandom(7));
        return x;
    }

    /** A tensor for the model's output: {@code [batch, 10]} or {@code [batch, 2]}. */
    static Tensor output(Arena arena, String model, int batch) {
        return Tensor.zeros(arena, batch, lenet(model) ? 10 : 2);
    }

    private static boolean lenet(String model) {
        if (!model.equals("lenet5") && !model.equals("mlp")) {
            throw new IllegalArgumentException("model must be lenet5 or mlp, got " + model);
        }
        return model.equals("lenet5");
    }

    @Setup(Level.Trial)
    public void setUp() {
        WorkerPool.setThreads(threads);
        Backend.setBlasThreads(threads);
        Init.manualSeed(1);
        data = Arena.ofShared();
        x = input(data, model, batch);
        out = output(data, model, batch);
        predictor = new Predictor(network(model));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        predictor.close();
        data.close();
    }

    @Benchmark
    public Tensor predict() {
        return predictor.predict(x, out);
    }
}
