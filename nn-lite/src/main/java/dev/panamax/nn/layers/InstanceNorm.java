package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.kernels.norm.InstanceStatistics;
import dev.panamax.nn.functional.Normalization;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * Instance normalisation, as PyTorch's {@code InstanceNorm1d} and {@code InstanceNorm2d}: each
 * sample's each channel normalised by its own mean and (biased) variance over its positions, then,
 * when {@code affine}, a per-channel scale and shift ({@code weight}, {@code bias}). That is group
 * normalisation with one channel per group, and runs as that.
 *
 * <p>By default ({@code track_running_stats=False}) evaluation normalises the same way. With
 * {@code trackRunningStats}, training also moves buffers {@code running_mean} (0) and
 * {@code running_var} (1) by {@code momentum} towards the batch's mean instance mean and unbiased
 * variance ({@code num_batches_tracked} counts the steps), and evaluation normalises every
 * instance by them, as batch normalisation does. Training needs more than one position per
 * instance, as PyTorch's does.
 */
public abstract sealed class InstanceNorm extends Layer permits InstanceNorm1d, InstanceNorm2d {

    private final long channels;
    private final float eps;
    private final int spatialDims;
    private final Parameter weight;
    private final Parameter bias;
    private final float momentum;
    private final Tensor runningMean;
    private final Tensor runningVar;
    private final Tensor batchesTracked;
    private Tensor x;
    /** Whether the last forward normalised by the running statistics (evaluation with tracking). */
    private boolean savedRunning;
    /** Whether the last forward's input was one sample, without the batch dimension (PyTorch's unbatched input). */
    private boolean unbatched;
    private Normalization.Saved saved;

    InstanceNorm(long channels, float eps, float momentum, boolean affine, boolean trackRunningStats, int spatialDims) {
        if (channels <= 0 || !(eps >= 0) || Float.isInfinite(eps) || !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " needs channels > 0, a finite eps >= 0 and momentum in [0, 1], "
                    + "got channels=" + channels + ", eps=" + eps + ", momentum=" + momentum);
        }
        this.momentum = momentum;
        this.channels = channels;
        this.eps = eps;
        this.spatialDims = spatialDims;
        this.weight = affine ? parameter("weight", channels) : null;
        this.bias = affine ? parameter("bias", channels) : null;
        if (affine) {
            weight.value().fill(1f);
        }
        this.runningMean = trackRunningStats ? buffer("running_mean", DType.FLOAT32, channels) : null;
        this.runningVar = trackRunningStats ? buffer("running_var", DType.FLOAT32, channels) : null;
        this.batchesTracked = trackRunningStats ? buffer("num_batches_tracked", DType.INT64) : null;
        if (trackRunningStats) {
            runningVar.fill(1f);
        }
    }

    @Override
    public final Tensor forward(Tensor x, Arena arena) {
        boolean single = unbatchedSample(x);
        Tensor batch = asBatch(x, single);
        boolean running = runningMean != null && !isTraining();
        if (isTraining()) {
            requirePositions(batch);
        }
        var s = running
                ? Normalization.batchNorm(batch, value(weight), value(bias), runningMean, runningVar, false, momentum, eps, arena)
                : Normalization.groupNorm(batch, channels, value(weight), value(bias), eps, arena);
        if (runningMean != null && isTraining()) {
            Tensor dense = batch.contiguous(arena);
            InstanceStatistics.update(batch.size(0), channels, positions(batch), dense.segment(),
                    dense.offset(), momentum, runningMean.segment(), runningMean.offset(), runningVar.segment(),
                    runningVar.offset());
            batchesTracked.setLong(batchesTracked.getLong() + 1);
        }
        this.x = batch;
        this.unbatched = single;
        this.savedRunning = running;
        saved = s;                    // after: threads sharing a model in eval mode each return their own y
        return asSample(s.y(), single);
    }

    @Override
    public final Tensor backward(Tensor gy, Arena arena) {
        Normalization.Grads g = savedRunning
                ? Normalization.batchNormBackward(saved(x), value(weight), bias != null, saved, asBatch(gy, unbatched), false,
                        arena)
                : Normalization.groupNormBackward(saved(x), channels, value(weight), bias != null, saved,
                        asBatch(gy, unbatched), arena);
        accumulate(weight, bias, g.weight(), g.bias());
        return asSample(g.x(), unbatched);
    }

    /** Whether x is one sample ({@code [C, ...]}) rather than a batch ({@code [N, C, ...]}); anything else is refused. */
    private boolean unbatchedSample(Tensor x) {
        if (x.rank() == spatialDims + 2 && x.size(1) == channels) {
            return false;
        }
        if (x.rank() == spatialDims + 1 && x.size(0) == channels) {
            return true;
        }
        String positions = spatialDims == 1 ? "L" : "H, W";
        throw new IllegalArgumentException(describe() + " expects [N, " + channels + ", " + positions + "] or, unbatched, ["
                + channels + ", " + positions + "], got " + Arrays.toString(x.shape()));
    }

    @Override
    public final String toString() {
        return describe() + "(" + channels + ", eps=" + eps + ", momentum=" + momentum + ", affine=" + (weight != null)
                + ", track_running_stats=" + (runningMean != null) + ")";
    }

    /** Positions per instance of {@code [N, C, ...]}: the product of the trailing sizes. */
    private static long positions(Tensor batch) {
        long m = 1;
        for (int d = 2; d < batch.rank(); d++) {
            m *= batch.size(d);
        }
        return m;
    }

    private static Tensor value(Parameter p) {
        return p == null ? null : p.value();
    }

    /** PyTorch's check in training: instance statistics over one position are no statistics. */
    private void requirePositions(Tensor batch) {
        if (positions(batch) == 1) {
            throw new IllegalArgumentException(describe() + ": expected more than 1 spatial element when training, got input "
                    + Arrays.toString(batch.shape()));
        }
    }

    @Override
    public final String family() {
        return "normalization";
    }

    /** Each sample's output depends on that sample alone (see {@link Layer#samplesIndependent()}). */
    @Override
    public final boolean samplesIndependent() {
        return true;
    }
}
