package dev.panamax.nn.layers;

import java.util.random.RandomGenerator;

import dev.panamax.kernels.rnn.RnnCell;

/**
 * Gated recurrent unit, as {@code torch.nn.GRU}: gates r, z, n with
 * {@code h = (1 - z) n + z h_prev}. PyTorch's formulation applies the reset gate after the
 * recurrent product, {@code n = tanh(W_in x + b_in + r (W_hn h + b_hn))}; with
 * {@code linearBeforeReset = false} it applies before it, as the original GRU and ONNX's default:
 * {@code n = tanh(W_in x + b_in + W_hn (r h) + b_hn)}. Same parameters either way.
 */
public final class GRU extends Recurrent {

    /** One layer with PyTorch's defaults. */
    public GRU(long inputSize, long hiddenSize) {
        this(inputSize, hiddenSize, RecurrentOptions.defaults(), true);
    }

    public GRU(long inputSize, long hiddenSize, RecurrentOptions options) {
        this(inputSize, hiddenSize, options, true);
    }

    /** @param linearBeforeReset true for PyTorch's GRU, false for the reset gate before the recurrent product */
    public GRU(long inputSize, long hiddenSize, RecurrentOptions options, boolean linearBeforeReset) {
        this(inputSize, hiddenSize, options, linearBeforeReset, Init.generator());
    }

    public GRU(long inputSize, long hiddenSize, RecurrentOptions options, boolean linearBeforeReset,
               RandomGenerator rng) {
        super(RnnCell.GRU, inputSize, hiddenSize, options, linearBeforeReset, rng);
    }

    @Override
    String extraRepr() {
        return descriptor().linearBeforeReset() ? "" : ", linear_before_reset=False";
    }
}
