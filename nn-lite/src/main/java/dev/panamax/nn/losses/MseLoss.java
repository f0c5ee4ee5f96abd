package dev.panamax.nn.losses;

import java.lang.foreign.Arena;

import dev.panamax.nn.functional.Losses;
import dev.panamax.nn.tensor.Tensor;

/** The mean squared error between an input and a target of one shape, as {@code torch.nn.MSELoss}. */
public final class MseLoss implements Loss {

    private Tensor input;
    private Tensor target;

    @Override
    public float forward(Tensor input, Tensor target, Arena arena) {
        this.input = input;
        this.target = target;
        return Losses.mse(input, target, arena).item();
    }

    @Override
    public Tensor backward(Arena arena) {
        if (input == null) {
            throw new IllegalStateException("MseLoss: backward called before forward");
        }
        return Losses.mseBackward(input, target, 1f, arena)[0];
    }
}
