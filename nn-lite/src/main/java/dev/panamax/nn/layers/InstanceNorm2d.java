package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.functional.Normalization;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.Tensor;

/**
 * Instance normalisation, as {@code torch.nn.InstanceNorm2d} with its default
 * {@code track_running_stats=False}: each image's each channel normalised by its own mean and
 * (biased) variance over H x W, in training and evaluation alike, then, when {@code affine}, a
 * per-channel scale and shift ({@code weight}, {@code bias}). Style transfer's normalisation
 * (with {@link ReflectionPad2d}). Input {@code [N, C, H, W]} or one image's {@code [C, H, W]}.
 * It is group normalisation with one channel per group, and runs as that.
 */
public final class InstanceNorm2d extends Layer {

    private final long channels;
    private final float eps;
    private final Parameter weight;
    private final Parameter bias;
    private Tensor x;
    /** Whether the last forward's input was one image, {@code [C, H, W]} (PyTorch's unbatched input). */
    private boolean unbatched;
    private Normalization.Saved saved;

    /** eps 1e-5, no affine: PyTorch's defaults. */
    public InstanceNorm2d(long channels) {
        this(channels, 1e-5f, false);
    }

    public InstanceNorm2d(long channels, float eps, boolean affine) {
        if (channels <= 0 || !(eps > 0)) {
            throw new IllegalArgumentException("InstanceNorm2d needs channels > 0 and eps > 0, got channels=" + channels
                    + ", eps=" + eps);
        }
        this.channels = channels;
        this.eps = eps;
        this.weight = affine ? parameter("weight", channels) : null;
        this.bias = affine ? parameter("bias", channels) : null;
        if (affine) {
            weight.value().fill(1f);
        }
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        boolean single = unbatchedImage(x, channels, -1, -1);
        Tensor batch = asBatch(x, single);
        var s = Normalization.groupNorm(batch, channels, weight == null ? null : weight.value(),
                bias == null ? null : bias.value(), eps, arena);
        this.x = batch;
        this.unbatched = single;
        saved = s;                    // after: threads sharing a model in eval mode each return their own y
        return asSample(s.y(), single);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        Normalization.Grads g = Normalization.groupNormBackward(saved(x), channels, weight == null ? null : weight.value(),
                bias != null, saved, asBatch(gy, unbatched), arena);
        accumulate(weight, bias, g.weight(), g.bias());
        return asSample(g.x(), unbatched);
    }

    @Override
    public String toString() {
        return describe() + "(" + channels + ", eps=" + eps + ", affine=" + (weight != null) + ")";
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
