package dev.panamax.nn.losses;

import java.lang.foreign.Arena;

import dev.panamax.nn.functional.Losses;
import dev.panamax.nn.tensor.Tensor;

/**
 * Binary cross-entropy on logits (the stable form), as {@code torch.nn.BCEWithLogitsLoss}:
 * logits and float targets in [0, 1] of one shape; {@code posWeight} (the size of the last
 * dimension, or null) weighs the positive term, for unbalanced labels.
 */
public final class BceWithLogitsLoss implements Loss {

    private final Tensor posWeight;
    private Tensor logits;
    private Tensor target;

    public BceWithLogitsLoss() {
        this(null);
    }

    public BceWithLogitsLoss(Tensor posWeight) {
        this.posWeight = posWeight;
    }

    @Override
    public float forward(Tensor logits, Tensor target, Arena arena) {
        this.logits = logits;
        this.target = target;
        return Losses.bceWithLogits(logits, target, posWeight, arena).item();
    }

    @Override
    public Tensor backward(Arena arena) {
        if (logits == null) {
            throw new IllegalStateException("BceWithLogitsLoss: backward called before forward");
        }
        return Losses.bceWithLogitsBackward(logits, target, posWeight, 1f, arena);
    }
}
