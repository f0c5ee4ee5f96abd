package dev.panamax.nn.train;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import dev.panamax.nn.data.DataLoader;
import dev.panamax.nn.distributed.DistributedDataParallel;
import dev.panamax.nn.layers.Layer;
import dev.panamax.nn.layers.Sequential;
import dev.panamax.nn.losses.Loss;
import dev.panamax.nn.optim.GradientClipping;
import dev.panamax.nn.optim.LrScheduler;
import dev.panamax.nn.optim.Optimizer;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.StepArena;
import dev.panamax.nn.tensor.Tensor;

/**
 * A small training loop: epochs over a {@link DataLoader}, one step per batch (forward, loss,
 * backward, optional gradient clipping, optimizer step, schedule step) in a {@link StepArena}
 * reset each step; evaluation on a held-out loader after each epoch; early stopping when the
 * held-out metric (accuracy, or R² for regression) has not improved for {@code patience} epochs;
 * a progress bar on a terminal and plain log lines otherwise.
 *
 * <p>The position (epoch, batch, optimizer step) is part of {@link #position()} so that a run
 * saved with {@link Checkpoints} and resumed continues exactly as it would have.
 *
 * <p>Data-parallel: given a {@link DistributedDataParallel} ({@link #distributed}), each step
 * averages the gradients over the ranks before the optimizer step, the epoch's training loss and
 * throughput are those of all ranks together, and only rank 0 reports progress. Each rank
 * evaluates the whole held-out set (its weights are the same on every rank, so are the metrics).
 */
public final class Trainer implements AutoCloseable {

    /**
     * @param epochs        epochs to train (in total, counting those before a resume)
     * @param clipNorm      global gradient-norm limit, or 0 for none
     * @param clipValue     gradient element limit, or 0 for none
     * @param patience      epochs without improvement before stopping, or 0 to never stop early
     * @param out           where progress goes, or null for silence
     * @param progressBar   redraw one progress line (a terminal) instead of printing log lines
     */
    public record Options(int epochs, float clipNorm, float clipValue, int patience, PrintStream out, boolean progressBar) {

        /** {@code epochs} epochs, no clipping, no early stopping, progress to stdout (a bar on a terminal). */
        public static Options of(int epochs) {
            return new Options(epochs, 0f, 0f, 0, System.out, System.console() != null);
        }

        public Options clipNorm(float maxNorm) {
            return new Options(epochs, maxNorm, clipValue, patience, out, progressBar);
        }

        public Options clipValue(float limit) {
            return new Options(epochs, clipNorm, limit, patience, out, progressBar);
        }

        public Options patience(int epochsWithoutImprovement) {
            return new Options(epochs, clipNorm, clipValue, epochsWithoutImprovement, out, progressBar);
        }

        public Options output(PrintStream stream, boolean bar) {
            return new Options(epochs, clipNorm, clipValue, patience, stream, bar);
        }
    }

    /** What one epoch gave: mean training loss, held-out loss and metric, time and throughput. */
    public record EpochResult(int epoch, double trainLoss, double evalLoss, double metric, double seconds,
                              double samplesPerSecond) {
    }

    /** Where training stands: the next epoch and batch, and optimizer steps taken. */
    public record Position(int epoch, int batch, long steps) {
    }

    private final Layer model;
    private final Loss loss;
    private final Optimizer optimizer;
    private final LrScheduler scheduler;
    private final Options options;
    /** Reusing tensors: the trainer owns every tensor of a step and hands none out (results are floats). */
    private final StepArena arena = StepArena.reusingTensors();
    private final KernelProfile profile = new KernelProfile();
    private final List<Parameter> params;
    private DistributedDataParallel ddp;
    private int epoch;
    private int batch;
    private long steps;

    /** @param scheduler the learning-rate schedule, or null for a constant rate */
    public Trainer(Layer model, Loss loss, Optimizer optimizer, LrScheduler scheduler, Options options) {
        this.model = model;
        this.loss = loss;
        this.optimizer = optimizer;
        this.scheduler = scheduler;
        this.options = options;
        this.params = model.parameters();
        model.requireInputGradient(false);          // the input is data: its gradient is never used
        if (model instanceof Sequential s) {
            s.profile(profile::add);
        }
    }

