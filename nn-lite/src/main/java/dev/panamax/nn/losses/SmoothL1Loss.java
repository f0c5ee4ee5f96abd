package dev.panamax.nn.losses;

import java.lang.foreign.Arena;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.functional.Losses;
import dev.panamax.nn.tensor.Tensor;

/**
 * As {@code torch.nn.SmoothL1Loss(beta)}: {@code d^2 / (2 beta)} for {@code |d| < beta},
 * {@code |d| - beta / 2} beyond, {@code d = input - target} (beta 0 is L1); the mean by default.
 */
public final class SmoothL1Loss extends InputTargetLoss {

    private final float beta;

    /** Beta 1, the mean: PyTorch's defaults. */
    public SmoothL1Loss() {
        this(1f, Reduction.MEAN);
    }

    public SmoothL1Loss(float beta, Reduction reduction) {
        super(reduction);
        this.beta = LossChecks.width("beta", beta, true);
    }

    @Override
    Tensor losses(Tensor input, Tensor target, Reduction reduction, Arena arena) {
        return Losses.smoothL1(input, target, beta, reduction, arena);
    }

    @Override
    Tensor gradient(Tensor input, Tensor target, Reduction reduction, Tensor gradLoss, Arena arena) {
        return Losses.smoothL1Backward(input, target, beta, reduction, gradLoss, arena)[0];
    }
}
