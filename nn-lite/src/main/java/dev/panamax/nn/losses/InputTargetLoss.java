package dev.panamax.nn.losses;

import java.lang.foreign.Arena;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.tensor.Tensor;

/**
 * A loss of an input against a target whose gradient is the input's, reduced by its
 * {@link Reduction}: the state and call order every such {@link Loss} shares (elementwise:
 * {@link MseLoss}, {@link L1Loss}, {@link SmoothL1Loss}, {@link HuberLoss}, {@link BceLoss},
 * {@link KlDivLoss}, {@link SoftMarginLoss}, {@link HingeEmbeddingLoss}, {@link PoissonNllLoss};
 * per sample: {@link NllLoss}, {@link MultiMarginLoss}, {@link MultiLabelSoftMarginLoss}). Each
 * names its functional form and its gradient.
 */
abstract class InputTargetLoss implements Loss {

    private final Reduction reduction;
    private Tensor input;
    private Tensor target;

    InputTargetLoss(Reduction reduction) {
        this.reduction = LossChecks.checked(reduction);
    }

    /** The loss, reduced (0-d) or not (the input's shape). */
    abstract Tensor losses(Tensor input, Tensor target, Reduction reduction, Arena arena);

    /** {@code d loss / d input} given the upstream gradient of {@link #losses}' result. */
    abstract Tensor gradient(Tensor input, Tensor target, Reduction reduction, Tensor gradLoss, Arena arena);

    @Override
    public final Reduction reduction() {
        return reduction;
    }

    @Override
    public final float forward(Tensor input, Tensor target, Arena arena) {
        LossChecks.requireOneNumber(this);
        return forwardTensor(input, target, arena).item();
    }

    @Override
    public final Tensor forwardTensor(Tensor input, Tensor target, Arena arena) {
        Tensor loss = losses(input, target, reduction, arena);
        this.input = input;
        this.target = target;
        return loss;
    }

    @Override
    public final Tensor backward(Arena arena) {
        LossChecks.requireForward(this, input);
        LossChecks.requireOneNumber(this);
        return backward(Tensor.scalar(arena, 1f), arena);
    }

    @Override
    public final Tensor backward(Tensor gradLoss, Arena arena) {
        LossChecks.requireForward(this, input);
        return gradient(input, target, reduction, gradLoss, arena);
    }
}
