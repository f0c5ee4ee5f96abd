package dev.panamax.nn.losses;

import java.lang.foreign.Arena;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.functional.LikelihoodLossFunctions;
import dev.panamax.nn.tensor.Tensor;

/**
 * As {@code torch.nn.GaussianNLLLoss(full, eps)}: the negative log-likelihood of targets under
 * normal distributions whose means (the input) and variances a network predicts,
 * {@code (log max(v, eps) + (x - t)^2 / max(v, eps)) / 2} (plus {@code log(2 pi) / 2} with
 * {@code full}). {@code forward(input, target, var, arena)}; the variance has the input's shape,
 * or one per row (the input's shape with a last dimension of 1, or without it). Not full, eps 1e-6
 * and the mean by default. Backward gives the gradients of the input, the target and the variance
 * (clamped variances get the formula's gradient at eps, as in PyTorch, whose clamp is under
 * {@code no_grad}).
 */
public final class GaussianNllLoss extends ThreeInputLoss {

    private final boolean full;
    private final float eps;

    /** Not full, eps 1e-6, the mean: PyTorch's defaults. */
    public GaussianNllLoss() {
        this(false, 1e-6f, Reduction.MEAN);
    }

    public GaussianNllLoss(boolean full, float eps, Reduction reduction) {
        super(reduction);
        this.full = full;
        this.eps = LossChecks.width("eps", eps, false);
    }

    @Override
    Tensor losses(Tensor input, Tensor target, Tensor var, Reduction reduction, Arena arena) {
        return LikelihoodLossFunctions.gaussianNll(input, target, var, full, eps, reduction, arena);
    }

    @Override
    Tensor[] gradients(Tensor input, Tensor target, Tensor var, Reduction reduction, Tensor gradLoss, Arena arena) {
        return LikelihoodLossFunctions.gaussianNllBackward(input, target, var, eps, reduction, gradLoss, arena);
    }
}
