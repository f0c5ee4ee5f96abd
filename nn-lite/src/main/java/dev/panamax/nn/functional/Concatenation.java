package dev.panamax.nn.functional;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.List;

import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * Joining tensors and taking them apart, as {@code torch.cat}, {@code torch.stack} and
 * {@code torch.split}. The backward of a join is its inputs' slices of the gradient, as views of
 * it (no copy; a consumer that needs dense memory makes its own), and the pieces of a split are
 * views too, so its backward is {@link #cat} of their gradients.
 */
public final class Concatenation {

    private Concatenation() {
    }

    /**
     * {@code torch.cat(xs, dim)}: tensors of one dtype and rank, equal in every dimension but
     * {@code dim} (negative counts from the last), joined along it into a new contiguous tensor.
     */
    public static Tensor cat(List<Tensor> xs, int dim, Arena arena) {
        if (xs == null || xs.isEmpty()) {
            throw new IllegalArgumentException("cat needs at least one tensor");
        }
        Tensor first = xs.get(0);
        int d = first.dimension(dim);
        long total = 0;
        for (int i = 0; i < xs.size(); i++) {
            Tensor x = xs.get(i);
            boolean same = x.rank() == first.rank() && x.dtype() == first.dtype();
            for (int k = 0; same && k < first.rank(); k++) {
                same = k == d || x.size(k) == first.size(k);
            }
            if (!same) {
                throw new IllegalArgumentException("cat: tensor " + i + " is " + x.dtype() + " " + Arrays.toString(x.shape())
                        + ", which does not match tensor 0's " + first.dtype() + " " + Arrays.toString(first.shape())
                        + " outside dimension " + d);
            }
            total = Math.addExact(total, x.size(d));
        }
        Tensor out;
        if (first.dtype() == DType.FLOAT32 && first.rank() == 4) {      // [N, C, H, W]: no shape array
            out = Tensor.empty(arena, joined(first, 0, d, total), joined(first, 1, d, total), joined(first, 2, d, total),
                    joined(first, 3, d, total));
        } else {
            long[] shape = first.shape();       // a copy: the output's, with the joined size
            shape[d] = total;
            out = first.dtype() == DType.FLOAT32 ? Tensor.empty(arena, shape) : Tensor.zeros(arena, first.dtype(), shape);
        }
        long at = 0;
        for (Tensor x : xs) {
            out.slice(d, at, at + x.size(d)).copyFrom(x);
            at += x.size(d);
        }
        return out;
    }

    /** Dimension {@code k} of the joined tensor: {@code total} along the joined dimension {@code d}, else the inputs'. */
    private static long joined(Tensor first, int k, int d, long total) {
        return k == d ? total : first.size(k);
    }

    /** The gradients of {@link #cat}: each input's slice of {@code g} along {@code dim}, as a view. */
    public static Tensor[] catBackward(List<Tensor> xs, int dim, Tensor g) {
        int d = g.dimension(dim);
        long total = 0;
        for (Tensor x : xs) {
            total += x.size(d);
        }
        if (g.size(d) != total) {
            throw new IllegalArgumentException("the gradient must have the joined size " + total + " along dimension " + d
                    + ", got " + Arrays.toString(g.shape()));
        }
        Tensor[] out = new Tensor[xs.size()];
        long at = 0;
        for (int i = 0; i < out.length; i++) {
            out[i] = g.slice(d, at, at + xs.get(i).size(d));
            at += xs.get(i).size(d);
        }
        return out;
    }

    /**
     * {@code torch.stack(xs, dim)}: tensors of one shape and dtype joined along a new dimension
     * {@code dim} ({@code -(rank + 1)} to {@code rank}).
     */
    public static Tensor stack(List<Tensor> xs, int dim, Arena arena) {
        if (xs == null || xs.isEmpty()) {
            throw new IllegalArgumentException("stack needs at least one tensor");
        }
        long[] shape = xs.get(0).shape();
        Tensor[] rows = new Tensor[xs.size()];
        for (int i = 0; i < rows.length; i++) {
            if (!xs.get(i).hasShape(shape)) {
                throw new IllegalArgumentException("stack: tensor " + i + " is " + Arrays.toString(xs.get(i).shape())
                        + ", tensor 0 " + Arrays.toString(shape) + "; all must have one shape");
            }
            rows[i] = xs.get(i).unsqueeze(dim);
        }
        // a negative dim counts from the end of the new rank in the unsqueezed rows as it does for stack
        return cat(Arrays.asList(rows), dim, arena);
    }

    /** The gradients of {@link #stack}: {@code g}'s index i along {@code dim} for tensor i, as views. */
    public static Tensor[] stackBackward(int count, int dim, Tensor g) {
        int d = g.dimension(dim);
        if (g.size(d) != count) {
            throw new IllegalArgumentException("the gradient must have " + count + " along dimension " + d + ", got "
                    + Arrays.toString(g.shape()));
        }
        Tensor[] out = new Tensor[count];
        for (int i = 0; i < count; i++) {
            out[i] = g.select(d, i);
        }
        return out;
    }

    /**
     * {@code torch.split(x, size, dim)}: views of {@code x} of {@code size} along {@code dim}, the
     * last one shorter when the size does not divide it.
     */
    public static Tensor[] split(Tensor x, long size, int dim) {
        if (size <= 0) {
            throw new IllegalArgumentException("split needs a size > 0, got " + size);
        }
        int d = x.dimension(dim);
        long n = x.size(d);
        int pieces = Math.toIntExact(Math.max(1, (n + size - 1) / size));
        Tensor[] out = new Tensor[pieces];
        for (int i = 0; i < pieces; i++) {
            out[i] = x.slice(d, i * size, Math.min(n, (i + 1) * size));
        }
        return out;
    }
}
