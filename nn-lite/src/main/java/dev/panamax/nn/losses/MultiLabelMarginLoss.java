package dev.panamax.nn.losses;

import java.lang.foreign.Arena;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.functional.ClassificationMarginFunctions;
import dev.panamax.nn.tensor.Tensor;

/**
 * As {@code torch.nn.MultiLabelMarginLoss()}: the multi-label hinge loss of scores {@code [N, C]}
 * (or {@code [C]}) against int64 targets of their shape, each row listing its sample's classes
 * up to the first -1 ({@code [3, 0, -1, 1]}: classes 3 and 0). Per sample,
 * {@code sum over listed j, unlisted i of max(0, 1 - x[j] + x[i]) / C}; the mean by default.
 */
public final class MultiLabelMarginLoss extends InputTargetLoss {

    /** The mean: PyTorch's default. */
    public MultiLabelMarginLoss() {
        this(Reduction.MEAN);
    }

    public MultiLabelMarginLoss(Reduction reduction) {
        super(reduction);
    }

    @Override
    Tensor losses(Tensor input, Tensor target, Reduction reduction, Arena arena) {
        return ClassificationMarginFunctions.multilabelMargin(input, target, reduction, arena);
    }

    @Override
    Tensor gradient(Tensor input, Tensor target, Reduction reduction, Tensor gradLoss, Arena arena) {
        return ClassificationMarginFunctions.multilabelMarginBackward(input, target, reduction, gradLoss, arena);
    }
}
