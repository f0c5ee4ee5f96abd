package dev.panamax.nn.distributed;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import dev.panamax.kernels.parallel.WorkerPool;
import dev.panamax.nn.data.Bundled;
import dev.panamax.nn.data.DataLoader;
import dev.panamax.nn.data.Dataset;
import dev.panamax.nn.io.SafeTensors;
import dev.panamax.nn.layers.ActivationLayer;
import dev.panamax.nn.layers.BatchNorm2d;
import dev.panamax.nn.layers.Conv2d;
import dev.panamax.nn.layers.ConvAttributes;
import dev.panamax.nn.layers.Flatten;
import dev.panamax.nn.layers.Init;
import dev.panamax.nn.layers.Linear;
import dev.panamax.nn.layers.MaxPool2d;
import dev.panamax.nn.layers.Sequential;
import dev.panamax.nn.losses.CrossEntropyLoss;
import dev.panamax.nn.models.Models;
import dev.panamax.nn.optim.Adam;
import dev.panamax.nn.optim.Optimizer;
import dev.panamax.nn.optim.Sgd;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;
import dev.panamax.nn.train.Trainer;

/**
 * A few data-parallel training steps, as one rank of {@code mpirun} ({@link #main}) or in this
 * process ({@link #train}): the test compares what two ranks end with against one process
 * training on the concatenated batches.
 */
public final class DataParallelWorker {

    static final long SEED = 11;
    static final int GLOBAL_BATCH = 32;

    private DataParallelWorker() {
    }

    /**
     * {@code MODEL STEPS OUT.safetensors [FAIL_RANK FAIL_STEP]}: rank r writes OUT.rank{r};
     * {@code bindings}: {@link BindingsCheck}.
     */
    public static void main(String[] args) throws IOException {
        if (args[0].equals("bindings")) {
            BindingsCheck.run();
            return;
        }
        Communicator comm = Communicator.mpi();
        try {
            WorkerPool.setThreads(1);
            int failRank = args.length > 3 ? Integer.parseInt(args[3]) : -1;
            int failStep = args.length > 4 ? Integer.parseInt(args[4]) : -1;
            Sequential model = train(comm, args[0], Integer.parseInt(args[1]), failRank, failStep);
            SafeTensors.write(Path.of(args[2] + ".rank" + comm.rank()), new LinkedHashMap<>(model.stateDict()),
                    Map.of("ranks", Integer.toString(comm.size())));
            comm.close();
        } catch (Throwable t) {
            comm.abort(t.toString());
        }
    }

    /**
     * Trains {@code model} ("mlp", "lenet5", or "bn-sync": a convolution with a synchronized batch
     * norm) for {@code steps} steps with global batches of
     * {@link #GLOBAL_BATCH} rows split over the ranks of {@code comm}; {@code comm} null trains
     * without data parallelism (the reference). Rank {@code failRank} throws at step {@code failStep}.
     */
    static Sequential train(Communicator comm, String model, int steps, int failRank, int failStep) throws IOException {
        Init.manualSeed(SEED);
        Dataset data;
        Sequential net;
        if (model.equals("lenet5")) {
            data = Bundled.mnist()[0].subset(java.util.stream.IntStream.range(0, 256).toArray());
            net = Models.lenet5();
        } else if (model.equals("bn-sync")) {
            data = Bundled.mnist()[0].subset(java.util.stream.IntStream.range(0, 256).toArray());
            net = new Sequential()
                    .add("conv", new Conv2d(1, 4, ConvAttributes.square(3, 1, 1, 1, 1), false, Init.generator()))
                    .add("bn", new BatchNorm2d(4, 1e-5f, 0.1f, true))
                    .add("relu", ActivationLayer.relu())
                    .add("pool", new MaxPool2d(2))
                    .add("flatten", new Flatten())
                    .add("fc", new Linear(4 * 14 * 14, 10));
        } else {
            data = synthetic(256, 20, 3);
            net = Models.mlp(20, 32, 3);
        }
        int ranks = comm == null ? 1 : comm.size();
        int rank = comm == null ? 0 : comm.rank();
        DataLoader.Options loading = DataLoader.Options.batches(GLOBAL_BATCH / ranks).shuffled(SEED).shard(rank, ranks);
        try (DataLoader loader = new DataLoader(data, loading);
             Optimizer opt = !model.equals("mlp")
                     ? new Sgd(net.parameters(), Sgd.Options.lr(0.05f).momentum(0.9f))
                     : Adam.adam(net.parameters(), Adam.Options.adam().lr(1e-2f));
             DistributedDataParallel ddp = comm == null ? null
                     : new DistributedDataParallel(net, comm, DistributedDataParallel.Options.defaults()
                             .syncBatchNorm(model.equals("bn-sync")));
             Trainer trainer = new Trainer(net, new CrossEntropyLoss(), opt, null, Trainer.Options.of(100).output(null, false))) {
            trainer.distributed(ddp);
            var batches = loader.epoch(0);
            for (int s = 0; s < steps; s++) {
                if (rank == failRank && s == failStep) {
                    throw new IllegalStateException("injected failure at step " + s);
                }
                DataLoader.Batch b = batches.next();
                trainer.step(b.x(), b.y());
            }
        }
        return net;
    }

    /** Three Gaussian clusters in {@code features} dimensions, seeded. */
    static Dataset synthetic(int rows, int features, int classes) {
        SplittableRandom rnd = new SplittableRandom(SEED);
        float[] x = new float[rows * features];
        long[] y = new long[rows];
        for (int r = 0; r < rows; r++) {
            y[r] = rnd.nextInt(classes);
            for (int f = 0; f < features; f++) {
                x[r * features + f] = (float) (rnd.nextGaussian() + (f % classes == y[r] ? 1.5 : 0));
            }
        }
        return new Dataset(x, new long[] {features}, y, null, classes, null);
    }

    /** Parameters and float buffers (running statistics) by name, copied out. */
    static Map<String, float[]> weights(Sequential model) {
        return weights(model.stateDict());
    }

    static Map<String, float[]> weights(Map<String, Tensor> state) {
        Map<String, float[]> out = new LinkedHashMap<>();
        state.forEach((n, t) -> {
            if (t.dtype() == DType.FLOAT32) {
                out.put(n, t.toFloatArray());
            }
        });
        return out;
    }
}
