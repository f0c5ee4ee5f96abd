package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.random.RandomGenerator;

import dev.panamax.nn.tensor.Tensor;

/**
 * One Elman RNN step, as {@code torch.nn.RNNCell}: {@code h' = tanh(W_ih x + b_ih + W_hh h + b_hh)},
 * or relu with {@code nonlinearity = "relu"}. See {@link RecurrentCell} for shapes, names and
 * backpropagation through a loop of steps.
 */
public final class RNNCell extends RecurrentCell {

    /** A tanh cell with biases, as PyTorch's default. */
    public RNNCell(long inputSize, long hiddenSize) {
        this(inputSize, hiddenSize, true, "tanh");
    }

    /** @param nonlinearity "tanh" or "relu" */
    public RNNCell(long inputSize, long hiddenSize, boolean bias, String nonlinearity) {
        this(inputSize, hiddenSize, bias, nonlinearity, Init.generator());
    }

    public RNNCell(long inputSize, long hiddenSize, boolean bias, String nonlinearity, RandomGenerator rng) {
        super(new RNN(inputSize, hiddenSize, nonlinearity, RecurrentOptions.defaults().bias(bias), rng));
    }

    /** One step from {@code h} ({@code [N, H]}, {@code [H]} for an unbatched input, or null for zeros). */
    public Step forward(Tensor x, Tensor h, Arena arena) {
        return run(x, h, null, arena);
    }

    /**
     * The backward of {@code step}: accumulates the weights' gradients; returns the gradients of its
     * input and of the {@code h} it was given.
     *
     * @param gh the gradient of the step's new h, or null for zero
     */
    public Recurrent.Gradients backward(Step step, Tensor gh, Arena arena) {
        return runBackward(step, gh, null, arena);
    }
}
