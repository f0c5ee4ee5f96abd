package dev.panamax.nn.losses;

import java.lang.foreign.Arena;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.functional.MarginLossFunctions;
import dev.panamax.nn.tensor.Tensor;

/**
 * As {@code torch.nn.CosineEmbeddingLoss(margin)}: for rows x1, x2 {@code [N, D]} (or one pair
 * {@code [D]}) and labels y {@code [N]} (float32 or int64), {@code 1 - cos(x1, x2)} where y is 1
 * (similar pairs) and {@code max(0, cos(x1, x2) - margin)} where y is -1; the mean by default.
 * {@code forward(x1, x2, y, arena)}; backward gives {@code [d x1, d x2, null]}.
 */
public final class CosineEmbeddingLoss extends ThreeInputLoss {

    private final float margin;

    /** Margin 0, the mean: PyTorch's defaults. */
    public CosineEmbeddingLoss() {
        this(0f, Reduction.MEAN);
    }

    /** @param margin in [-1, 1], as PyTorch suggests (0 to 0.5) */
    public CosineEmbeddingLoss(float margin, Reduction reduction) {
        super(reduction);
        this.margin = MarginRankingLoss.finite("margin", margin);
    }

    @Override
    Tensor losses(Tensor x1, Tensor x2, Tensor y, Reduction reduction, Arena arena) {
        return MarginLossFunctions.cosineEmbedding(x1, x2, y, margin, reduction, arena);
    }

    @Override
    Tensor[] gradients(Tensor x1, Tensor x2, Tensor y, Reduction reduction, Tensor gradLoss, Arena arena) {
        Tensor[] g = MarginLossFunctions.cosineEmbeddingBackward(x1, x2, y, margin, reduction, gradLoss, arena);
        return new Tensor[] {g[0], g[1], null};
    }
}
