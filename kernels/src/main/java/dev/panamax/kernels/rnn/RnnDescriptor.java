package dev.panamax.kernels.rnn;

/**
 * What a recurrent network is, independent of the data it runs on: cell, sizes, layers,
 * directions, and the flat layout of its weights.
 *
 * <p><b>Weights</b> live in one flat float32 buffer, as cuDNN keeps them. For every layer
 * {@code l} and direction {@code d} (0 forward, 1 reverse), in that order, four row-major tensors
 * follow each other: {@code weight_ih [G H, I_l]}, {@code weight_hh [G H, H]},
 * {@code bias_ih [G H]}, {@code bias_hh [G H]}, with {@code G} the cell's gate count,
 * {@code I_0} the input size and {@code I_l = D H} above. {@link #weightOffset} says where each
 * starts; a layer that keeps PyTorch's separate parameters makes them views of such a buffer.
 *
 * @param cell              the cell
 * @param inputSize         features of the input, {@code I}
 * @param hiddenSize        features of the state, {@code H}
 * @param layers            stacked layers (at most 2^28); layer {@code l > 0} reads the output of layer {@code l - 1}
 * @param bidirectional     whether every layer also runs from the last step to the first
 * @param linearBeforeReset GRU only: true applies the reset gate after the recurrent product,
 *                          {@code n = tanh(W_in x + b_in + r (W_hn h + b_hn))} (PyTorch, cuDNN);
 *                          false before it, {@code n = tanh(W_in x + b_in + W_hn (r h) + b_hn)}
 *                          (the original GRU, ONNX's default). Ignored for other cells.
 */
public record RnnDescriptor(RnnCell cell, int inputSize, int hiddenSize, int layers, boolean bidirectional,
                            boolean linearBeforeReset) {

    /** The four tensors of one layer and direction, in their order in the flat buffer. */
    public enum Weight {
        WEIGHT_IH, WEIGHT_HH, BIAS_IH, BIAS_HH
    }

    /**
     * {@link Weight#values()} once: each call of {@code values()} copies the array, and the
     * offsets are asked for at every forward and backward call (2.7 KB a step of a two-layer
     * character LSTM language model).
     */
    private static final Weight[] WEIGHTS = Weight.values();

    /** Checks the sizes. */
    public RnnDescriptor {
        if (cell == null) {
            throw new IllegalArgumentException("cell must not be null");
        }
        if (inputSize < 1 || hiddenSize < 1 || layers < 1) {
            throw new IllegalArgumentException("inputSize, hiddenSize and layers must be >= 1, got " + inputSize + ", "
                    + hiddenSize + ", " + layers);
        }
        if ((long) cell.gates() * hiddenSize * Math.max(inputSize, 2L * hiddenSize) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("weights of " + cell.gates() * (long) hiddenSize + " x "
                    + Math.max(inputSize, 2L * hiddenSize) + " are too large");
        }
        // every later layer's block is at most 3 G H max(I, 2H) < 2^33 floats: 2^28 layers stay below 2^62
        if (layers > 1 << 28) {
            throw new IllegalArgumentException("layers must be at most " + (1 << 28) + ", got " + layers);
        }
    }

    /** A descriptor with PyTorch's GRU formulation ({@code linearBeforeReset} true). */
    public static RnnDescriptor of(RnnCell cell, int inputSize, int hiddenSize, int layers, boolean bidirectional) {
        return new RnnDescriptor(cell, inputSize, hiddenSize, layers, bidirectional, true);
    }

    /** 2 when bidirectional, else 1. */
    public int directions() {
        return bidirectional ? 2 : 1;
    }

    /** Gate count G. */
    public int gates() {
        return cell.gates();
    }

    /** Rows of the stacked gate weights, {@code G H}. */
    public int gateWidth() {
        return cell.gates() * hiddenSize;
    }

    /** Features of the output of every layer, {@code D H}. */
    public int outputSize() {
        return directions() * hiddenSize;
    }

    /** Features that layer {@code l} reads. */
    public int layerInputSize(int layer) {
        return layer == 0 ? inputSize : outputSize();
    }

    /** Floats in the flat weight buffer. */
    public long weightCount() {
        return weightOffset(layers, 0, Weight.WEIGHT_IH);
    }

    /** Elements of one weight tensor. */
    public long weightSize(int layer, Weight w) {
        long g = gateWidth();
        return switch (w) {
            case WEIGHT_IH -> g * layerInputSize(layer);
            case WEIGHT_HH -> g * hiddenSize;
            case BIAS_IH, BIAS_HH -> g;
        };
    }

    /** Where a weight tensor starts in the flat buffer, in floats. */
    public long weightOffset(int layer, int direction, Weight w) {
        // layer 0 reads the input, every later layer the same D H features: one closed form, so
        // that a descriptor of many layers costs nothing to ask
        long at = layer == 0 ? 0 : directions() * (blockSize(0) + (layer - 1L) * blockSize(1));
        at += direction * blockSize(layer);
        for (Weight before : WEIGHTS) {
            if (before == w) {
                break;
            }
            at += weightSize(layer, before);
        }
        return at;
    }

    /** PyTorch's {@code state_dict} name of a weight tensor ({@code "weight_ih_l0_reverse"}). */
    public static String torchName(int layer, int direction, Weight w) {
        return w.name().toLowerCase(java.util.Locale.ROOT) + "_l" + layer + (direction == 1 ? "_reverse" : "");
    }

    /** Whether GRU applies its reset gate after the recurrent product (always false for other cells). */
    boolean resetAfterProduct() {
        return cell == RnnCell.GRU && linearBeforeReset;
    }

    /** Whether GRU applies its reset gate before the recurrent product (two products per step). */
    boolean resetBeforeProduct() {
        return cell == RnnCell.GRU && !linearBeforeReset;
    }

    private long blockSize(int layer) {
        long s = 0;
        for (Weight w : WEIGHTS) {
            s += weightSize(layer, w);
        }
        return s;
    }
}
