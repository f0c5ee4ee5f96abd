package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.kernels.gemm.Blas1;
import dev.panamax.nn.functional.SoftmaxFunctions;
import dev.panamax.nn.tensor.Tensor;

/**
 * Softmax, log-softmax or softmin along one dimension, as {@code torch.nn.Softmax(dim)},
 * {@code LogSoftmax(dim)} and {@code Softmin(dim)} (the softmax of {@code -x}).
 */
public final class Softmax extends Layer {

    private final int dim;
    private final boolean log;
    private final boolean negated;
    private Tensor y;

    private Softmax(int dim, boolean log, boolean negated) {
        this.dim = dim;
        this.log = log;
        this.negated = negated;
    }

    private Softmax(int dim, boolean log) {
        this(dim, log, false);
    }

    /** Softmin along {@code dim}: {@code softmax(-x)}, the largest weight on the smallest value. */
    public static Softmax softmin(int dim) {
        return new Softmax(dim, false, true);
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
        Tensor in = negated ? negative(x, arena) : x;
        Tensor out = log ? SoftmaxFunctions.logSoftmax(in, dim, arena) : SoftmaxFunctions.softmax(in, dim, arena);
        y = out;                      // kept for backward; the local is returned (threads may share a model in eval mode)
        return out;
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        Tensor g = log ? SoftmaxFunctions.logSoftmaxBackward(saved(y), gy, dim, arena)
                : SoftmaxFunctions.softmaxBackward(saved(y), gy, dim, arena);
        return negated ? negative(g, arena) : g;
    }

    /** {@code -t}, a new contiguous tensor. */
    private static Tensor negative(Tensor t, Arena arena) {
        Tensor out = Tensor.emptyLike(arena, t);
        out.copyFrom(t);
        Blas1.sscal(out.numel(), -1f, out.segment(), out.offset());
        return out;
    }

    @Override
    public String toString() {
        return describe() + "(" + (log ? "log, " : negated ? "min, " : "") + "dim=" + dim + ")";
    }

    @Override
    public String family() {
        return "activation";
    }
}
