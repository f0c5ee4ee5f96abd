package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.nn.functional.Normalization;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.Tensor;

/**
 * Instance normalisation, as PyTorch's {@code InstanceNorm1d} and {@code InstanceNorm2d} with
 * their default {@code track_running_stats=False}: each sample's each channel normalised by its own
 * mean and (biased) variance over its positions, in training and evaluation alike, then, when
 * {@code affine}, a per-channel scale and shift ({@code weight}, {@code bias}). It is group
 * normalisation with one channel per group, and runs as that.
 */
public abstract sealed class InstanceNorm extends Layer permits InstanceNorm1d, InstanceNorm2d {

    private final long channels;
    private final float eps;
    private final int spatialDims;
    private final Parameter weight;
    private final Parameter bias;
    private Tensor x;
    /** Whether the last forward's input was one sample, without the batch dimension (PyTorch's unbatched input). */
    private boolean unbatched;
    private Normalization.Saved saved;

    InstanceNorm(long channels, float eps, boolean affine, int spatialDims) {
        if (channels <= 0 || !(eps > 0)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " needs channels > 0 and eps > 0, got channels="
                    + channels + ", eps=" + eps);
        }
        this.channels = channels;
        this.eps = eps;
        this.spatialDims = spatialDims;
        this.weight = affine ? parameter("weight", channels) : null;
        this.bias = affine ? parameter("bias", channels) : null;
        if (affine) {
            weight.value().fill(1f);
        }
    }

    @Override
    public final Tensor forward(Tensor x, Arena arena) {
        boolean single = unbatchedSample(x);
        Tensor batch = asBatch(x, single);
        var s = Normalization.groupNorm(batch, channels, weight == null ? null : weight.value(),
                bias == null ? null : bias.value(), eps, arena);
        this.x = batch;
        this.unbatched = single;
        saved = s;                    // after: threads sharing a model in eval mode each return their own y
        return asSample(s.y(), single);
    }

    @Override
    public final Tensor backward(Tensor gy, Arena arena) {
        Normalization.Grads g = Normalization.groupNormBackward(saved(x), channels, weight == null ? null : weight.value(),
                bias != null, saved, asBatch(gy, unbatched), arena);
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
        return describe() + "(" + channels + ", eps=" + eps + ", affine=" + (weight != null) + ")";
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
