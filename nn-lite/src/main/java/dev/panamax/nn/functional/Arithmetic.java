package dev.panamax.nn.functional;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.kernels.elementwise.BinaryOp;
import dev.panamax.kernels.elementwise.Broadcast;
import dev.panamax.kernels.elementwise.Unary;
import dev.panamax.kernels.elementwise.UnaryOp;
import dev.panamax.kernels.gemm.Blas1;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * Elementwise {@code a + b}, {@code a - b}, {@code a * b}, {@code a / b} with PyTorch's
 * broadcasting ({@code torch.add}, {@code sub}, {@code mul}, {@code div}): the result has the
 * shape {@link #broadcastShape} gives, each input read along the dimensions it lacks or has as 1
 * again (a 0-d {@link Tensor#scalar} is a number). Each backward takes the upstream gradient of
 * the result and returns the gradients of both inputs, {@code [d a, d b]}, each summed back to
 * its input's shape ({@link #sumTo}), as autograd does. The same for {@link #where} and
 * {@link #maskedFill}, which choose between elements by an int64 mask (nonzero: true, as
 * PyTorch's bool). And the functions {@code exp}, {@code log}, {@code sqrt}, {@code abs},
 * {@code neg} and {@code sign} of one tensor. (Sums, means and maxima over dimensions are
 * {@link Reductions}.)
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

    /**
     * {@code torch.where(cond, a, b)}: a's element where cond is nonzero, b's elsewhere; cond
     * int64, the three broadcast together.
     */
    public static Tensor where(Tensor cond, Tensor a, Tensor b, Arena arena) {
        Layouts.requireType("cond", cond, DType.INT64);
        Layouts.requireType("a", a, DType.FLOAT32);
        Layouts.requireType("b", b, DType.FLOAT32);
        long[] shape = broadcastShape(broadcastShape(cond.shape(), a.shape()), b.shape());
        Tensor c = Layouts.broadcastAnyType("cond", cond, shape);
        Tensor av = Layouts.broadcast("a", a, shape);
        Tensor bv = Layouts.broadcast("b", b, shape);
        Tensor y = Tensor.empty(arena, shape);
        Broadcast.select(shape, c.segment(), c.offset(), c.strides(), av.segment(), av.offset(), av.strides(), bv.segment(),
                bv.offset(), bv.strides(), y.segment(), y.offset());
        return y;
    }

    /** The gradients of {@link #where}: {@code [g where cond, g where not]}, each summed to its input's shape. */
    public static Tensor[] whereBackward(Tensor cond, Tensor a, Tensor b, Tensor g, Arena arena) {
        long[] shape = broadcastShape(broadcastShape(cond.shape(), a.shape()), b.shape());
        if (!g.hasShape(shape)) {
            throw new IllegalArgumentException("the gradient must have the result's shape " + Arrays.toString(shape) + ", got "
                    + Arrays.toString(g.shape()));
        }
        Tensor zero = Tensor.scalar(arena, 0f);
        return new Tensor[] {sumTo(where(cond, g, zero, arena), a.shape(), arena),
            sumTo(where(cond, zero, g, arena), b.shape(), arena)};
    }

    /**
     * {@code x.masked_fill(mask, value)}: {@code value} where the int64 mask (broadcast to x's
     * shape) is nonzero, x elsewhere; attention's {@code -inf} for masked scores, say.
     */
    public static Tensor maskedFill(Tensor x, Tensor mask, float value, Arena arena) {
        requireMaskFor(x, mask);
        return where(mask, Tensor.scalar(arena, value), x, arena);
    }

    /** The gradient of {@link #maskedFill} for x: g where the mask is zero, 0 where it filled. */
    public static Tensor maskedFillBackward(Tensor x, Tensor mask, Tensor g, Arena arena) {
        requireMaskFor(x, mask);
        Layouts.requireShape("g", g, x.shape());
        return where(mask, Tensor.scalar(arena, 0f), g, arena);
    }

    private static void requireMaskFor(Tensor x, Tensor mask) {
        if (!Arrays.equals(broadcastShape(x.shape(), mask.shape()), x.shape())) {
            throw new IllegalArgumentException("mask " + Arrays.toString(mask.shape()) + " does not broadcast to x's "
                    + Arrays.toString(x.shape()));
        }
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
