package dev.panamax.nn.losses;

import java.lang.foreign.Arena;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.functional.MarginLossFunctions;
import dev.panamax.nn.tensor.Tensor;

/**
 * As {@code torch.nn.MarginRankingLoss(margin)}: {@code max(0, -y (x1 - x2) + margin)} for inputs
 * x1, x2 and a target y of 1 (x1 should rank higher) or -1, all of one shape; the mean by default.
 * {@code forward(x1, x2, y, arena)}; backward gives {@code [d x1, d x2, null]}.
 */
public final class MarginRankingLoss extends ThreeInputLoss {

    private final float margin;

    /** Margin 0, the mean: PyTorch's defaults. */
    public MarginRankingLoss() {
        this(0f, Reduction.MEAN);
    }

    public MarginRankingLoss(float margin, Reduction reduction) {
        super(reduction);
        this.margin = finite("margin", margin);
    }

    @Override
    Tensor losses(Tensor x1, Tensor x2, Tensor y, Reduction reduction, Arena arena) {
        return MarginLossFunctions.marginRanking(x1, x2, y, margin, reduction, arena);
    }

    @Override
    Tensor[] gradients(Tensor x1, Tensor x2, Tensor y, Reduction reduction, Tensor gradLoss, Arena arena) {
        Tensor[] g = MarginLossFunctions.marginRankingBackward(x1, x2, y, margin, reduction, gradLoss, arena);
        return new Tensor[] {g[0], g[1], null};
    }

    static float finite(String name, float value) {
        if (!Float.isFinite(value)) {
            throw new IllegalArgumentException(name + " must be finite, got " + value);
        }
        return value;
    }
}
