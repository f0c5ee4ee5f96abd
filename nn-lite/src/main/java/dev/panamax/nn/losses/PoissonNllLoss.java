package dev.panamax.nn.losses;

import java.lang.foreign.Arena;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.functional.LikelihoodLossFunctions;
import dev.panamax.nn.tensor.Tensor;

/**
 * As {@code torch.nn.PoissonNLLLoss(log_input, full, eps)}: the negative log-likelihood of counts
 * (the target) under Poisson rates (the input): {@code exp(x) - t x} with {@code logInput} (the
 * input a log-rate, as a linear layer gives it), {@code x - t log(x + eps)} without; {@code full}
 * adds Stirling's term for {@code log(t!)} where {@code t > 1}. Log input, not full, eps 1e-8 and
 * the mean by default.
 */
public final class PoissonNllLoss extends InputTargetLoss {

    private final boolean logInput;
    private final boolean full;
    private final float eps;

    /** Log input, not full, eps 1e-8, the mean: PyTorch's defaults. */
    public PoissonNllLoss() {
        this(true, false, 1e-8f, Reduction.MEAN);
    }

    public PoissonNllLoss(boolean logInput, boolean full, float eps, Reduction reduction) {
        super(reduction);
        this.logInput = logInput;
        this.full = full;
        this.eps = LossChecks.width("eps", eps, true);
    }

    @Override
    Tensor losses(Tensor input, Tensor target, Reduction reduction, Arena arena) {
        return LikelihoodLossFunctions.poissonNll(input, target, logInput, full, eps, reduction, arena);
    }

    @Override
    Tensor gradient(Tensor input, Tensor target, Reduction reduction, Tensor gradLoss, Arena arena) {
        return LikelihoodLossFunctions.poissonNllBackward(input, target, logInput, eps, reduction, gradLoss, arena);
    }
}
