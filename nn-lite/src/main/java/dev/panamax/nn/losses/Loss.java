package dev.panamax.nn.losses;

import java.lang.foreign.Arena;

import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.tensor.Tensor;

/**
 * A loss, as PyTorch's loss modules, with their {@code reduction}: {@link Reduction#MEAN} (the
 * default) or {@link Reduction#SUM} give one number, which {@link #forward} returns and whose
 * gradient {@link #backward(Arena)} returns (for {@code d loss = 1}), shaped as the input;
 * {@link Reduction#NONE} gives a loss per element (per sample or position for cross-entropy),
 * which {@link #forwardTensor} returns and whose gradient {@link #backward(Tensor, Arena)} takes
 * the upstream gradient of, as autograd would hand it (to weigh samples, or mask some). Both
 * forwards keep their inputs for the next backward. Not for sharing between threads.
 */
public interface Loss {

    /**
     * The loss of {@code input} against {@code target}, reduced to one number.
     *
     * @throws IllegalStateException with {@link Reduction#NONE}, which has one per element
     */
    float forward(Tensor input, Tensor target, Arena arena);

    /**
     * The gradient of the last forward's loss with respect to its input, for {@code d loss = 1}.
     *
     * @throws IllegalStateException before a forward, or with {@link Reduction#NONE}
     */
    Tensor backward(Arena arena);

    /** How this loss reduces its elements' losses. */
    Reduction reduction();

    /**
     * The loss as PyTorch's module returns it: a 0-d tensor for {@link Reduction#MEAN} and
     * {@link Reduction#SUM}, the unreduced losses for {@link Reduction#NONE}.
     */
    Tensor forwardTensor(Tensor input, Tensor target, Arena arena);

    /**
     * The gradient of the last forward's loss with respect to its input, given the upstream
     * gradient of that loss: 0-d, or of {@link #forwardTensor}'s shape for {@link Reduction#NONE}.
     *
     * @throws IllegalStateException before a forward
     */
    Tensor backward(Tensor gradLoss, Arena arena);
}
