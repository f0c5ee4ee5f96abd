package dev.panamax.nn.layers;

import java.util.random.RandomGenerator;

import dev.panamax.kernels.rnn.RnnCell;

/**
 * Long short-term memory, as {@code torch.nn.LSTM}: per layer and step, gates
 * {@code [i, f, g, o] = W_ih x + b_ih + W_hh h + b_hh}, {@code c = sigmoid(f) c + sigmoid(i) tanh(g)},
 * {@code h = sigmoid(o) tanh(c)}. Shapes, options and parameter names as PyTorch's; see
 * {@link Recurrent} for forward and backward with initial states and lengths.
 */
public final class LSTM extends Recurrent {

    /** One layer with PyTorch's defaults. */
    public LSTM(long inputSize, long hiddenSize) {
        this(inputSize, hiddenSize, RecurrentOptions.defaults());
    }

    public LSTM(long inputSize, long hiddenSize, RecurrentOptions options) {
        this(inputSize, hiddenSize, options, Init.generator());
    }

    public LSTM(long inputSize, long hiddenSize, RecurrentOptions options, RandomGenerator rng) {
        super(RnnCell.LSTM, inputSize, hiddenSize, options, true, rng);
    }
}
