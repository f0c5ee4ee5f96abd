package dev.panamax.nn.losses;

import java.lang.foreign.Arena;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.functional.Losses;
import dev.panamax.nn.tensor.Tensor;

/**
 * The squared error between an input and a target of one shape, as {@code torch.nn.MSELoss}:
 * its mean by default, or the sum, or ({@link Reduction#NONE}) each element's.
 */
public final class MseLoss implements Loss {

    private final Reduction reduction;
    private Tensor input;
    private Tensor target;

    /** The mean squared error. */
    public MseLoss() {
        this(Reduction.MEAN);
    }

    public MseLoss(Reduction reduction) {
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
        Tensor loss = Losses.mse(input, target, reduction, arena);
        this.input = input;
        this.target = target;
        return loss;
    }

    @Override
    public Tensor backward(Arena arena) {
        LossChecks.requireForward(this, input);
        LossChecks.requireOneNumber(this);
        return reduction == Reduction.MEAN ? Losses.mseBackward(input, target, 1f, arena)[0]
                : backward(Tensor.scalar(arena, 1f), arena);
    }

    @Override
    public Tensor backward(Tensor gradLoss, Arena arena) {
        LossChecks.requireForward(this, input);
        return Losses.mseBackward(input, target, reduction, gradLoss, arena)[0];
    }
}
