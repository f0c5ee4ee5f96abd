package dev.panamax.nn.layers;

/**
 * The options of {@link RNN}, {@link LSTM} and {@link GRU}, named as PyTorch's keyword arguments;
 * {@link #defaults()} are PyTorch's defaults, and each {@code with}-style method returns a copy.
 *
 * @param layers             {@code num_layers}: stacked layers (1)
 * @param bias               {@code bias}: whether {@code bias_ih} and {@code bias_hh} exist (true)
 * @param batchFirst         {@code batch_first}: input and output {@code [N, T, *]} instead of {@code [T, N, *]} (false)
 * @param dropout            {@code dropout}: dropout on the outputs of every layer but the last, in training (0)
 * @param bidirectional      {@code bidirectional} (false)
 * @param learnInitialState  a trained initial state {@code h_0} (and LSTM's {@code c_0}), {@code [L D, H]}, used
 *                           for every sequence when forward gets no initial state (false; not a PyTorch option)
 */
public record RecurrentOptions(int layers, boolean bias, boolean batchFirst, float dropout, boolean bidirectional,
                               boolean learnInitialState) {

    /** Checks the values. */
    public RecurrentOptions {
        if (layers < 1) {
            throw new IllegalArgumentException("num_layers must be >= 1, got " + layers);
        }
        if (!(dropout >= 0 && dropout <= 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1], got " + dropout);
        }
    }

    /** One unidirectional layer with biases, sequence-first, no dropout, zero initial state. */
    public static RecurrentOptions defaults() {
        return new RecurrentOptions(1, true, false, 0f, false, false);
    }

    public RecurrentOptions layers(int numLayers) {
        return new RecurrentOptions(numLayers, bias, batchFirst, dropout, bidirectional, learnInitialState);
    }

    public RecurrentOptions bias(boolean on) {
        return new RecurrentOptions(layers, on, batchFirst, dropout, bidirectional, learnInitialState);
    }

    public RecurrentOptions batchFirst(boolean on) {
        return new RecurrentOptions(layers, bias, on, dropout, bidirectional, learnInitialState);
    }

    public RecurrentOptions dropout(float p) {
        return new RecurrentOptions(layers, bias, batchFirst, p, bidirectional, learnInitialState);
    }

    public RecurrentOptions bidirectional(boolean on) {
        return new RecurrentOptions(layers, bias, batchFirst, dropout, on, learnInitialState);
    }

    public RecurrentOptions learnInitialState(boolean on) {
        return new RecurrentOptions(layers, bias, batchFirst, dropout, bidirectional, on);
    }
}
