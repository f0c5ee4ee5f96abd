package dev.panamax.nn.losses;

import java.lang.foreign.Arena;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.functional.MarginLossFunctions;
import dev.panamax.nn.tensor.Tensor;

/**
 * As {@code torch.nn.TripletMarginLoss(margin, p, eps, swap)}: for anchors, positives and negatives
 * {@code [N, D]} (or one triplet {@code [D]}), {@code max(0, margin + d(a, p) - d(a, n))} with
 * {@code d(u, v) = |u - v + eps|_p}; with {@code swap} the negative's distance is the smaller of
 * {@code d(a, n)} and {@code d(p, n)}. The mean by default. {@code forward(anchor, positive, negative,
 * arena)}; backward gives the gradients of all three.
 */
public final class TripletMarginLoss extends ThreeInputLoss {

    private final float margin;
    private final double p;
    private final float eps;
    private final boolean swap;

    /** Margin 1, p 2, eps 1e-6, no swap, the mean: PyTorch's defaults. */
    public TripletMarginLoss() {
        this(1f, 2, 1e-6f, false, Reduction.MEAN);
    }

    /** @param p the norm degree of the distance, finite and at least 1 */
    public TripletMarginLoss(float margin, double p, float eps, boolean swap, Reduction reduction) {
        super(reduction);
        if (!(p >= 1) || Double.isInfinite(p)) {
            throw new IllegalArgumentException("p must be finite and >= 1, got " + p);
        }
        this.margin = MarginRankingLoss.finite("margin", margin);
        this.p = p;
        this.eps = MarginRankingLoss.finite("eps", eps);
        this.swap = swap;
    }

    @Override
    Tensor losses(Tensor anchor, Tensor positive, Tensor negative, Reduction reduction, Arena arena) {
        return MarginLossFunctions.tripletMargin(anchor, positive, negative, margin, p, eps, swap, reduction, arena);
    }

    @Override
    Tensor[] gradients(Tensor anchor, Tensor positive, Tensor negative, Reduction reduction, Tensor gradLoss, Arena arena) {
        return MarginLossFunctions.tripletMarginBackward(anchor, positive, negative, margin, p, eps, swap, reduction, gradLoss,
                arena);
    }
}
