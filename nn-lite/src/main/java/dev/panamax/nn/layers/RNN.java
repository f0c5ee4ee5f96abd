package dev.panamax.nn.layers;

import java.util.random.RandomGenerator;

import dev.panamax.kernels.rnn.RnnCell;

/**
 * Elman RNN, as {@code torch.nn.RNN}: {@code h = tanh(W_ih x + b_ih + W_hh h + b_hh)}, or relu with
 * {@code nonlinearity = "relu"}. Shapes, options and parameter names as PyTorch's.
 */
public final class RNN extends Recurrent {

    /** One tanh layer with PyTorch's defaults. */
    public RNN(long inputSize, long hiddenSize) {
        this(inputSize, hiddenSize, "tanh", RecurrentOptions.defaults());
    }

    /** @param nonlinearity "tanh" or "relu" */
    public RNN(long inputSize, long hiddenSize, String nonlinearity, RecurrentOptions options) {
        this(inputSize, hiddenSize, nonlinearity, options, Init.generator());
    }

    public RNN(long inputSize, long hiddenSize, String nonlinearity, RecurrentOptions options, RandomGenerator rng) {
        super(cell(nonlinearity), inputSize, hiddenSize, options, true, rng);
    }

    private static RnnCell cell(String nonlinearity) {
        return switch (nonlinearity) {
            case "tanh" -> RnnCell.TANH;
            case "relu" -> RnnCell.RELU;
            default -> throw new IllegalArgumentException("nonlinearity must be 'tanh' or 'relu', got '" + nonlinearity + "'");
        };
    }

    @Override
    String extraRepr() {
        return descriptor().cell() == RnnCell.RELU ? ", nonlinearity='relu'" : "";
    }
}
