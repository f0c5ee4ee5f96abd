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
import dev.panamax.nn.layers.Layer;
import dev.panamax.nn.losses.CrossEntropyLoss;
import dev.panamax.nn.models.Models;
import dev.panamax.nn.models.TransformerLanguageModel;
import dev.panamax.nn.optim.Adam;
import dev.panamax.nn.optim.Optimizer;
import dev.panamax.nn.optim.Sgd;
import dev.panamax.nn.tensor.StepArena;
import dev.panamax.nn.tensor.Tensor;

/**
 * One training step through the layer API: forward, cross-entropy, backward (no gradient for the
 * input images, as in PyTorch), SGD with momentum
 * (lr 0.01, momentum 0.9), in a {@link StepArena} reset each step. {@code lenet5}: batch 64 of
 * 1×28×28 ({@code lenet5-maxpool}: torch_bench.py's variant with 2×2 max pooling, as in
 * {@link InferenceBench}); {@code mlp}: 30→64→64→2, batch 64; two language models over 16
 * sequences of 32 tokens of a 50-symbol vocabulary, trained with Adam instead ({@code char-lstm}:
 * {@code Models.charLstm(50, 64, 64, 2)}; {@code transformer-lm}: two pre-norm encoder layers of
 * width 64, 4 heads, feed-forward 128). Time per step (images per second = 64 / time);
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
    private static final int SEQUENCES = 16;
    private static final int TOKENS = 32;
    private static final int VOCABULARY = 50;

    @Param({"lenet5", "lenet5-maxpool", "mlp", "char-lstm", "transformer-lm"})
    public String model;

    @Param({"1", "2"})
    public int threads;

    private Arena data;
    private StepArena step;
    private Layer net;
    private Optimizer optimizer;
    /** Whether {@link #net} is a language model: logits {@code [N, T, V]} scored as {@code [N T, V]}. */
    private boolean languageModel;
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
        loss = new CrossEntropyLoss();
        languageModel = model.equals("char-lstm") || model.equals("transformer-lm");
        if (languageModel) {
            net = model.equals("char-lstm") ? Models.charLstm(VOCABULARY, 64, 64, 2)
                    : TransformerLanguageModel.golden(VOCABULARY, 64, 4, 128, 2, TOKENS, 1e-5f);
            x = Tensor.ofLongs(data, tokens(rnd, SEQUENCES * TOKENS), SEQUENCES, TOKENS);
            target = Tensor.ofLongs(data, tokens(rnd, SEQUENCES * TOKENS), SEQUENCES * TOKENS);
            optimizer = Adam.adam(net.parameters(), Adam.Options.adam());
            return;
        }
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
        optimizer = new Sgd(net.parameters(), 0.01f, 0.9f);
    }

    /** {@code count} token ids drawn uniformly from the vocabulary. */
    private static long[] tokens(SplittableRandom rnd, int count) {
        long[] ids = new long[count];
        for (int i = 0; i < count; i++) {
            ids[i] = rnd.nextInt(VOCABULARY);
        }
        return ids;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        optimizer.close();
        step.close();
        data.close();
    }

    @Benchmark
    public float trainStep() {
        step.reset();
        optimizer.zeroGrad();
        Tensor logits = net.forward(x, step);
        float l = loss.forward(languageModel ? logits.view(-1, VOCABULARY) : logits, target, step);
        Tensor g = loss.backward(step);
        net.backward(languageModel ? g.viewAs(logits) : g, step);
        optimizer.step();
        return l;
    }
}
