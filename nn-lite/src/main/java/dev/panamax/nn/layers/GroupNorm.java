package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.functional.Normalization;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.Tensor;

/**
 * Group normalisation of {@code [N, C, *]}: statistics over each group of {@code C/groups}
 * channels and all positions, then a per-channel affine, as {@code torch.nn.GroupNorm}.
 */
public final class GroupNorm extends Layer {

    private final long groups;
    private final long channels;
    private final float eps;
    private final Parameter weight;
    private final Parameter bias;
    private Tensor x;
    private Normalization.Saved saved;

    /** eps 1e-5, affine. */
    public GroupNorm(long groups, long channels) {
        this(groups, channels, 1e-5f, true);
    }

    public GroupNorm(long groups, long channels, float eps, boolean affine) {
        if (groups <= 0 || channels <= 0 || channels % groups != 0 || !(eps >= 0) || Float.isInfinite(eps)) {
            throw new IllegalArgumentException("GroupNorm needs groups dividing channels and a finite eps >= 0, got groups=" + groups
                    + ", channels=" + channels + ", eps=" + eps);
        }
        this.groups = groups;
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
        if (x.rank() < 2 || x.size(1) != channels) {
            throw new IllegalArgumentException(describe() + " expects input [N, " + channels + ", *], got "
                    + java.util.Arrays.toString(x.shape()));
        }
        this.x = x;
        var s = Normalization.groupNorm(x, groups, weight == null ? null : weight.value(), bias == null ? null : bias.value(),
                eps, arena);
        saved = s;                    // after: threads sharing a model in eval mode each return their own y
        return s.y();
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        Normalization.Grads g = Normalization.groupNormBackward(saved(x), groups, weight == null ? null : weight.value(),
                bias != null, saved, gy, arena);
        accumulate(weight, bias, g.weight(), g.bias());
        return g.x();
    }

    @Override
    public String toString() {
        return describe() + "(" + groups + ", " + channels + ", eps=" + eps + ")";
    }

    @Override
    public String family() {
        return "normalization";
    }
}
