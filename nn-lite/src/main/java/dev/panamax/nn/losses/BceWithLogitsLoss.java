package dev.panamax.nn.losses;

import java.lang.foreign.Arena;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.functional.Losses;
import dev.panamax.nn.tensor.Tensor;

/**
 * Binary cross-entropy on logits (the stable form), as {@code torch.nn.BCEWithLogitsLoss}:
 * logits and float targets in [0, 1] of one shape; {@code posWeight} (the size of the last
 * dimension, or null) weighs the positive term, for unbalanced labels. The mean by default, or
 * the sum, or ({@link Reduction#NONE}) each element's loss.
 */
public final class BceWithLogitsLoss implements Loss {

    private final Tensor posWeight;
    private final Reduction reduction;
    private Tensor logits;
    private Tensor target;

    /** The mean, no pos_weight. */
    public BceWithLogitsLoss() {
        this(null);
    }

    /** The mean. */
    public BceWithLogitsLoss(Tensor posWeight) {
        this(posWeight, Reduction.MEAN);
    }

    public BceWithLogitsLoss(Tensor posWeight, Reduction reduction) {
        this.posWeight = posWeight;
        this.reduction = LossChecks.checked(reduction);
    }

    @Override
    public Reduction reduction() {
        return reduction;
    }

    @Override
    public float forward(Tensor logits, Tensor target, Arena arena) {
        LossChecks.requireOneNumber(this);
        return forwardTensor(logits, target, arena).item();
    }

    @Override
    public Tensor forwardTensor(Tensor logits, Tensor target, Arena arena) {
        Tensor loss = Losses.bceWithLogits(logits, target, posWeight, reduction, arena);
        this.logits = logits;
        this.target = target;
        return loss;
    }

    @Override
    public Tensor backward(Arena arena) {
        LossChecks.requireForward(this, logits);
        LossChecks.requireOneNumber(this);
        return reduction == Reduction.MEAN ? Losses.bceWithLogitsBackward(logits, target, posWeight, 1f, arena)
                : backward(Tensor.scalar(arena, 1f), arena);
    }

    @Override
    public Tensor backward(Tensor gradLoss, Arena arena) {
        LossChecks.requireForward(this, logits);
        return Losses.bceWithLogitsBackward(logits, target, posWeight, reduction, gradLoss, arena);
    }
}
