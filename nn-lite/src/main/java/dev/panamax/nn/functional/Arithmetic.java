package dev.panamax.nn.functional;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.kernels.elementwise.BinaryOp;
import dev.panamax.kernels.elementwise.Broadcast;
import dev.panamax.kernels.elementwise.Unary;
import dev.panamax.kernels.elementwise.UnaryOp;
import dev.panamax.kernels.gemm.Blas1;
import dev.panamax.kernels.reduce.AxisMax;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * Elementwise {@code a + b}, {@code a - b}, {@code a * b}, {@code a / b} with PyTorch's
 * broadcasting ({@code torch.add}, {@code sub}, {@code mul}, {@code div}): the result has the
 * shape {@link #broadcastShape} gives, each input read along the dimensions it lacks or has as 1
 * again (a 0-d {@link Tensor#scalar} is a number). Each backward takes the upstream gradient of
 * the result and returns the gradients of both inputs, {@code [d a, d b]}, each summed back to
 * its input's shape ({@link #sumTo}), as autograd does. The reductions {@link #sum} and
 * {@link #mean} over any dimensions ({@code torch.sum(x, dim, keepdim)}, {@code torch.mean}),
 * whose backward spreads the gradient back over the dimensions they reduced, and {@link #max}
 * along one dimension with its indices ({@code torch.max(x, dim)}, {@code argmax}). And the
 * functions {@code exp}, {@code log}, {@code sqrt}, {@code abs}, {@code neg} and {@code sign} of one
 * tensor.
 */
public final class Arithmetic {

    private Arithmetic() {
    }

    public static Tensor add(Tensor a, Tensor b, Arena arena) {
        return apply(BinaryOp.ADD, a, b, arena);
    }

    public static Tensor sub(Tensor a, Tensor b, Arena arena) {
        return apply(BinaryOp.SUB, a, b, arena);
    }

    public static Tensor mul(Tensor a, Tensor b, Arena arena) {
        return apply(BinaryOp.MUL, a, b, arena);
    }

    public static Tensor div(Tensor a, Tensor b, Arena arena) {
        return apply(BinaryOp.DIV, a, b, arena);
    }

    /** {@code [g, g]}, each summed to its input's shape. */
    public static Tensor[] addBackward(Tensor a, Tensor b, Tensor g, Arena arena) {
        checkGradient(a, b, g);
        return new Tensor[] {sumTo(g, a.shape(), arena), sumTo(g, b.shape(), arena)};
    }

    /** {@code [g, -g]}, each summed to its input's shape. */
    public static Tensor[] subBackward(Tensor a, Tensor b, Tensor g, Arena arena) {
        checkGradient(a, b, g);
        Tensor gb = sumTo(g, b.shape(), arena);
        Blas1.sscal(gb.numel(), -1f, gb.segment(), gb.offset());
        return new Tensor[] {sumTo(g, a.shape(), arena), gb};
    }

    /** {@code [g b, g a]}, each summed to its input's shape. */
    public static Tensor[] mulBackward(Tensor a, Tensor b, Tensor g, Arena arena) {
        checkGradient(a, b, g);
        return new Tensor[] {sumTo(mul(g, b, arena), a.shape(), arena), sumTo(mul(g, a, arena), b.shape(), arena)};
    }

    /** {@code [g / b, -g a / b^2]}, each summed to its input's shape. */
    public static Tensor[] divBackward(Tensor a, Tensor b, Tensor g, Arena arena) {
        checkGradient(a, b, g);
        Tensor gb = sumTo(div(div(mul(g, a, arena), b, arena), b, arena), b.shape(), arena);
        Blas1.sscal(gb.numel(), -1f, gb.segment(), gb.offset());
        return new Tensor[] {sumTo(div(g, b, arena), a.shape(), arena), gb};
    }

    public static Tensor exp(Tensor x, Arena arena) {
        return unary(UnaryOp.EXP, x, arena);
    }

    /** {@code g exp(x)}. */
    public static Tensor expBackward(Tensor x, Tensor g, Arena arena) {
        return mul(g, exp(x, arena), arena);
    }

    /** The natural logarithm: -inf at 0, NaN below. */
    public static Tensor log(Tensor x, Arena arena) {
        return unary(UnaryOp.LOG, x, arena);
    }

    /** {@code g / x}. */
    public static Tensor logBackward(Tensor x, Tensor g, Arena arena) {
        return div(g, x, arena);
    }

    public static Tensor sqrt(Tensor x, Arena arena) {
        return unary(UnaryOp.SQRT, x, arena);
    }

    /** {@code g / (2 sqrt(x))}: infinite at 0, as PyTorch's. */
    public static Tensor sqrtBackward(Tensor x, Tensor g, Arena arena) {
        return div(g, mul(sqrt(x, arena), Tensor.scalar(arena, 2f), arena), arena);
    }

    public static Tensor abs(Tensor x, Arena arena) {
        return unary(UnaryOp.ABS, x, arena);
    }

    /** {@code g sign(x)}: 0 at 0, as PyTorch's. */
    public static Tensor absBackward(Tensor x, Tensor g, Arena arena) {
        return mul(g, sign(x, arena), arena);
    }

    public static Tensor neg(Tensor x, Arena arena) {
        return unary(UnaryOp.NEG, x, arena);
    }

    /** {@code -g}. */
    public static Tensor negBackward(Tensor g, Arena arena) {
        return neg(g, arena);
    }

    /**
     * -1, 0 or 1 by the sign of each element, 0 for ±0; its gradient is 0. NaN stays NaN, as
     * through every Panamax op (PyTorch 1.13's CPU kernel gives 0 there).
     */
    public static Tensor sign(Tensor x, Arena arena) {
        return unary(UnaryOp.SIGN, x, arena);
    }

    private static Tensor unary(UnaryOp op, Tensor x, Arena arena) {
        Layouts.requireType("x", x, DType.FLOAT32);
        Tensor xc = x.contiguous(arena);
        Tensor y = Tensor.empty(arena, x.shape());
        Unary.apply(op, xc.numel(), xc.segment(), xc.offset(), y.segment(), y.offset());
        return y;
    }

    /**
     * The sum over {@code dims} ({@code torch.sum(x, dim, keepdim)}): dimensions counted from the
     * last when negative, each at most once; no dimension at all sums everything (as PyTorch's
     * {@code dim=[]}). The reduced dimensions are dropped, or kept as 1 with {@code keepDim}.
     * Runs summed along the innermost dimension accumulate in double (see {@link Broadcast#sumTo}).
     */
    public static Tensor sum(Tensor x, int[] dims, boolean keepDim, Arena arena) {
        boolean[] reduced = reducedDims(x, dims);
        Tensor out = sumTo(x, keptShape(x.shape(), reduced), arena);
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
        Tensor out = sumTo(x, keptShape(x.shape(), reduced), arena);
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

    /**
     * The shape two shapes broadcast to ({@code torch.broadcast_shapes}): aligned from the last
     * dimension, each pair equal or one of them 1, missing leading dimensions taken as 1.
     */
    public static long[] broadcastShape(long[] a, long[] b) {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int d = 0; d < rank; d++) {
            long x = d < rank - a.length ? 1 : a[d - (rank - a.length)];
            long y = d < rank - b.length ? 1 : b[d - (rank - b.length)];
            if (x != y && x != 1 && y != 1) {
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " do not broadcast: dimension " + d + " of the result is " + x + " in one and " + y
                        + " in the other (each pair, aligned from the last, must be equal or 1)");
            }
            out[d] = x == 1 ? y : x;
        }
        return out;
    }

    /**
     * {@code g} summed over the dimensions {@code shape} broadcasts along to reach g's shape
     * ({@code Tensor.sum_to_size}): those it lacks and those where it has 1. A new contiguous
     * tensor of {@code shape}.
     */
    public static Tensor sumTo(Tensor g, long[] shape, Arena arena) {
        Layouts.requireType("g", g, DType.FLOAT32);
        if (!Arrays.equals(broadcastShape(shape, g.shape()), g.shape())) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not broadcast to the gradient's "
                    + Arrays.toString(g.shape()));
        }
        Tensor gc = g.contiguous(arena);
        Tensor out = Tensor.empty(arena, shape);
        long[] aligned = new long[g.rank()];
        Arrays.fill(aligned, 1);
        System.arraycopy(shape, 0, aligned, g.rank() - shape.length, shape.length);
        Broadcast.sumTo(g.shape(), gc.segment(), gc.offset(), aligned, out.segment(), out.offset());
        return out;
    }

    private static Tensor apply(BinaryOp op, Tensor a, Tensor b, Arena arena) {
        Layouts.requireType("a", a, DType.FLOAT32);
        Layouts.requireType("b", b, DType.FLOAT32);
        long[] shape = broadcastShape(a.shape(), b.shape());
        Tensor av = Layouts.broadcast("a", a, shape);
        Tensor bv = Layouts.broadcast("b", b, shape);
        Tensor y = Tensor.empty(arena, shape);
        Broadcast.apply(op, shape, av.segment(), av.offset(), av.strides(), bv.segment(), bv.offset(), bv.strides(),
                y.segment(), y.offset());
        return y;
    }

    private static void checkGradient(Tensor a, Tensor b, Tensor g) {
        long[] shape = broadcastShape(a.shape(), b.shape());
        if (!g.hasShape(shape)) {
            throw new IllegalArgumentException("the gradient must have the result's shape " + Arrays.toString(shape)
                    + ", got " + Arrays.toString(g.shape()));
        }
    }
}
