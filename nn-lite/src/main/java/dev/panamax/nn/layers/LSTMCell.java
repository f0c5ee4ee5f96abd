package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.random.RandomGenerator;

import dev.panamax.nn.tensor.Tensor;

/**
 * One LSTM step, as {@code torch.nn.LSTMCell}: gates {@code [i, f, g, o] = W_ih x + b_ih + W_hh h + b_hh},
 * {@code c' = sigmoid(f) c + sigmoid(i) tanh(g)}, {@code h' = sigmoid(o) tanh(c')}. See
 * {@link RecurrentCell} for shapes, names and backpropagation through a loop of steps:
 *
 * <pre>{@code
 * RecurrentCell.Step s = null;
 * for (int t = 0; t < T; t++) {
 *     s = steps[t] = cell.forward(x.select(0, t), s == null ? null : s.h(), s == null ? null : s.c(), arena);
 * }
 * // backward: for t = T-1 .. 0, cell.backward(steps[t], dh, dc, arena), dh and dc then its h and c gradients
 * }</pre>
 */
public final class LSTMCell extends RecurrentCell {

    /** With biases, as PyTorch's default. */
    public LSTMCell(long inputSize, long hiddenSize) {
        this(inputSize, hiddenSize, true);
    }

    public LSTMCell(long inputSize, long hiddenSize, boolean bias) {
        this(inputSize, hiddenSize, bias, Init.generator());
    }

    public LSTMCell(long inputSize, long hiddenSize, boolean bias, RandomGenerator rng) {
        super(new LSTM(inputSize, hiddenSize, RecurrentOptions.defaults().bias(bias), rng));
    }

    /**
     * One step from {@code (h, c)}, each {@code [N, H]} ({@code [H]} for an unbatched {@code [I]}
     * input) or null for zeros: the new {@code (h, c)} in the returned step.
     */
    public Step forward(Tensor x, Tensor h, Tensor c, Arena arena) {
        return run(x, h, c, arena);
    }

    /**
     * The backward of {@code step}: accumulates the weights' gradients; returns the gradients of its
     * input and of the {@code h} and {@code c} it was given.
     *
     * @param gh the gradient of the step's new h, or null for zero
     * @param gc the gradient of its new c, or null for zero
     */
    public Recurrent.Gradients backward(Step step, Tensor gh, Tensor gc, Arena arena) {
        return runBackward(step, gh, gc, arena);
    }
}
