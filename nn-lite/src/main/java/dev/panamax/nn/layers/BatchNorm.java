package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.distributed.Communicator;
import dev.panamax.nn.functional.Normalization;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * Batch normalisation over the channel dimension of {@code [N, C, *]}, as PyTorch's
 * {@code _BatchNorm}: in training, batch statistics (biased variance) normalise and the running
 * statistics move by {@code momentum} (with the unbiased variance); in evaluation the running
 * statistics normalise. Buffers {@code running_mean} (0), {@code running_var} (1) and
 * {@code num_batches_tracked}; affine {@code weight} (1) and {@code bias} (0).
 *
 * <p>In data-parallel training, the batch statistics are each rank's own unless the layer is
 * {@linkplain #synchronize synchronized} (PyTorch's {@code SyncBatchNorm}).
 */
public abstract sealed class BatchNorm extends Layer permits BatchNorm1d, BatchNorm2d {

    private final long channels;
    private final float eps;
    private final float momentum;
    private final Parameter weight;
    private final Parameter bias;
    private final Tensor runningMean;
    private final Tensor runningVar;
    private final Tensor batchesTracked;
    private Tensor x;
    private Normalization.Saved saved;
    /** The last backward's gradients, handed back when a reusing arena gives the same tensors again. */
    private Normalization.Grads grads;
    private boolean savedInTraining;
    private Communicator sync;
    private boolean savedSynchronized;

    BatchNorm(long channels, float eps, float momentum, boolean affine) {
        if (channels <= 0 || !(eps >= 0) || Float.isInfinite(eps) || !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("batch norm needs channels > 0, a finite eps >= 0, momentum in [0, 1]; got "
                    + channels + ", " + eps + ", " + momentum);
        }
        this.channels = channels;
        this.eps = eps;
        this.momentum = momentum;
        this.weight = affine ? parameter("weight", channels) : null;
        this.bias = affine ? parameter("bias", channels) : null;
        if (affine) {
            weight.value().fill(1f);
        }
        this.runningMean = buffer("running_mean", DType.FLOAT32, channels);
        this.runningVar = buffer("running_var", DType.FLOAT32, channels);
        this.runningVar.fill(1f);
        this.batchesTracked = buffer("num_batches_tracked", DType.INT64);
    }

    /**
     * Computes training statistics over the batches of every rank of {@code comm} (two small
     * all-reduces in forward, one in backward), so that P ranks normalise as one process with
     * their batches concatenated; null returns to each rank's own statistics. Evaluation is
     * unchanged (the running statistics, equal on every rank).
     */
    public BatchNorm synchronize(Communicator comm) {
        this.sync = comm;
        return this;
    }

    /** The input ranks this layer accepts. */
    abstract boolean acceptsRank(int rank);

    /** The expected input, for error messages. */
    abstract String expectedInput();

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        if (!acceptsRank(x.rank()) || x.size(1) != channels) {
            throw new IllegalArgumentException(describe() + " expects input " + expectedInput() + " with C=" + channels
                    + ", got " + java.util.Arrays.toString(x.shape()));
        }
        this.x = x;
        boolean training = isTraining();
        boolean synced = training && sync != null && sync.size() > 1;
        var s = synced
                ? Normalization.syncBatchNorm(x, value(weight), value(bias), runningMean, runningVar, momentum, eps, sync, arena)
                : Normalization.batchNorm(x, value(weight), value(bias), runningMean, runningVar, training, momentum, eps,
                        saved, arena);
        savedInTraining = training;
        savedSynchronized = synced;
        if (training) {
            batchesTracked.setLong(batchesTracked.getLong() + 1);
        }
        saved = s;                    // after: threads sharing a model in eval mode each return their own y
        return s.y();
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        Normalization.Grads g = savedSynchronized
                ? Normalization.syncBatchNormBackward(saved(x), value(weight), bias != null, saved, gy, sync, arena)
                : Normalization.batchNormBackward(saved(x), value(weight), bias != null, saved, gy, savedInTraining, grads,
                        arena);
        grads = g;
        accumulate(weight, bias, g.weight(), g.bias());
        return g.x();
    }

    private static Tensor value(Parameter p) {
        return p == null ? null : p.value();
    }

    @Override
    public String toString() {
        return describe() + "(" + channels + ", eps=" + eps + ", momentum=" + momentum + ", affine=" + (weight != null) + ")";
    }

    @Override
    public String family() {
        return "normalization";
    }

    /** Each sample's output depends on that sample alone (see {@link Layer#samplesIndependent()}). */
    @Override
    public boolean samplesIndependent() {
        return true;
    }
}
