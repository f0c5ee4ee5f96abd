package dev.panamax.nn.losses;

import java.lang.foreign.Arena;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.functional.Losses;
import dev.panamax.nn.tensor.Tensor;

/**
 * Binary cross-entropy on probabilities, as {@code torch.nn.BCELoss}: an input in [0, 1] (a
 * sigmoid's output) and a float target of its shape; {@code weight} (or null) weighs each element's
 * loss and broadcasts to the input's shape (a weight per column is {@code [C]}). The logarithms are
 * clamped at -100, as PyTorch's. The mean by default, or the sum, or each element's.
 * {@link BceWithLogitsLoss} on the sigmoid's input is the stabler form and the one to train with;
 * this one is for ported models that end in a sigmoid.
 */
public final class BceLoss extends InputTargetLoss {

    private final Tensor weight;

    /** The mean, unweighted: PyTorch's defaults. */
    public BceLoss() {
        this(null, Reduction.MEAN);
    }

    /**
     * @param weight each element's weight, broadcast to the input's shape, or null
     */
    public BceLoss(Tensor weight, Reduction reduction) {
        super(reduction);
        this.weight = weight;
    }

    @Override
    Tensor losses(Tensor input, Tensor target, Reduction reduction, Arena arena) {
        return Losses.binaryCrossEntropy(input, target, weight, reduction, arena);
    }

    @Override
    Tensor gradient(Tensor input, Tensor target, Reduction reduction, Tensor gradLoss, Arena arena) {
        return Losses.binaryCrossEntropyBackward(input, target, weight, reduction, gradLoss, arena);
    }
}