    /**
     * Trains data-parallel over {@code ddp}'s ranks from now on (its model must be this trainer's);
     * the training loader should be sharded ({@link DataLoader.Options#shard}).
     */
    public Trainer distributed(DistributedDataParallel ddp) {
        this.ddp = ddp;
        return this;
    }

    /** The time spent per kernel family so far (layers, loss and optimizer). */
    public KernelProfile profile() {
        return profile;
    }

    public Position position() {
        return new Position(epoch, batch, steps);
    }

    /** Continues from a saved position (the model, optimizer and schedule are restored separately). */
    public void resume(Position p) {
        this.epoch = p.epoch();
        this.batch = p.batch();
        this.steps = p.steps();
    }

    /**
     * Trains until {@code options.epochs()} epochs are done or early stopping triggers, evaluating on
     * {@code eval} (may be null) after each epoch.
     *
     * @param stopAfterSteps stop (mid-epoch, resumable) after this many steps in this call; negative for no limit
     */
    public List<EpochResult> fit(DataLoader train, DataLoader eval, long stopAfterSteps) {
        List<EpochResult> results = new ArrayList<>();
        double best = Double.NEGATIVE_INFINITY;
        int stale = 0;
        long budget = stopAfterSteps < 0 ? Long.MAX_VALUE : stopAfterSteps;
        while (epoch < options.epochs() && budget > 0) {
            model.train();
            long t0 = System.nanoTime();
            double lossSum = 0;
            long samples = 0;
            int total = train.batchesPerEpoch();
            for (Iterator<DataLoader.Batch> it = train.epoch(epoch, batch); it.hasNext() && budget > 0; budget--) {
                DataLoader.Batch b = it.next();
                float l = step(b.x(), b.y());
                lossSum += (double) l * b.rows();
                samples += b.rows();
                batch++;
                progress(total, lossSum / samples, samples, t0);
            }
            if (batch < total) {
                break;                                   // stopped mid-epoch: resumable from here
            }
            if (ddp != null) {
                double[] sums = {lossSum, samples};
                ddp.communicator().allReduceSum(sums);  // the epoch's loss over every rank's rows
                lossSum = sums[0];
                samples = (long) sums[1];
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            double evalLoss = Double.NaN;
            double metric = Double.NaN;
            if (eval != null) {
                if (eval.dataset().isClassification()) {
                    ClassificationMetrics m = evaluateClassifier(eval);
                    evalLoss = m.loss();
                    metric = m.accuracy();
                } else {
                    RegressionMetrics m = evaluateRegressor(eval);
                    evalLoss = m.mse();
                    metric = m.r2();
                }
            }
            EpochResult r = new EpochResult(epoch + 1, lossSum / samples, evalLoss, metric, seconds, samples / seconds);
            results.add(r);
            log(r, eval != null && eval.dataset().isClassification());
            epoch++;
            batch = 0;
            if (options.patience() > 0 && eval != null) {
                if (metric > best) {
                    best = metric;
                    stale = 0;
                } else if (++stale >= options.patience()) {
                    say(String.format("early stopping: no improvement for %d epochs", stale));
                    break;
                }
            }
        }
        return results;
    }

    /** One training step on a batch; returns the batch's loss. */
    public float step(Tensor x, Tensor y) {
        arena.reset();
        optimizer.zeroGrad();
        if (ddp != null) {
            ddp.beforeForward();
        }
        Tensor out = model.forward(x, arena);
        long t0 = System.nanoTime();
        float l = loss.forward(out, y, arena);
        Tensor g = loss.backward(arena);
        profile.add("loss", System.nanoTime() - t0);
        if (ddp != null) {
            ddp.beforeBackward();
        }
        model.backward(g, arena);
        if (ddp != null) {
            long tc = System.nanoTime();
            ddp.synchronizeGradients();
            profile.add("all-reduce (waiting)", System.nanoTime() - tc);
        }
        long t1 = System.nanoTime();
        if (options.clipNorm() > 0) {
            GradientClipping.clipGradNorm(params, options.clipNorm());
        }
        if (options.clipValue() > 0) {
            GradientClipping.clipGradValue(params, options.clipValue());
        }
        optimizer.step();
        if (scheduler != null) {
            scheduler.step();
        }
        profile.add("optimizer", System.nanoTime() - t1);
        steps++;
        return l;
    }

    /** Accuracy, confusion matrix and mean loss on every batch of {@code data}, in eval mode. */
    public ClassificationMetrics evaluateClassifier(DataLoader data) {
        ClassificationMetrics m = new ClassificationMetrics(data.dataset().classes());
        model.eval();
        for (Iterator<DataLoader.Batch> it = data.epoch(0); it.hasNext(); ) {
            DataLoader.Batch b = it.next();
            arena.reset();
            Tensor logits = model.forward(b.x(), arena);
            m.addLoss(loss.forward(logits, b.y(), arena), b.rows());
            float[] v = logits.toFloatArray();
            long[] truth = b.y().toLongArray();
            int classes = (int) logits.size(1);
            for (int r = 0; r < b.rows(); r++) {
                int arg = 0;
                for (int c = 1; c < classes; c++) {
                    if (v[r * classes + c] > v[r * classes + arg]) {
                        arg = c;
                    }
                }
                m.add((int) truth[r], arg);
            }
        }
        model.train();
        return m;
    }

    /** MSE and R² on every batch of {@code data} (single-output regression), in eval mode. */
    public RegressionMetrics evaluateRegressor(DataLoader data) {
        RegressionMetrics m = new RegressionMetrics();
        model.eval();
        for (Iterator<DataLoader.Batch> it = data.epoch(0); it.hasNext(); ) {
            DataLoader.Batch b = it.next();
            arena.reset();
            float[] pred = model.forward(b.x(), arena).toFloatArray();
            float[] truth = b.y().toFloatArray();
            for (int r = 0; r < b.rows(); r++) {
                m.add(truth[r], pred[r]);
            }
        }
        model.train();
        return m;
    }

    /** Whether this process reports: always, but for ranks other than 0 of a data-parallel run. */
    private boolean reports() {
        return options.out() != null && (ddp == null || ddp.communicator().rank() == 0);
    }

    private void progress(int total, double meanLoss, long samples, long t0) {
        if (!reports()) {
            return;
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        double rate = samples * (ddp == null ? 1 : ddp.communicator().size()) / Math.max(1e-9, elapsed);
        if (options.progressBar()) {
            int width = 30;
            int done = (int) ((long) batch * width / total);
            double left = elapsed / batch * (total - batch);
            options.out().printf("\repoch %d [%s%s] %d/%d  loss %.4f  %.0f samples/s  %.0fs left ", epoch + 1,
                    "=".repeat(done), " ".repeat(width - done), batch, total, meanLoss, rate, left);
            options.out().flush();
        } else if (batch % Math.max(1, total / 4) == 0 && batch < total) {
            options.out().printf("epoch %d: %d/%d batches, loss %.4f, %.0f samples/s%n", epoch + 1, batch, total, meanLoss, rate);
        }
    }

    private void log(EpochResult r, boolean classification) {
        if (!reports()) {
            return;
        }
        if (options.progressBar()) {
            options.out().print("\r" + " ".repeat(100) + "\r");
        }
        String metric = Double.isNaN(r.metric()) ? "" : classification
                ? String.format(", test loss %.4f, test accuracy %.2f %%", r.evalLoss(), 100 * r.metric())
                : String.format(", test MSE %.2f, R² %.4f", r.evalLoss(), r.metric());
        options.out().printf("epoch %d: train loss %.4f%s (%.1f s, %.0f samples/s)%n", r.epoch(), r.trainLoss(), metric,
                r.seconds(), r.samplesPerSecond());
    }

    private void say(String line) {
        if (reports()) {
            options.out().println(line);
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
