package dev.panamax.nn.losses;

import java.lang.foreign.Arena;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.functional.Losses;
import dev.panamax.nn.tensor.Tensor;

/**
 * The squared error between an input and a target of one shape, as {@code torch.nn.MSELoss}:
 * its mean by default, or the sum, or ({@link Reduction#NONE}) each element's.
 */
public final class MseLoss extends InputTargetLoss {

    /** The mean squared error. */
    public MseLoss() {
        this(Reduction.MEAN);
    }

    public MseLoss(Reduction reduction) {
        super(reduction);
    }

    @Override
    Tensor losses(Tensor input, Tensor target, Reduction reduction, Arena arena) {
        return Losses.mse(input, target, reduction, arena);
    }

    @Override
    Tensor gradient(Tensor input, Tensor target, Reduction reduction, Tensor gradLoss, Arena arena) {
        return Losses.mseBackward(input, target, reduction, gradLoss, arena)[0];
    }
}
