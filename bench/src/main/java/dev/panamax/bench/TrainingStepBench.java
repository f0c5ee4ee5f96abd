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
import dev.panamax.nn.layers.Init;
import dev.panamax.nn.layers.Sequential;
import dev.panamax.nn.losses.CrossEntropyLoss;
import dev.panamax.nn.models.Models;
import dev.panamax.nn.optim.Sgd;
import dev.panamax.nn.tensor.StepArena;
import dev.panamax.nn.tensor.Tensor;

/**
 * One training step through the layer API: forward, cross-entropy, backward (no gradient for the
 * input images, as in PyTorch), SGD with momentum
 * (lr 0.01, momentum 0.9), in a {@link StepArena} reset each step. {@code lenet5}: batch 64 of
 * 1×28×28 ({@code lenet5-maxpool}: torch_bench.py's variant with 2×2 max pooling, as in
 * {@link InferenceBench}); {@code mlp}: 30→64→64→2, batch 64. Time per step (images per second = 64 / time);
 * run with {@code -prof gc} for {@code gc.alloc.rate.norm}. That figure also holds what JMH's own
 * threads allocate meanwhile, some KB per second: tens of bytes per LeNet-5 step, where
 * {@link WarmupProbe}, counting every thread of the JVM over 2 s of steady state, finds about one
 * byte per step (Zen 5, one thread).
 *
 * <p>Ten warm-up seconds: from a cold JVM on two cores, C2 needs 6-8 s to compile the step's
 * methods ({@link WarmupProbe}), and until then vectors are boxed; with four, a measured
 * iteration could still allocate hundreds of KB per step.
 *
 * <p>Reference (PyTorch 1.13 on this machine, tuned): LeNet step 6.4 ms on 1 thread, 7.9 ms on 2;
 * MLP step 0.23 ms on 1 thread.
 *
 * <pre>bin/panamax bench TrainingStepBench -prof gc</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 10, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class TrainingStepBench {

    private static final int BATCH = 64;

    @Param({"lenet5", "lenet5-maxpool", "mlp"})
    public String model;

    @Param({"1", "2"})
    public int threads;

    private Arena data;
    private StepArena step;
    private Sequential net;
    private Sgd sgd;
    private CrossEntropyLoss loss;
    private Tensor x;
    private Tensor target;

    @Setup(Level.Trial)
    public void setUp() {
        WorkerPool.setThreads(threads);
        Backend.setBlasThreads(threads);
        Init.manualSeed(1);
        data = Arena.ofShared();
        step = StepArena.reusingTensors();       // as the Trainer: a training loop keeps no tensor past its step
        SplittableRandom rnd = new SplittableRandom(7);
        boolean lenet = model.startsWith("lenet5");
        net = model.equals("lenet5-maxpool") ? InferenceBench.lenet5MaxPool() : lenet ? Models.lenet5() : Models.mlp(30, 64, 2);
        net.requireInputGradient(false);          // the input is data, as in PyTorch (no grad for x)
        x = lenet ? Tensor.zeros(data, BATCH, 1, 28, 28) : Tensor.zeros(data, BATCH, 30);
        Init.normal(x, 0, 1, rnd);
        long[] labels = new long[BATCH];
        for (int i = 0; i < BATCH; i++) {
            labels[i] = rnd.nextInt(lenet ? 10 : 2);
        }
        target = Tensor.ofLongs(data, labels, BATCH);
        sgd = new Sgd(net.parameters(), 0.01f, 0.9f);
        loss = new CrossEntropyLoss();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        sgd.close();
        step.close();
        data.close();
    }

    @Benchmark
    public float trainStep() {
        step.reset();
        sgd.zeroGrad();
        Tensor logits = net.forward(x, step);
        float l = loss.forward(logits, target, step);
        net.backward(loss.backward(step), step);
        sgd.step();
        return l;
    }
}
