package dev.panamax.bench;

import java.util.Arrays;
import java.util.SplittableRandom;

import dev.panamax.kernels.parallel.WorkerPool;
import dev.panamax.nn.data.DataLoader;
import dev.panamax.nn.data.Dataset;
import dev.panamax.nn.distributed.Communicator;
import dev.panamax.nn.distributed.DistributedDataParallel;
import dev.panamax.nn.layers.Init;
import dev.panamax.nn.layers.Sequential;
import dev.panamax.nn.losses.CrossEntropyLoss;
import dev.panamax.nn.models.Models;
import dev.panamax.nn.optim.Adam;
import dev.panamax.nn.optim.Optimizer;
import dev.panamax.nn.train.Trainer;

/**
 * The time of a data-parallel training step, run by {@code bench/mpi/run.sh}: started alone it
 * trains in one process (with {@code --threads}); started by {@code mpirun -np P} each rank trains
 * on its share of the same global batch and averages gradients over MPI. It prints the median step
 * time over the measured steps and, for P &gt; 1, the all-reduce time per step, the part of it the
 * training thread waited for after backward (the communication share of the step) and the part
 * backward hid. Not JMH, for the reason {@link AllReduceBandwidth} gives.
 *
 * <p>Usage: {@code DataParallelStepBench lenet5|mlp [--batch 64] [--threads N] [--warmup 1500] [--steps 500]
 * [--bucket-kb K]}.
 */
public final class DataParallelStepBench {

    private DataParallelStepBench() {
    }

    public static void main(String[] args) {
        String model = args.length > 0 ? args[0] : "lenet5";
        int batch = intOption(args, "--batch", 64);
        int warmup = intOption(args, "--warmup", 1500);
        int steps = intOption(args, "--steps", 500);
        int bucketKb = intOption(args, "--bucket-kb", 0);
        Communicator comm = Communicator.fromEnvironment();
        WorkerPool.setThreads(intOption(args, "--threads",
                Math.max(1, Runtime.getRuntime().availableProcessors() / comm.localSize())));
        Init.manualSeed(1);
        Sequential net = model.equals("mlp") ? Models.mlp(30, 64, 2) : Models.lenet5();
        Dataset data = random(model.equals("mlp") ? new long[] {30} : new long[] {1, 28, 28}, model.equals("mlp") ? 2 : 10,
                batch * 8);
        DistributedDataParallel.Options options = DistributedDataParallel.Options.defaults();
        if (bucketKb > 0) {
            options = options.bucketBytes(bucketKb * 1024L);
        }
        try (DataLoader loader = new DataLoader(data, DataLoader.Options.batches(batch / comm.size()).shuffled(1)
                .shard(comm.rank(), comm.size()));
             DistributedDataParallel ddp = comm.size() > 1 ? new DistributedDataParallel(net, comm, options) : null;
             Optimizer opt = Adam.adam(net.parameters(), Adam.Options.adam().lr(1e-3f));
             Trainer trainer = new Trainer(net, new CrossEntropyLoss(), opt, null, Trainer.Options.of(1).output(null, false))) {
            trainer.distributed(ddp);
            long[] times = new long[steps];
            long[] reduce = new long[steps];
            long[] exposed = new long[steps];
            var it = loader.epoch(0);
            com.sun.management.ThreadMXBean memory = (com.sun.management.ThreadMXBean)
                    java.lang.management.ManagementFactory.getThreadMXBean();
            long allocated = 0;
            for (int s = 0; s < warmup + steps; s++) {
                if (!it.hasNext()) {
                    it = loader.epoch(s);
                }
                DataLoader.Batch b = it.next();
                DistributedDataParallel.Statistics before = ddp == null ? null : ddp.statistics();
                long a0 = memory.getCurrentThreadAllocatedBytes();
                long t0 = System.nanoTime();
                trainer.step(b.x(), b.y());
                long t1 = System.nanoTime();
                if (s >= warmup) {
                    allocated += memory.getCurrentThreadAllocatedBytes() - a0;
                }
                if (s >= warmup) {
                    times[s - warmup] = t1 - t0;
                    if (ddp != null) {
                        DistributedDataParallel.Statistics after = ddp.statistics();
                        reduce[s - warmup] = after.reduceNanos() - before.reduceNanos();
                        exposed[s - warmup] = after.exposedNanos() - before.exposedNanos();
                    }
                }
            }
            if (comm.rank() == 0) {
                System.out.printf("%s batch %d: %d process(es) x %d thread(s): median step %.3f ms (mean %.3f), %d B allocated "
                        + "per step by the training thread%n", model, batch, comm.size(), WorkerPool.threads(), median(times),
                        mean(times), allocated / steps);
                if (ddp != null) {
                    // medians per step: a step where the other rank was late (the OS took its core) says
                    // nothing about overlap, and such steps make the means
                    System.out.printf("  all-reduce: %d bucket(s), %.0f KB per step; per step (median) %.3f ms from start to end, "
                                    + "%.3f ms waited after backward = %.1f %% of the step: %.0f %% hidden by backward "
                                    + "(means: %.3f, %.3f ms)%n",
                            ddp.buckets().size(), ddp.statistics().bytesPerStep() / 1024.0, median(reduce), median(exposed),
                            100 * median(exposed) / median(times), 100 * Math.max(0, 1 - median(exposed) / median(reduce)),
                            mean(reduce), mean(exposed));
                }
            }
        }
        comm.close();
    }

    private static double median(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2] / 1e6;
    }

    private static double mean(long[] nanos) {
        return Arrays.stream(nanos).average().orElse(0) / 1e6;
    }

    private static Dataset random(long[] sampleShape, int classes, int rows) {
        int per = (int) Arrays.stream(sampleShape).reduce(1, (a, b) -> a * b);
        SplittableRandom rnd = new SplittableRandom(3);
        float[] x = new float[rows * per];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        long[] y = new long[rows];
        for (int i = 0; i < rows; i++) {
            y[i] = rnd.nextInt(classes);
        }
        return new Dataset(x, sampleShape, y, null, classes, null);
    }

    private static int intOption(String[] args, String name, int fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }
}
