package dev.panamax.nn.losses;

import java.lang.foreign.Arena;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.functional.ClassificationMarginFunctions;
import dev.panamax.nn.tensor.Tensor;

/**
 * As {@code torch.nn.MultiLabelSoftMarginLoss(weight)}: multi-label classification, scores
 * {@code [N, C]} (or {@code [C]}) against float32 targets of their shape (1 where a label
 * applies, 0 where not), per sample the mean over classes of
 * {@code -w (y log sigmoid(x) + (1 - y) log sigmoid(-x))}; no weights and the mean by default.
 */
public final class MultiLabelSoftMarginLoss extends InputTargetLoss {

    private final Tensor weight;

    /** No weights, the mean: PyTorch's defaults. */
    public MultiLabelSoftMarginLoss() {
        this(null, Reduction.MEAN);
    }

    /** @param weight class weights {@code [C]}, or null */
    public MultiLabelSoftMarginLoss(Tensor weight, Reduction reduction) {
        super(reduction);
        this.weight = weight;
    }

    @Override
    Tensor losses(Tensor input, Tensor target, Reduction reduction, Arena arena) {
        return ClassificationMarginFunctions.multilabelSoftMargin(input, target, weight, reduction, arena);
    }

    @Override
    Tensor gradient(Tensor input, Tensor target, Reduction reduction, Tensor gradLoss, Arena arena) {
        return ClassificationMarginFunctions.multilabelSoftMarginBackward(input, target, weight, reduction, gradLoss, arena);
    }
}
