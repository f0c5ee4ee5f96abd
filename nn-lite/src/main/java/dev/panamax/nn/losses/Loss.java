package dev.panamax.nn.losses;

import java.lang.foreign.Arena;

import dev.panamax.nn.tensor.Tensor;

/**
 * A loss with mean reduction: {@link #forward} returns the scalar loss and keeps its inputs;
 * {@link #backward} returns {@code d loss / d input} (for {@code d loss = 1}), shaped as the input.
 */
public interface Loss {

    /** The loss of {@code input} against {@code target}. */
    float forward(Tensor input, Tensor target, Arena arena);

    /** The gradient of the last forward's loss with respect to its input. */
    Tensor backward(Arena arena);
}
