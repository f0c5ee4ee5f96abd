package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.functional.SoftmaxFunctions;
import dev.panamax.nn.tensor.Tensor;

/** Softmax or log-softmax along one dimension, as {@code torch.nn.Softmax(dim)} and {@code LogSoftmax(dim)}. */
public final class Softmax extends Layer {

    private final int dim;
    private final boolean log;
    private Tensor y;

    private Softmax(int dim, boolean log) {
        this.dim = dim;
        this.log = log;
    }

    /** Softmax along {@code dim} (negative counts from the end). */
    public static Softmax softmax(int dim) {
        return new Softmax(dim, false);
    }

    /** Log-softmax along {@code dim}. */
    public static Softmax logSoftmax(int dim) {
        return new Softmax(dim, true);
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        Tensor out = log ? SoftmaxFunctions.logSoftmax(x, dim, arena) : SoftmaxFunctions.softmax(x, dim, arena);
        y = out;                      // kept for backward; the local is returned (threads may share a model in eval mode)
        return out;
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        return log ? SoftmaxFunctions.logSoftmaxBackward(saved(y), gy, dim, arena)
                : SoftmaxFunctions.softmaxBackward(saved(y), gy, dim, arena);
    }

    @Override
    public String toString() {
        return describe() + "(" + (log ? "log, " : "") + "dim=" + dim + ")";
    }

    @Override
    public String family() {
        return "activation";
    }
}
