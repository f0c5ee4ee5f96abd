package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.panamax.kernels.parallel.WorkerPool;
import dev.panamax.nn.losses.CrossEntropyLoss;
import dev.panamax.nn.models.CharLanguageModel;
import dev.panamax.nn.models.TransformerLanguageModel;
import dev.panamax.nn.optim.Adam;
import dev.panamax.nn.optim.Optimizer;
import dev.panamax.nn.tensor.Tensor;

/**
 * Panamax used from several threads at once, as a server does: threads each training a model of
 * their own while others run inference on one shared model (MLP, convolution with batch norm and
 * pooling, LSTM language model, transformer language model), with the kernels on one thread or
 * on the whole pool. Every result equals, bit for bit, the same work done alone; nothing
 * deadlocks (each test has a timeout). A parallel kernel called while the pool is busy runs its
 * blocks inline, in the same split, so the arithmetic is the same whichever thread gets the pool;
 * and kernels add vector lanes in a fixed order, so it is the same interpreted or compiled.
 */
class ConcurrencyTest {

    private static final int STEPS = 4;

    /** One kind of model: how to build it (seeded), a batch of inputs, and the targets. */
    private record Kind(String name, Supplier<Layer> build, Batch batch) {
    }

    private record Batch(long[] inputShape, boolean tokens, long classes) {

        Tensor input(Arena arena, long seed) {
            SplittableRandom r = new SplittableRandom(seed);
            int n = 1;
            for (long d : inputShape) {
                n *= (int) d;
            }
            if (tokens) {
                long[] ids = new long[n];
                for (int i = 0; i < n; i++) {
                    ids[i] = r.nextLong(classes);
                }
                return Tensor.ofLongs(arena, ids, inputShape);
            }
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = (float) r.nextGaussian();
            }
            return Tensor.of(arena, v, inputShape);
        }

        Tensor target(Arena arena, long seed, long rows) {
            SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
            long[] t = new long[(int) rows];
            for (int i = 0; i < t.length; i++) {
                t[i] = r.nextLong(classes);
            }
            return Tensor.ofLongs(arena, t, rows);
        }
    }

    private static final List<Kind> KINDS = List.of(
            new Kind("mlp", () -> new Sequential(new Linear(8, 16), ActivationLayer.relu(), new Dropout(0.1f, 5), new Linear(16, 3)),
                    new Batch(new long[] {6, 8}, false, 3)),
            new Kind("conv", () -> new Sequential(new Conv2d(1, 4, 3, 1, 1), new BatchNorm2d(4), ActivationLayer.relu(),
                    new MaxPool2d(2), new Flatten(), new Linear(4 * 4 * 4, 3)), new Batch(new long[] {5, 1, 8, 8}, false, 3)),
            new Kind("lstm", () -> new CharLanguageModel(10, 8, 12, 1), new Batch(new long[] {4, 6}, true, 10)),
            new Kind("transformer", () -> TransformerLanguageModel.golden(10, 16, 2, 32, 1, 8, 1e-5f),
                    new Batch(new long[] {3, 8}, true, 10)));

    /** Models are built one at a time: initialisation draws from the shared seeded generator. */
    private static synchronized Layer build(Kind k, long seed) {
        Init.manualSeed(seed);
        return k.build().get();
    }

    /** A few Adam steps on fixed batches; the final parameters by name. */
    private static Map<String, float[]> train(Kind k, long seed) {
        Layer model = build(k, seed);
        model.train();
        try (Arena arena = Arena.ofShared(); Optimizer opt = Adam.adam(model.parameters(), 1e-2f, 0.9f, 0.999f, 1e-8f, 0f, false)) {
            CrossEntropyLoss loss = new CrossEntropyLoss();
            for (int step = 0; step < STEPS; step++) {
                Tensor x = k.batch().input(arena, seed * 31 + step);
                Tensor logits = model.forward(x, arena);
                long classes = logits.size(logits.rank() - 1);
                Tensor flat = logits.view(logits.numel() / classes, classes);
                opt.zeroGrad();
                loss.forward(flat, k.batch().target(arena, seed * 31 + step, flat.size(0)), arena);
                model.backward(loss.backward(arena).view(logits.shape()), arena);
                opt.step();
            }
            return values(model);
        }
    }

    private static float[] infer(Layer model, Kind k, long seed) {
        try (Arena arena = Arena.ofShared()) {
            return model.forward(k.batch().input(arena, seed), arena).toFloatArray();
        }
    }

    private static Map<String, float[]> values(Layer model) {
        Map<String, float[]> out = new TreeMap<>();
        model.stateDict().forEach((name, t) -> {
            if (t.dtype() == dev.panamax.nn.tensor.DType.INT64) {
                long[] v = t.toLongArray();                 // num_batches_tracked
                float[] f = new float[v.length];
                for (int i = 0; i < v.length; i++) {
                    f[i] = v[i];
                }
                out.put(name, f);
            } else {
                out.put(name, t.toFloatArray());
            }
        });
        return out;
    }

    @AfterEach
    void restoreThreads() {
        WorkerPool.setThreads(Runtime.getRuntime().availableProcessors());
    }

    @ParameterizedTest(name = "kernels on {0} thread(s)")
    @ValueSource(ints = {1, 2})
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void trainingSeparateModelsWhileServingASharedOneEqualsSerialRuns(int kernelThreads) throws Exception {
        WorkerPool.setThreads(Math.min(kernelThreads, Runtime.getRuntime().availableProcessors()));
        // alone: what every concurrent result must equal
        Map<String, Map<String, float[]>> trained = new TreeMap<>();
        Map<String, Layer> shared = new TreeMap<>();
        Map<String, List<float[]>> served = new TreeMap<>();
        for (Kind k : KINDS) {
            trained.put(k.name(), train(k, 7));
            Layer model = build(k, 11);
            model.eval();
            shared.put(k.name(), model);
            List<float[]> outs = new ArrayList<>();
            for (int q = 0; q < 3; q++) {
                outs.add(infer(model, k, 100 + q));
            }
            served.put(k.name(), outs);
        }
        // then together: a trainer per kind, twice over, and three clients of each shared model
        ExecutorService pool = Executors.newFixedThreadPool(KINDS.size() * 5);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Kind k : KINDS) {
                for (int copy = 0; copy < 2; copy++) {
                    futures.add(pool.submit((Callable<Void>) () -> {
                        Map<String, float[]> got = train(k, 7);
                        Map<String, float[]> want = trained.get(k.name());
                        assertThat(got.keySet()).isEqualTo(want.keySet());
                        for (String p : want.keySet()) {
                            if (!java.util.Arrays.equals(got.get(p), want.get(p))) {
                                throw new AssertionError(k.name() + " " + p + " trained beside others differs from training alone");
                            }
                        }
                        return null;
                    }));
                }
                for (int client = 0; client < 3; client++) {
                    futures.add(pool.submit((Callable<Void>) () -> {
                        for (int round = 0; round < 4; round++) {
                            for (int q = 0; q < 3; q++) {
                                if (!java.util.Arrays.equals(infer(shared.get(k.name()), k, 100 + q), served.get(k.name()).get(q))) {
                                    throw new AssertionError(k.name() + " served output " + q + " differs from serving alone");
                                }
                            }
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> f : futures) {
                f.get(150, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).as("every thread finished").isTrue();
        }
    }
}
