package dev.panamax.nn.losses;

import java.lang.foreign.Arena;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.functional.ClassificationMarginFunctions;
import dev.panamax.nn.tensor.Tensor;

/**
 * As {@code torch.nn.MultiMarginLoss(p, margin, weight)}: the multi-class hinge (SVM) loss of
 * scores {@code [N, C]} (or {@code [C]}) against int64 class indices {@code [N]} (or 0-d), per
 * sample {@code sum over i != y of w[y] max(0, margin - x[y] + x[i])^p / C}; p 1 or 2, margin 1,
 * no weights and the mean by default.
 */
public final class MultiMarginLoss extends InputTargetLoss {

    private final int p;
    private final float margin;
    private final Tensor weight;

    /** p 1, margin 1, no weights, the mean: PyTorch's defaults. */
    public MultiMarginLoss() {
        this(1, 1f, null, Reduction.MEAN);
    }

    /**
     * @param p      1 or 2
     * @param weight class weights {@code [C]}, or null
     */
    public MultiMarginLoss(int p, float margin, Tensor weight, Reduction reduction) {
        super(reduction);
        if (p != 1 && p != 2) {
            throw new IllegalArgumentException("MultiMarginLoss supports p = 1 or 2 only, got " + p);
        }
        this.p = p;
        this.margin = MarginRankingLoss.finite("margin", margin);
        this.weight = weight;
    }

    @Override
    Tensor losses(Tensor input, Tensor target, Reduction reduction, Arena arena) {
        return ClassificationMarginFunctions.multiMargin(input, target, p, margin, weight, reduction, arena);
    }

    @Override
    Tensor gradient(Tensor input, Tensor target, Reduction reduction, Tensor gradLoss, Arena arena) {
        return ClassificationMarginFunctions.multiMarginBackward(input, target, p, margin, weight, reduction, gradLoss, arena);
    }
}
