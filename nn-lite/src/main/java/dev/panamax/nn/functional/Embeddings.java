package dev.panamax.nn.functional;

import java.lang.foreign.Arena;

import dev.panamax.kernels.embedding.Embedding;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/** {@code torch.nn.functional.embedding}: table lookup, and the scatter-add of its gradient. */
public final class Embeddings {

    private Embeddings() {
    }

    /** {@code y = weight[indices]}: shape {@code indices.shape + [D]}. */
    public static Tensor lookup(Tensor weight, Tensor indices, Arena arena) {
        check(weight, indices);
        Tensor w = weight.contiguous(arena);
        Tensor idx = indices.contiguous(arena);
        long d = weight.size(1);
        Tensor y = Tensor.zeros(arena, outputShape(indices, d));
        Embedding.forward(idx.numel(), weight.size(0), d, idx.segment(), idx.offset(), w.segment(), w.offset(),
                y.segment(), 0);
        return y;
    }

    /**
     * The gradient of the table: rows of {@code gy} added at their indices; the row
     * {@code paddingIdx} (negative for none, or counted from the end as PyTorch) stays zero.
     */
    public static Tensor lookupBackward(Tensor weight, Tensor indices, Tensor gy, Long paddingIdx, Arena arena) {
        check(weight, indices);
        long v = weight.size(0);
        long d = weight.size(1);
        Layouts.requireShape("gy", gy, outputShape(indices, d));
        long pad = Embedding.NO_PADDING;
        if (paddingIdx != null) {
            pad = paddingIdx < 0 ? paddingIdx + v : paddingIdx;
            if (pad < 0 || pad >= v) {
                throw new IllegalArgumentException("padding_idx must be within [-" + v + ", " + v + "), got " + paddingIdx);
            }
        }
        Tensor idx = indices.contiguous(arena);
        Tensor g = gy.contiguous(arena);
        Tensor gw = Tensor.zeros(arena, v, d);
        Embedding.backward(idx.numel(), v, d, idx.segment(), idx.offset(), g.segment(), g.offset(), pad, gw.segment(), 0);
        return gw;
    }

    private static void check(Tensor weight, Tensor indices) {
        Layouts.requireRank("weight", weight, 2);
        Layouts.requireType("weight", weight, DType.FLOAT32);
        Layouts.requireType("indices", indices, DType.INT64);
    }

    private static long[] outputShape(Tensor indices, long d) {
        long[] s = indices.shape();
        long[] out = java.util.Arrays.copyOf(s, s.length + 1);
        out[s.length] = d;
        return out;
    }
}
