package dev.panamax.nn.losses;

import java.lang.foreign.Arena;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.tensor.Tensor;

/**
 * A loss of three tensors (two inputs and a target, a triplet, or an input, a target and a
 * variance): PyTorch's margin losses of metric learning, {@link MarginRankingLoss},
 * {@link CosineEmbeddingLoss} and {@link TripletMarginLoss}, and {@link GaussianNllLoss}.
 * {@link #forward} returns the loss as PyTorch's module does (0-d for MEAN and SUM, one per row for
 * NONE) and keeps its inputs; {@link #backward(Tensor, Arena)} returns the gradients of all three
 * (null for a target, which has none). Not for sharing between threads.
 */
public abstract sealed class ThreeInputLoss permits MarginRankingLoss, CosineEmbeddingLoss, TripletMarginLoss,
        GaussianNllLoss {

    private final Reduction reduction;
    private Tensor first;
    private Tensor second;
    private Tensor third;

    ThreeInputLoss(Reduction reduction) {
        this.reduction = LossChecks.checked(reduction);
    }

    abstract Tensor losses(Tensor first, Tensor second, Tensor third, Reduction reduction, Arena arena);

    abstract Tensor[] gradients(Tensor first, Tensor second, Tensor third, Reduction reduction, Tensor gradLoss, Arena arena);

    /** How the per-row losses are reduced. */
    public final Reduction reduction() {
        return reduction;
    }

    /** The loss: 0-d for {@link Reduction#MEAN} and {@link Reduction#SUM}, one per row or element for NONE. */
    public final Tensor forward(Tensor first, Tensor second, Tensor third, Arena arena) {
        Tensor loss = losses(first, second, third, reduction, arena);
        this.first = first;
        this.second = second;
        this.third = third;
        return loss;
    }

    /** The gradients of the last forward's inputs for {@code d loss = 1} (MEAN and SUM only). */
    public final Tensor[] backward(Arena arena) {
        if (reduction == Reduction.NONE) {
            throw new IllegalStateException(getClass().getSimpleName() + " with reduction \"none\" has a loss per row: call "
                    + "backward(gradLoss, arena) with their upstream gradients");
        }
        return backward(Tensor.scalar(arena, 1f), arena);
    }

    /**
     * The gradients of the last forward's three tensors, in order, given the upstream gradient of
     * its loss (0-d, or of the loss's shape for NONE).
     */
    public final Tensor[] backward(Tensor gradLoss, Arena arena) {
        if (first == null) {
            throw new IllegalStateException(getClass().getSimpleName() + ": backward called before forward");
        }
        return gradients(first, second, third, reduction, gradLoss, arena);
    }
}
