package dev.panamax.nn.functional;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.kernels.distance.RowDistances;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * Distances and similarities between two tensors of one shape along a dimension, as
 * {@code torch.nn.functional.pairwise_distance} ({@code torch.nn.PairwiseDistance}) and
 * {@code cosine_similarity} ({@code torch.nn.CosineSimilarity}): the result has the inputs' shape
 * without that dimension (or with it kept as 1). Each backward takes the upstream gradient of the
 * result and returns the gradients of both inputs, {@code [d x1, d x2]}. (PyTorch also broadcasts
 * the two inputs; here they have one shape.)
 */
public final class Distances {

    private Distances() {
    }

    /**
     * {@code |x1 - x2 + eps|_p} along the last dimension (PyTorch's defaults: p 2, eps 1e-6, keepdim
     * false); p finite and at least 1.
     */
    public static Tensor pairwiseDistance(Tensor x1, Tensor x2, double p, float eps, boolean keepDim, Arena arena) {
        Rows r = rows(x1, x2, -1, arena);
        Tensor out = Tensor.empty(arena, r.count);
        RowDistances.pairwise(r.count, r.length, r.a.segment(), r.a.offset(), r.b.segment(), r.b.offset(), p, eps,
                out.segment(), out.offset());
        return out.view(r.reducedShape(keepDim));
    }

    /** The gradients of {@link #pairwiseDistance}, given {@code gradOut} of its result's shape. */
    public static Tensor[] pairwiseDistanceBackward(Tensor x1, Tensor x2, double p, float eps, boolean keepDim,
                                                    Tensor gradOut, Arena arena) {
        Rows r = rows(x1, x2, -1, arena);
        Tensor up = r.upstream(gradOut, keepDim, arena);
        Tensor g1 = Tensor.empty(arena, r.a.shape());
        Tensor g2 = Tensor.empty(arena, r.a.shape());
        RowDistances.pairwiseBackward(r.count, r.length, r.a.segment(), r.a.offset(), r.b.segment(), r.b.offset(), p, eps,
                up.segment(), up.offset(), g1.segment(), g1.offset(), g2.segment(), g2.offset());
        return new Tensor[] {r.restore(g1, arena), r.restore(g2, arena)};
    }

    /**
     * {@code x1.x2 / (max(|x1|, eps) max(|x2|, eps))} along {@code dim} (PyTorch's defaults: dim 1,
     * eps 1e-8); the result drops that dimension.
     */
    public static Tensor cosineSimilarity(Tensor x1, Tensor x2, int dim, float eps, Arena arena) {
        Rows r = rows(x1, x2, dim, arena);
        Tensor out = Tensor.empty(arena, r.count);
        RowDistances.cosine(r.count, r.length, r.a.segment(), r.a.offset(), r.b.segment(), r.b.offset(), eps, out.segment(),
                out.offset());
        return out.view(r.reducedShape(false));
    }

    /** The gradients of {@link #cosineSimilarity}, given {@code gradOut} of its result's shape. */
    public static Tensor[] cosineSimilarityBackward(Tensor x1, Tensor x2, int dim, float eps, Tensor gradOut, Arena arena) {
        Rows r = rows(x1, x2, dim, arena);
        Tensor up = r.upstream(gradOut, false, arena);
        Tensor g1 = Tensor.empty(arena, r.a.shape());
        Tensor g2 = Tensor.empty(arena, r.a.shape());
        RowDistances.cosineBackward(r.count, r.length, r.a.segment(), r.a.offset(), r.b.segment(), r.b.offset(), eps,
                up.segment(), up.offset(), g1.segment(), g1.offset(), g2.segment(), g2.offset());
        return new Tensor[] {r.restore(g1, arena), r.restore(g2, arena)};
    }

    /**
     * The two inputs with {@code dim} moved last and made contiguous: {@code count} rows of
     * {@code length}, and how to put a gradient back.
     */
    private record Rows(Tensor a, Tensor b, long[] shape, int dim, long count, long length) {

        long[] reducedShape(boolean keepDim) {
            long[] out = keepDim ? shape.clone() : new long[shape.length - 1];
            if (keepDim) {
                out[dim] = 1;
            } else {
                for (int i = 0, j = 0; i < shape.length; i++) {
                    if (i != dim) {
                        out[j++] = shape[i];
                    }
                }
            }
            return out;
        }

        Tensor upstream(Tensor gradOut, boolean keepDim, Arena arena) {
            Layouts.requireType("gradOut", gradOut, DType.FLOAT32);
            Layouts.requireShape("gradOut", gradOut, reducedShape(keepDim));
            return gradOut.contiguous(arena);
        }

        /** A gradient computed with {@code dim} last, in the inputs' own layout. */
        Tensor restore(Tensor moved, Arena arena) {
            return moved.permute(inverse(order(shape.length, dim))).contiguous(arena);
        }
    }

    private static Rows rows(Tensor x1, Tensor x2, int dim, Arena arena) {
        Layouts.requireType("x1", x1, DType.FLOAT32);
        Layouts.requireType("x2", x2, DType.FLOAT32);
        Layouts.requireSameShape("x2", x2, x1);
        int rank = x1.rank();
        if (rank == 0) {
            throw new IllegalArgumentException("distances need at least one dimension, got a scalar");
        }
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= rank) {
            throw new IllegalArgumentException("dim " + dim + " is out of range for " + rank + " dimensions "
                    + Arrays.toString(x1.shape()));
        }
        int[] order = order(rank, d);
        Tensor a = x1.permute(order).contiguous(arena);
        Tensor b = x2.permute(order).contiguous(arena);
        long count = 1;
        for (int i = 0; i < rank; i++) {
            count *= i == d ? 1 : x1.size(i);
        }
        return new Rows(a, b, x1.shape(), d, count, x1.size(d));
    }

    /** Every dimension in order with {@code dim} moved last. */
    private static int[] order(int rank, int dim) {
        int[] order = new int[rank];
        for (int i = 0, j = 0; i < rank; i++) {
            if (i != dim) {
                order[j++] = i;
            }
        }
        order[rank - 1] = dim;
        return order;
    }

    private static int[] inverse(int[] order) {
        int[] inv = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            inv[order[i]] = i;
        }
        return inv;
    }
}
