package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.random.RandomGenerator;

import dev.panamax.nn.tensor.Tensor;

/**
 * One GRU step, as {@code torch.nn.GRUCell}: {@code r, z = sigmoid(W_i{r,z} x + b_i{r,z} + W_h{r,z} h + b_h{r,z})},
 * {@code n = tanh(W_in x + b_in + r (W_hn h + b_hn))}, {@code h' = (1 - z) n + z h}. See
 * {@link RecurrentCell} for shapes, names and backpropagation through a loop of steps.
 */
public final class GRUCell extends RecurrentCell {

    /** With biases, as PyTorch's default. */
    public GRUCell(long inputSize, long hiddenSize) {
        this(inputSize, hiddenSize, true);
    }

    public GRUCell(long inputSize, long hiddenSize, boolean bias) {
        this(inputSize, hiddenSize, bias, Init.generator());
    }

    public GRUCell(long inputSize, long hiddenSize, boolean bias, RandomGenerator rng) {
        super(new GRU(inputSize, hiddenSize, RecurrentOptions.defaults().bias(bias), true, rng));
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
