package dev.panamax.kernels.rnn;

/**
 * The recurrent cell of an {@link RnnDescriptor}, with its gate count and PyTorch's gate order:
 * the rows of {@code weight_ih} and {@code weight_hh} are the gates stacked in this order.
 */
public enum RnnCell {
    /** Elman RNN, {@code h' = tanh(W_ih x + b_ih + W_hh h + b_hh)} ({@code torch.nn.RNN}). */
    TANH(1),
    /** Elman RNN with {@code relu} in place of tanh ({@code nonlinearity="relu"}). */
    RELU(1),
    /** LSTM, gates i, f, g, o. */
    LSTM(4),
    /** GRU, gates r, z, n; see {@link RnnDescriptor#linearBeforeReset()} for where r applies. */
    GRU(3);

    private final int gates;

    RnnCell(int gates) {
        this.gates = gates;
    }

    /** How many gate blocks of {@code hidden} rows the weights stack: 1, 3 or 4. */
    public int gates() {
        return gates;
    }
}
