package dev.panamax.nn.functional;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.embedding.Embedding;
import dev.panamax.kernels.embedding.EmbeddingBag;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * {@code torch.nn.functional.embedding}: table lookup, and the scatter-add of its gradient; and
 * {@code embedding_bag}: bags of rows reduced by sum, mean or maximum.
 */
public final class Embeddings {

    private Embeddings() {
    }

    /** {@code y = weight[indices]}: shape {@code indices.shape + [D]}. */
    public static Tensor lookup(Tensor weight, Tensor indices, Arena arena) {
        check(weight, indices);
        Tensor w = weight.contiguous(arena);
        Tensor idx = indices.contiguous(arena);
        long d = weight.size(1);
        Tensor y = switch (indices.rank()) {     // the fixed ranks make no shape array
            case 1 -> Tensor.zeros(arena, indices.size(0), d);
            case 2 -> Tensor.zeros(arena, indices.size(0), indices.size(1), d);
            default -> Tensor.zeros(arena, outputShape(indices, d));
        };
        Embedding.forward(idx.numel(), weight.size(0), d, idx.segment(), idx.offset(), w.segment(), w.offset(),
                y.segment(), 0);
        return y;
    }

    /**
     * The gradient of the table: rows of {@code gy} added at their indices; the row
     * {@code paddingIdx} (negative for none, or counted from the end as PyTorch) stays zero.
     */
    public static Tensor lookupBackward(Tensor weight, Tensor indices, Tensor gy, Long paddingIdx, Arena arena) {
        return lookupBackward(weight, indices, gy, paddingIdx, false, arena);
    }

    /**
     * {@link #lookupBackward(Tensor, Tensor, Tensor, Long, Arena)} with PyTorch's
     * {@code scale_grad_by_freq}: each row's gradient divided by how often its index occurs in
     * {@code indices}.
     */
    public static Tensor lookupBackward(Tensor weight, Tensor indices, Tensor gy, Long paddingIdx, boolean scaleGradByFreq,
                                        Arena arena) {
        check(weight, indices);
        long v = weight.size(0);
        long d = weight.size(1);
        if (!isOutputShape(gy, indices, d)) {
            Layouts.requireShape("gy", gy, outputShape(indices, d));      // fails, naming both shapes
        }
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
        Tensor frequency = scaleGradByFreq ? Tensor.zeros(arena, DType.INT64, v) : null;
        Embedding.backward(idx.numel(), v, d, idx.segment(), idx.offset(), g.segment(), g.offset(), pad,
                Layouts.segment(frequency), Layouts.offset(frequency), gw.segment(), 0);
        return gw;
    }

    /**
     * PyTorch's {@code max_norm} before a lookup: the rows of {@code weight} that {@code indices}
     * name are scaled, in place, to a {@code normType}-norm of at most {@code maxNorm}
     * ({@code maxNorm / (norm + 1e-7)} times themselves where above it), as
     * {@code torch.embedding_renorm_}; no gradient flows through it.
     */
    public static void renorm(Tensor weight, Tensor indices, double maxNorm, double normType, Arena arena) {
        check(weight, indices);
        if (!weight.isContiguous()) {
            throw new IllegalArgumentException("max_norm renormalises the table in place: it must be contiguous");
        }
        Tensor idx = indices.contiguous(arena);
        MemorySegment visited = arena.allocate(weight.size(0));
        Embedding.renorm(idx.numel(), weight.size(0), weight.size(1), idx.segment(), idx.offset(), weight.segment(),
                weight.offset(), maxNorm, normType, visited, 0);
    }

    /**
     * The bags of one {@link #bag} call, as they are given: {@code indices} int64, either {@code [B, L]}
     * (B bags of L, {@code offsets} null) or {@code [count]} with {@code offsets} int64 {@code [B]}
     * ({@code [B + 1]} with {@code includeLastOffset}, its last entry the end of the last bag);
     * {@code perSampleWeights} (or null) of the indices' shape, {@link EmbeddingBag.Mode#SUM} only;
     * {@code paddingIdx} the row that takes no part (null for none, negative from the end).
     */
    public record Bags(Tensor indices, Tensor offsets, boolean includeLastOffset, Tensor perSampleWeights, Long paddingIdx) {
    }

    /** What {@link #bag} returns: the bags' rows {@code [B, D]}, and for MAX where each maximum came from. */
    public record BagOutput(Tensor y, Tensor argmax) {
    }

    /**
     * {@code embedding_bag(indices, weight, offsets, mode=..., per_sample_weights=...,
     * include_last_offset=..., padding_idx=...)}: each bag's rows of {@code weight [V, D]} reduced
     * ({@code SUM}, {@code MEAN} over the non-padding indices, or the per-dimension {@code MAX}); an
     * empty bag gives zeros.
     */
    public static BagOutput bag(Tensor weight, Bags bags, EmbeddingBag.Mode mode, Arena arena) {
        FlatBags f = flatten(weight, bags, mode, arena);
        long d = weight.size(1);
        Tensor w = weight.contiguous(arena);
        Tensor y = Tensor.empty(arena, f.count, d);
        Tensor argmax = mode == EmbeddingBag.Mode.MAX ? Tensor.zeros(arena, DType.INT64, f.count, d) : null;
        EmbeddingBag.forward(mode, f.count, f.indices.numel(), weight.size(0), d, f.indices.segment(), f.indices.offset(),
                f.offsets.segment(), f.offsets.offset(), f.lastEnd, Layouts.segment(f.weights), Layouts.offset(f.weights), f.padding,
                w.segment(), w.offset(), y.segment(), y.offset(), Layouts.segment(argmax), Layouts.offset(argmax));
        return new BagOutput(y, argmax);
    }

