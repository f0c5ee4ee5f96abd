package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.panamax.kernels.gemm.Blas1;
import dev.panamax.nn.functional.Concatenation;
import dev.panamax.nn.tensor.Tensor;

/**
 * Parallel branches over one input, their outputs concatenated along a dimension
 * ({@code torch.cat([b(x) for b in branches], dim)}, the way an Inception module joins its
 * branches; channels, dimension 1, by default). Branches added without a name are named by
 * position, as in {@code nn.ModuleList}.
 *
 * <p>Backward hands each branch its slice of the output gradient as a view, without a copy
 * (a branch that needs dense memory, a convolution over an image batch, makes its own), and
 * sums the branches' input gradients.
 */
public final class Concat extends Layer {

    private final int dim;
    private final List<Layer> branches = new ArrayList<>();
    private long[] bounds;

    /** Concatenation along channels (dimension 1 of {@code [N, C, ...]}). */
    public Concat() {
        this(1);
    }

    /** Concatenation along {@code dim} (negative counts from the end). */
    public Concat(int dim) {
        this.dim = dim;
    }

    /** Adds a branch named by its position. */
    public Concat add(Layer branch) {
        return add(Integer.toString(branches.size()), branch);
    }

    /** Adds a branch under a name ({@code "branch1"}). */
    public Concat add(String name, Layer branch) {
        child(name, branch);
        branch.requireInputGradient(inputGradientRequired());
        branches.add(branch);
        return this;
    }

    /** The branches, in order. */
    public List<Layer> branches() {
        return List.copyOf(branches);
    }

    /** Passes the setting to every branch: they all read the input. */
    @Override
    public Concat requireInputGradient(boolean required) {
        super.requireInputGradient(required);
        branches.forEach(b -> b.requireInputGradient(required));
        return this;
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        if (branches.isEmpty()) {
            throw new IllegalStateException(describe() + " has no branches");
        }
        Tensor[] ys = new Tensor[branches.size()];
        for (int b = 0; b < ys.length; b++) {
            ys[b] = branches.get(b).forward(x, arena);
        }
        Tensor out;
        try {
            out = Concatenation.cat(Arrays.asList(ys), dim, arena);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(describe() + " joins its branches' outputs (tensor i is branch i's): "
                    + e.getMessage(), e);
        }
        int d = out.dimension(dim);
        long[] edges = bounds;                  // the last call's, kept when they are the same (every step)
        boolean same = edges != null && edges.length == ys.length + 1;
        for (int b = 0; same && b < ys.length; b++) {
            same = edges[b + 1] - edges[b] == ys[b].size(d);
        }
        if (!same) {
            edges = new long[ys.length + 1];
            for (int b = 0; b < ys.length; b++) {
                edges[b + 1] = edges[b] + ys[b].size(d);
            }
            bounds = edges;
        }
        return out;
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        long[] edges = saved(bounds);
        int d = gy.dimension(dim);
        Tensor gx = null;
        for (int b = 0; b < branches.size(); b++) {
            Tensor g = branches.get(b).backward(gy.slice(d, edges[b], edges[b + 1]), arena);
            if (g == null) {
                continue;
            }
            Tensor dense = g.contiguous(arena);
            if (gx == null) {
                gx = dense.copy(arena);             // a branch may return its own input or gy itself
            } else {
                Blas1.saxpy(gx.numel(), 1f, dense.segment(), dense.offset(), gx.segment(), 0);
            }
        }
        return gx;
    }

    @Override
    public String family() {
        return "concat";
    }
}
