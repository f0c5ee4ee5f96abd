package dev.panamax.nn.functional;

import java.lang.foreign.Arena;

import dev.panamax.kernels.index.Gather;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * Reading elements by index along a dimension, as {@code torch.gather}: the log-probability of
 * each sample's chosen action, {@code Indexing.gather(logp, 1, actions)}, say. (Whole rows by
 * index are {@link Embeddings}.)
 */
public final class Indexing {

    private Indexing() {
    }

    /**
     * {@code torch.gather(x, dim, index)}: the result has index's shape, element i being x's at
     * i with its {@code dim} coordinate replaced by {@code index[i]}. index is int64, of x's rank,
     * no larger than x outside {@code dim}; every index lies in {@code [0, x.size(dim))}.
     */
    public static Tensor gather(Tensor x, int dim, Tensor index, Arena arena) {
        int d = check(x, dim, index);
        Tensor xc = x.contiguous(arena);
        Tensor ic = index.contiguous(arena);
        Tensor y = Tensor.empty(arena, index.shape());
        Gather.forward(x.shape(), d, xc.segment(), xc.offset(), index.shape(), ic.segment(), ic.offset(), y.segment(), y.offset());
        return y;
    }

    /** The gradient of {@link #gather} for x: g added at each gathered place (repeated indices add up), 0 elsewhere. */
    public static Tensor gatherBackward(Tensor x, int dim, Tensor index, Tensor g, Arena arena) {
        int d = check(x, dim, index);
        Layouts.requireShape("g", g, index.shape());
        Layouts.requireType("g", g, DType.FLOAT32);
        Tensor ic = index.contiguous(arena);
        Tensor gc = g.contiguous(arena);
        Tensor gx = Tensor.empty(arena, x.shape());
        Gather.backward(x.shape(), d, index.shape(), ic.segment(), ic.offset(), gc.segment(), gc.offset(), gx.segment(),
                gx.offset());
        return gx;
    }

    private static int check(Tensor x, int dim, Tensor index) {
        Layouts.requireType("x", x, DType.FLOAT32);
        Layouts.requireType("index", index, DType.INT64);
        return x.dimension(dim);
    }
}
