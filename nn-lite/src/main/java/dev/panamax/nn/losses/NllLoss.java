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
public final class NllLoss implements Loss {

    private final Tensor weight;
    private final long ignoreIndex;
    private final Reduction reduction;
    private Tensor input;
    private Tensor target;

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
        this.weight = weight;
        this.ignoreIndex = ignoreIndex;
        this.reduction = LossChecks.checked(reduction);
    }

    @Override
    public Reduction reduction() {
        return reduction;
    }

    @Override
    public float forward(Tensor input, Tensor target, Arena arena) {
        LossChecks.requireOneNumber(this);
        return forwardTensor(input, target, arena).item();
    }

    @Override
    public Tensor forwardTensor(Tensor input, Tensor target, Arena arena) {
        Tensor loss = Losses.nll(input, target, weight, ignoreIndex, reduction, arena);
        this.input = input;
        this.target = target;
        return loss;
    }

    @Override
    public Tensor backward(Arena arena) {
        LossChecks.requireForward(this, input);
        LossChecks.requireOneNumber(this);
        return backward(Tensor.scalar(arena, 1f), arena);
    }

    @Override
    public Tensor backward(Tensor gradLoss, Arena arena) {
        LossChecks.requireForward(this, input);
        return Losses.nllBackward(input, target, weight, ignoreIndex, reduction, gradLoss, arena);
    }
}
