package dev.panamax.nn.functional;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.kernels.elementwise.BinaryOp;
import dev.panamax.kernels.elementwise.Broadcast;
import dev.panamax.kernels.gemm.Blas1;
import dev.panamax.kernels.reduce.AxisMax;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * Reductions over dimensions, forward and backward: {@link #sum} and {@link #mean} over any of
 * them ({@code torch.sum(x, dim, keepdim)}, {@code torch.mean}), whose backward spreads the
 * gradient back over the dimensions they reduced, and {@link #max} along one with its indices
 * ({@code torch.max(x, dim)}, {@code torch.argmax}), whose backward puts it at each maximum.
 */
public final class Reductions {

    private Reductions() {
    }

    /**
     * The sum over {@code dims} ({@code torch.sum(x, dim, keepdim)}): dimensions counted from the
     * last when negative, each at most once; no dimension at all sums everything (as PyTorch's
     * {@code dim=[]}). The reduced dimensions are dropped, or kept as 1 with {@code keepDim}.
     * Runs summed along the innermost dimension accumulate in double (see {@link Broadcast#sumTo}).
     */
    public static Tensor sum(Tensor x, int[] dims, boolean keepDim, Arena arena) {
        boolean[] reduced = reducedDims(x, dims);
        Tensor out = Arithmetic.sumTo(x, keptShape(x.shape(), reduced), arena);
        return keepDim ? out : out.view(droppedShape(x.shape(), reduced));
    }

    /** The gradient of {@link #sum}: {@code g} (of the sum's shape) repeated over the reduced dimensions. */
    public static Tensor sumBackward(Tensor x, int[] dims, boolean keepDim, Tensor g, Arena arena) {
        return spread(x, reducedDims(x, dims), keepDim, g, 1f, arena);
    }

    /**
     * The mean over {@code dims} ({@code torch.mean(x, dim, keepdim)}), dimensions as in
     * {@link #sum}; NaN where no element is averaged, as PyTorch.
     */
    public static Tensor mean(Tensor x, int[] dims, boolean keepDim, Arena arena) {
        boolean[] reduced = reducedDims(x, dims);
        Tensor out = Arithmetic.sumTo(x, keptShape(x.shape(), reduced), arena);
        Blas1.sscal(out.numel(), (float) (1.0 / count(x.shape(), reduced)), out.segment(), out.offset());
        return keepDim ? out : out.view(droppedShape(x.shape(), reduced));
    }

    /** The gradient of {@link #mean}: {@code g / count} repeated over the reduced dimensions. */
    public static Tensor meanBackward(Tensor x, int[] dims, boolean keepDim, Tensor g, Arena arena) {
        boolean[] reduced = reducedDims(x, dims);
        return spread(x, reduced, keepDim, g, (float) (1.0 / count(x.shape(), reduced)), arena);
    }

    /** What {@link #max} returns, as PyTorch's {@code (values, indices)}: float32 maxima and their int64 indices. */
    public record Maximum(Tensor values, Tensor indices) {
    }

    /**
     * The maximum along {@code dim} and its index ({@code torch.max(x, dim, keepdim)}): the first
     * of equal maxima, NaN above everything (the first NaN's index); x must have at least one
     * element along {@code dim}. The dimension is dropped, or kept as 1 with {@code keepDim}.
     */
    public static Maximum max(Tensor x, int dim, boolean keepDim, Arena arena) {
        Layouts.requireType("x", x, DType.FLOAT32);
        int d = x.dimension(dim);
        if (x.size(d) == 0) {
            throw new IllegalArgumentException("max along dimension " + d + " of " + Arrays.toString(x.shape())
                    + ": there is no element to take the maximum of");
        }
        Tensor xc = x.contiguous(arena);
        long[] kept = x.shape().clone();
        kept[d] = 1;
        Tensor values = Tensor.empty(arena, kept);
        Tensor indices = Tensor.zeros(arena, DType.INT64, kept);
        AxisMax.forward(Layouts.product(x.shape(), 0, d), x.size(d), Layouts.product(x.shape(), d + 1, x.rank()), xc.segment(),
                xc.offset(), values.segment(), values.offset(), indices.segment(), indices.offset());
        return keepDim ? new Maximum(values, indices) : new Maximum(values.squeeze(d), indices.squeeze(d));
    }

    /** The indices of {@link #max} alone ({@code torch.argmax(x, dim, keepdim)}). */
    public static Tensor argmax(Tensor x, int dim, boolean keepDim, Arena arena) {
        return max(x, dim, keepDim, arena).indices();
    }

    /**
     * The gradient of {@link #max}'s values: {@code g} (of their shape) at each maximum's place,
     * 0 elsewhere, as a tensor of x's shape.
     */
    public static Tensor maxBackward(Tensor x, Tensor indices, int dim, boolean keepDim, Tensor g, Arena arena) {
        int d = x.dimension(dim);
        long[] kept = x.shape().clone();
        kept[d] = 1;
        long[] expected = keepDim ? kept : droppedShape(x.shape(), only(x.rank(), d));
        if (!g.hasShape(expected) || !indices.hasShape(expected) || indices.dtype() != DType.INT64) {
            throw new IllegalArgumentException("max's gradient and int64 indices must have its shape " + Arrays.toString(expected)
                    + ", got " + g.dtype() + " " + Arrays.toString(g.shape()) + " and " + indices.dtype() + " "
                    + Arrays.toString(indices.shape()));
        }
        Layouts.requireType("g", g, DType.FLOAT32);
        Tensor gc = g.contiguous(arena);
        Tensor ic = indices.contiguous(arena);
        Tensor gx = Tensor.empty(arena, x.shape());
        AxisMax.backward(Layouts.product(x.shape(), 0, d), x.size(d), Layouts.product(x.shape(), d + 1, x.rank()), ic.segment(),
                ic.offset(), gc.segment(), gc.offset(), gx.segment(), gx.offset());
        return gx;
    }

    private static boolean[] only(int rank, int d) {
        boolean[] reduced = new boolean[rank];
        reduced[d] = true;
        return reduced;
    }

    /** {@code scale g} read again along the reduced dimensions, as a contiguous tensor of x's shape. */
    private static Tensor spread(Tensor x, boolean[] reduced, boolean keepDim, Tensor g, float scale, Arena arena) {
        Layouts.requireType("g", g, DType.FLOAT32);
        long[] kept = keptShape(x.shape(), reduced);
        long[] expected = keepDim ? kept : droppedShape(x.shape(), reduced);
        if (!g.hasShape(expected)) {
            throw new IllegalArgumentException("the gradient must have the reduction's shape " + Arrays.toString(expected)
                    + ", got " + Arrays.toString(g.shape()));
        }
        Tensor gv = Layouts.broadcast("g", g.contiguous(arena).view(kept), x.shape());
        Tensor s = Layouts.broadcast("scale", Tensor.scalar(arena, scale), x.shape());
        Tensor out = Tensor.empty(arena, x.shape());
        Broadcast.apply(BinaryOp.MUL, x.shape(), gv.segment(), gv.offset(), gv.strides(), s.segment(), s.offset(), s.strides(),
                out.segment(), out.offset());
        return out;
    }

    /** Which of x's dimensions {@code dims} names; all of them for none. */
    private static boolean[] reducedDims(Tensor x, int[] dims) {
        Layouts.requireType("x", x, DType.FLOAT32);
        boolean[] reduced = new boolean[x.rank()];
        if (dims == null || dims.length == 0) {
            Arrays.fill(reduced, true);
            return reduced;
        }
        int rank = Math.max(1, x.rank());     // a 0-d x takes dimension 0 or -1, as in PyTorch
        for (int dim : dims) {
            int d = dim < 0 ? dim + rank : dim;
            if (d < 0 || d >= rank) {
                throw new IllegalArgumentException("dimension " + dim + " is out of range for x of shape "
                        + Arrays.toString(x.shape()) + " (expected " + -rank + " to " + (rank - 1) + ")");
            }
            if (x.rank() == 0) {
                continue;
            }
            if (reduced[d]) {
                throw new IllegalArgumentException("dimension " + d + " appears more than once in " + Arrays.toString(dims));
            }
            reduced[d] = true;
        }
        return reduced;
    }

    private static long[] keptShape(long[] shape, boolean[] reduced) {
        long[] out = shape.clone();
        for (int d = 0; d < out.length; d++) {
            out[d] = reduced[d] ? 1 : shape[d];
        }
        return out;
    }

    private static long[] droppedShape(long[] shape, boolean[] reduced) {
        long[] out = new long[shape.length];
        int r = 0;
        for (int d = 0; d < shape.length; d++) {
            if (!reduced[d]) {
                out[r++] = shape[d];
            }
        }
        return Arrays.copyOf(out, r);
    }

    private static long count(long[] shape, boolean[] reduced) {
        long n = 1;
        for (int d = 0; d < shape.length; d++) {
            n *= reduced[d] ? shape[d] : 1;
        }
        return n;
    }
}
