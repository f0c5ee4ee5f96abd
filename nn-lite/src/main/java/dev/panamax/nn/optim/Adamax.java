package dev.panamax.nn.optim;

import java.lang.foreign.MemorySegment;
import java.util.List;

import dev.panamax.kernels.optim.AdamaxStep;
import dev.panamax.nn.tensor.Tensor;

/**
 * Adamax as {@code torch.optim.Adamax}: Adam with the infinity norm of past gradients in place of
 * the second moment ({@link AdamaxStep}), and L2 weight decay. State per parameter: the first
 * moment and the infinity norm.
 */
public final class Adamax extends MomentOptimizer {

    /** {@code torch.optim.Adamax}'s defaults: lr 2e-3, betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public static MomentOptions defaults() {
        return new MomentOptions(2e-3f, 0.9f, 0.999f, 1e-8f, 0f);
    }

    /** @throws IllegalArgumentException for a negative rate, eps or weight decay, or betas outside [0, 1), as PyTorch */
    public Adamax(List<Parameter> params, MomentOptions o) {
        super("Adamax", params, o.lr(), o.beta1(), o.beta2(), o.eps(), o.weightDecay());
    }

    @Override
    void update(long n, Tensor value, Tensor grad, MemorySegment first, MemorySegment infinityNorm) {
        AdamaxStep.apply(n, value.segment(), value.offset(), grad.segment(), grad.offset(), first, 0, infinityNorm, 0, steps, lr,
                beta1, beta2, eps, weightDecay);
    }
}
