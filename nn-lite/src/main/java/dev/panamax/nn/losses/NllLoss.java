package dev.panamax.nn.losses;

import java.lang.foreign.Arena;

import dev.panamax.kernels.loss.CrossEntropy;
import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.functional.Losses;
import dev.panamax.nn.tensor.Tensor;

/**
 * Negative log-likelihood of log-probabilities (a log-softmax's output) against class indices,
 * as {@code torch.nn.NLLLoss}: cross-entropy's shapes ({@code [N, C]}, {@code [C]},
 * {@code [N, C, d1, ...]} against int64 {@code [N]}, {@code []}, {@code [N, d1, ...]}), optional
 * class weights {@code [C]} (the mean then divides by the targets' summed weights) and
 * {@code ignore_index}; the mean by default, or the sum, or each position's loss.
 */
public final class NllLoss extends InputTargetLoss {

    private final Tensor weight;
    private final long ignoreIndex;

    /** Unweighted, ignore_index -100, the mean: PyTorch's defaults. */
    public NllLoss() {
        this(null, CrossEntropy.IGNORE_INDEX, Reduction.MEAN);
    }

    /**
     * @param weight      class weights {@code [C]}, or null
     * @param ignoreIndex the target value that marks a position to ignore
     * @param reduction   mean, sum or none
     */
    public NllLoss(Tensor weight, long ignoreIndex, Reduction reduction) {
        super(reduction);
        this.weight = weight;
        this.ignoreIndex = ignoreIndex;
    }

    @Override
    Tensor losses(Tensor input, Tensor target, Reduction reduction, Arena arena) {
        return Losses.nll(input, target, weight, ignoreIndex, reduction, arena);
    }

    @Override
    Tensor gradient(Tensor input, Tensor target, Reduction reduction, Tensor gradLoss, Arena arena) {
        return Losses.nllBackward(input, target, weight, ignoreIndex, reduction, gradLoss, arena);
    }
}
