package dev.panamax.nn.losses;

import java.lang.foreign.Arena;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.functional.ClassificationMarginFunctions;
import dev.panamax.nn.tensor.Tensor;

/**
 * As {@code torch.nn.SoftMarginLoss}: the two-class logistic loss {@code log(1 + exp(-y x))} per
 * element, labels y 1 or -1 (float32 or int64, of the input's shape); the mean by default.
 */
public final class SoftMarginLoss extends InputTargetLoss {

    /** The mean: PyTorch's default. */
    public SoftMarginLoss() {
        this(Reduction.MEAN);
    }

    public SoftMarginLoss(Reduction reduction) {
        super(reduction);
    }

    @Override
    Tensor losses(Tensor input, Tensor target, Reduction reduction, Arena arena) {
        return ClassificationMarginFunctions.softMargin(input, target, reduction, arena);
    }

    @Override
    Tensor gradient(Tensor input, Tensor target, Reduction reduction, Tensor gradLoss, Arena arena) {
        return ClassificationMarginFunctions.softMarginBackward(input, target, reduction, gradLoss, arena);
    }
}
