package dev.panamax.nn.losses;

import java.lang.foreign.Arena;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.functional.Losses;
import dev.panamax.nn.tensor.Tensor;

/**
 * The absolute error {@code |input - target|}, as {@code torch.nn.L1Loss}: its mean by default,
 * or the sum, or each element's. Its gradient at equal values is 0, as PyTorch's.
 */
public final class L1Loss extends InputTargetLoss {

    /** The mean absolute error. */
    public L1Loss() {
        this(Reduction.MEAN);
    }

    public L1Loss(Reduction reduction) {
        super(reduction);
    }

    @Override
    Tensor losses(Tensor input, Tensor target, Reduction reduction, Arena arena) {
        return Losses.l1(input, target, reduction, arena);
    }

    @Override
    Tensor gradient(Tensor input, Tensor target, Reduction reduction, Tensor gradLoss, Arena arena) {
        return Losses.l1Backward(input, target, reduction, gradLoss, arena)[0];
    }
}
