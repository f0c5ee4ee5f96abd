package dev.panamax.nn.functional;

import java.lang.foreign.Arena;

import dev.panamax.kernels.activation.Softmax;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * {@code torch.softmax} and {@code torch.log_softmax} over any dimension of a tensor of any
 * shape, forward and backward. A view whose leading and trailing dimensions each collapse to a
 * single stride goes to the kernel as it is; any other view is made contiguous first.
 */
public final class SoftmaxFunctions {

    private SoftmaxFunctions() {
    }

    /** {@code softmax(x, dim)}. */
    public static Tensor softmax(Tensor x, int dim, Arena arena) {
        return forward(false, x, dim, arena);
    }

    /** {@code log_softmax(x, dim)}. */
    public static Tensor logSoftmax(Tensor x, int dim, Arena arena) {
        return forward(true, x, dim, arena);
    }

    /** The gradient of softmax from its output {@code y}: {@code y * (gy - sum(gy * y, dim))}. */
    public static Tensor softmaxBackward(Tensor y, Tensor gy, int dim, Arena arena) {
        return backward(false, y, gy, dim, arena);
    }

    /** The gradient of log_softmax from its output {@code y}: {@code gy - exp(y) * sum(gy, dim)}. */
    public static Tensor logSoftmaxBackward(Tensor y, Tensor gy, int dim, Arena arena) {
        return backward(true, y, gy, dim, arena);
    }

    private static Tensor forward(boolean log, Tensor x, int dim, Arena arena) {
        Layouts.requireType("x", x, DType.FLOAT32);
        Tensor y = Tensor.emptyLike(arena, x);
        if (x.rank() == 0) {
            y.set(log ? 0f : 1f);
            if (Float.isNaN(x.item())) {
                y.set(Float.NaN);
            }
            return y;
        }
        int d = x.dimension(dim);
        long[] sizes = sizes(x, d);
        Tensor xs = strided(x, d, arena);
        Softmax.forward(log, sizes[0], sizes[1], sizes[2], xs.segment(), xs.offset(), axisStrides(xs, d),
                y.segment(), 0, axisStrides(y, d));
        return y;
    }

    private static Tensor backward(boolean log, Tensor y, Tensor gy, int dim, Arena arena) {
        Layouts.requireType("y", y, DType.FLOAT32);
        Layouts.requireSameShape("gy", gy, y);
        Tensor gx = Tensor.emptyLike(arena, y);
        if (y.rank() == 0) {
            return gx;
        }
        int d = y.dimension(dim);
        long[] sizes = sizes(y, d);
        Tensor ys = strided(y, d, arena);
        Tensor gs = strided(gy, d, arena);
        Softmax.backward(log, sizes[0], sizes[1], sizes[2], ys.segment(), ys.offset(), axisStrides(ys, d),
                gs.segment(), gs.offset(), axisStrides(gs, d), gx.segment(), 0, axisStrides(gx, d));
        return gx;
    }

    private static long[] sizes(Tensor t, int d) {
        long[] shape = t.shape();
        return new long[] {Layouts.product(shape, 0, d), shape[d], Layouts.product(shape, d + 1, shape.length)};
    }

    /** {@code t} when its outer and inner dimensions each collapse to one stride, else a contiguous copy. */
    private static Tensor strided(Tensor t, int d, Arena arena) {
        long[] shape = t.shape();
        long[] strides = t.strides();
        if (Layouts.collapsedStride(shape, strides, 0, d) < 0
                || Layouts.collapsedStride(shape, strides, d + 1, shape.length) < 0) {
            return t.contiguous(arena);
        }
        return t;
    }

    private static long[] axisStrides(Tensor t, int d) {
        long[] shape = t.shape();
        long[] strides = t.strides();
        return new long[] {
            Layouts.collapsedStride(shape, strides, 0, d),
            strides[d],
            Layouts.collapsedStride(shape, strides, d + 1, shape.length)};
    }
}
