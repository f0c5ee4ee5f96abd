package dev.panamax.nn.losses;

import java.lang.foreign.Arena;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.functional.ClassificationMarginFunctions;
import dev.panamax.nn.tensor.Tensor;

/**
 * As {@code torch.nn.HingeEmbeddingLoss(margin)}: for an input of distances (an L1 distance
 * between pairs, say), {@code x} where the pair is similar ({@code y = 1}) and
 * {@code max(0, margin - x)} where it is not ({@code y = -1}); labels float32 or int64, of the
 * input's shape; margin 1 and the mean by default.
 */
public final class HingeEmbeddingLoss extends InputTargetLoss {

    private final float margin;

    /** Margin 1, the mean: PyTorch's defaults. */
    public HingeEmbeddingLoss() {
        this(1f, Reduction.MEAN);
    }

    public HingeEmbeddingLoss(float margin, Reduction reduction) {
        super(reduction);
        this.margin = MarginRankingLoss.finite("margin", margin);
    }

    @Override
    Tensor losses(Tensor input, Tensor target, Reduction reduction, Arena arena) {
        return ClassificationMarginFunctions.hingeEmbedding(input, target, margin, reduction, arena);
    }

    @Override
    Tensor gradient(Tensor input, Tensor target, Reduction reduction, Tensor gradLoss, Arena arena) {
        return ClassificationMarginFunctions.hingeEmbeddingBackward(input, target, margin, reduction, gradLoss, arena);
    }
}
