package dev.panamax.nn.optim;

import java.lang.foreign.MemorySegment;
import java.util.List;

import dev.panamax.kernels.optim.RadamStep;
import dev.panamax.nn.tensor.Tensor;

/**
 * RAdam as {@code torch.optim.RAdam}: Adam whose adaptive rate is used only once its variance is
 * tractable, rectified by the length of the approximated moving average, and plain momentum
 * before that ({@link RadamStep}); L2 weight decay. State per parameter: the two moments.
 */
public final class Radam extends MomentOptimizer {

    /** {@code torch.optim.RAdam}'s defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public static MomentOptions defaults() {
        return new MomentOptions(1e-3f, 0.9f, 0.999f, 1e-8f, 0f);
    }

    /** @throws IllegalArgumentException for a negative rate, eps or weight decay, or betas outside [0, 1), as PyTorch */
    public Radam(List<Parameter> params, MomentOptions o) {
        super("RAdam", params, o.lr(), o.beta1(), o.beta2(), o.eps(), o.weightDecay());
    }

    @Override
    void update(long n, Tensor value, Tensor grad, MemorySegment first, MemorySegment second) {
        RadamStep.apply(n, value.segment(), value.offset(), grad.segment(), grad.offset(), first, 0, second, 0, steps, lr, beta1,
                beta2, eps, weightDecay);
    }
}