    /**
     * The gradients of {@link #bag}: {@code [d weight, d perSampleWeights]} (the second null without
     * per-sample weights), given the forward's output and {@code gy [B, D]}; the padding row's is 0.
     */
    public static Tensor[] bagBackward(Tensor weight, Bags bags, EmbeddingBag.Mode mode, BagOutput forward, Tensor gy,
                                       Arena arena) {
        FlatBags f = flatten(weight, bags, mode, arena);
        long v = weight.size(0);
        long d = weight.size(1);
        Layouts.requireShape("gy", gy, f.count, d);
        if (mode == EmbeddingBag.Mode.MAX && (forward == null || forward.argmax() == null)) {
            throw new IllegalArgumentException("a MAX bag's backward needs its forward's output (the argmax)");
        }
        Tensor w = weight.contiguous(arena);
        Tensor g = gy.contiguous(arena);
        Tensor gw = Tensor.zeros(arena, v, d);
        Tensor gps = f.weights == null ? null : Tensor.empty(arena, f.indices.numel());
        Tensor argmax = mode == EmbeddingBag.Mode.MAX ? forward.argmax() : null;
        EmbeddingBag.backward(mode, f.count, f.indices.numel(), v, d, f.indices.segment(), f.indices.offset(),
                f.offsets.segment(), f.offsets.offset(), f.lastEnd, Layouts.segment(f.weights), Layouts.offset(f.weights), f.padding,
                w.segment(), w.offset(), g.segment(), g.offset(), Layouts.segment(argmax), Layouts.offset(argmax), gw.segment(), gw.offset(),
                Layouts.segment(gps), Layouts.offset(gps));
        return new Tensor[] {gw, gps == null ? null : gps.view(bags.perSampleWeights().shape())};
    }

    /** Bags as the kernel takes them: flat indices, offsets, where the last bag ends, weights, the padding row. */
    private record FlatBags(long count, Tensor indices, Tensor offsets, long lastEnd, Tensor weights, long padding) {
    }

    private static FlatBags flatten(Tensor weight, Bags bags, EmbeddingBag.Mode mode, Arena arena) {
        if (bags == null || mode == null) {
            throw new IllegalArgumentException("bags and mode must not be null");
        }
        check(weight, bags.indices());
        Tensor indices = bags.indices();
        long v = weight.size(0);
        long padding = Embedding.NO_PADDING;
        if (bags.paddingIdx() != null) {
            padding = bags.paddingIdx() < 0 ? bags.paddingIdx() + v : bags.paddingIdx();
            if (padding < 0 || padding >= v) {
                throw new IllegalArgumentException("padding_idx must be within [-" + v + ", " + v + "), got " + bags.paddingIdx());
            }
        }
        Tensor weights = bags.perSampleWeights();
        if (weights != null) {
            if (mode != EmbeddingBag.Mode.SUM) {
                throw new IllegalArgumentException("per_sample_weights are only for mode SUM (as PyTorch's), got " + mode);
            }
            Layouts.requireType("per_sample_weights", weights, DType.FLOAT32);
            Layouts.requireSameShape("per_sample_weights", weights, indices);
            weights = weights.contiguous(arena);
        }
        if (indices.rank() == 2) {
            if (bags.offsets() != null) {
                throw new IllegalArgumentException("offsets must be null for 2-d indices [B, L] (each row is a bag), as in PyTorch");
            }
            long b = indices.size(0);
            long l = indices.size(1);
            Tensor offsets = Tensor.zeros(arena, DType.INT64, b);
            for (long i = 0; i < b; i++) {
                offsets.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG, offsets.offset() + i, i * l);
            }
            return new FlatBags(b, indices.contiguous(arena).view(b * l), offsets, b * l, weights, padding);
        }
        if (indices.rank() != 1 || bags.offsets() == null) {
            throw new IllegalArgumentException("embedding_bag takes indices [B, L], or [count] with offsets [B], got "
                    + java.util.Arrays.toString(indices.shape()) + (bags.offsets() == null ? " without offsets" : ""));
        }
        Tensor offsets = bags.offsets();
        Layouts.requireType("offsets", offsets, DType.INT64);
        Layouts.requireRank("offsets", offsets, 1);
        offsets = offsets.contiguous(arena);
        long count = offsets.size(0);
        long lastEnd = indices.size(0);
        if (bags.includeLastOffset()) {
            if (count == 0) {
                throw new IllegalArgumentException("include_last_offset needs at least one offset (the end of the last bag)");
            }
            count--;
            lastEnd = offsets.getLong(count);
            offsets = offsets.slice(0, 0, count);
        }
        return new FlatBags(count, indices.contiguous(arena), offsets, lastEnd, weights, padding);
    }

    private static void check(Tensor weight, Tensor indices) {
        Layouts.requireRank("weight", weight, 2);
        Layouts.requireType("weight", weight, DType.FLOAT32);
        Layouts.requireType("indices", indices, DType.INT64);
    }

    /** Whether {@code t} has the shape {@code indices.shape + [d]} (no shape array is made). */
    private static boolean isOutputShape(Tensor t, Tensor indices, long d) {
        int r = indices.rank();
        if (t.rank() != r + 1 || t.size(r) != d) {
            return false;
        }
        for (int i = 0; i < r; i++) {
            if (t.size(i) != indices.size(i)) {
                return false;
            }
        }
        return true;
    }

    private static long[] outputShape(Tensor indices, long d) {
        long[] s = indices.shape();
        long[] out = java.util.Arrays.copyOf(s, s.length + 1);
        out[s.length] = d;
        return out;
    }
}
