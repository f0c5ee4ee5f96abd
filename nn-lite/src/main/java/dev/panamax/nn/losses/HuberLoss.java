package dev.panamax.nn.losses;

import java.lang.foreign.Arena;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.functional.Losses;
import dev.panamax.nn.tensor.Tensor;

/**
 * As {@code torch.nn.HuberLoss(delta)}: {@code d^2 / 2} for {@code |d| < delta},
 * {@code delta (|d| - delta / 2)} beyond, {@code d = input - target}; the mean by default.
 * Robust regression: large errors pull linearly, not quadratically.
 */
public final class HuberLoss extends InputTargetLoss {

    private final float delta;

    /** Delta 1, the mean: PyTorch's defaults. */
    public HuberLoss() {
        this(1f, Reduction.MEAN);
    }

    public HuberLoss(float delta, Reduction reduction) {
        super(reduction);
        this.delta = LossChecks.width("delta", delta, false);
    }

    @Override
    Tensor losses(Tensor input, Tensor target, Reduction reduction, Arena arena) {
        return Losses.huber(input, target, delta, reduction, arena);
    }

    @Override
    Tensor gradient(Tensor input, Tensor target, Reduction reduction, Tensor gradLoss, Arena arena) {
        return Losses.huberBackward(input, target, delta, reduction, gradLoss, arena)[0];
    }
}
