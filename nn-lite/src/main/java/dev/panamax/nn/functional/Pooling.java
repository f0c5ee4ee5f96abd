package dev.panamax.nn.functional;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import dev.panamax.kernels.pool.AdaptivePool2d;
import dev.panamax.kernels.pool.AvgPool2d;
import dev.panamax.kernels.pool.LpPool2d;
import dev.panamax.kernels.pool.MaxPool2d;
import dev.panamax.kernels.pool.PoolGeometry;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * 2-d pooling on NCHW tensors, forward and backward: {@code max_pool2d}, {@code min_pool2d}
 * ({@code -max_pool2d(-x)}), {@code avg_pool2d}, the adaptive pools, and the global pools over the
 * whole plane (output {@code [N, C, 1, 1]}). The forms without a {@code ceilMode} argument take PyTorch's
 * default, {@code ceil_mode=False}.
 */
public final class Pooling {

    private Pooling() {
    }

    /**
     * A max or min pool's output and, per output, the index within its plane of the input that
     * won (int32), which backward needs.
     */
    public record Indexed(Tensor y, MemorySegment argmax) {
    }

    /** {@code max_pool2d} (or {@code min_pool2d} when {@code min}). */
    public static Indexed maxPool2d(boolean min, Tensor x, int[] kernel, int[] stride, int[] padding, Arena arena) {
        return maxPool2d(min, x, kernel, stride, padding, false, arena);
    }

    /** {@code max_pool2d(x, kernel, stride, padding, ceil_mode=ceilMode)} (or min). */
    public static Indexed maxPool2d(boolean min, Tensor x, int[] kernel, int[] stride, int[] padding, boolean ceilMode,
                                    Arena arena) {
        return extremum(min, x, geometry(x, kernel, stride, padding, ceilMode), null, arena);
    }

    /** The gradient of {@link #maxPool2d(boolean, Tensor, int[], int[], int[], Arena)}. */
    public static Tensor maxPool2dBackward(Tensor x, Indexed forward, Tensor gy, int[] kernel, int[] stride, int[] padding,
                                           Arena arena) {
        return maxPool2dBackward(x, forward, gy, kernel, stride, padding, false, arena);
    }

    /** The gradient of {@link #maxPool2d(boolean, Tensor, int[], int[], int[], boolean, Arena)}. */
    public static Tensor maxPool2dBackward(Tensor x, Indexed forward, Tensor gy, int[] kernel, int[] stride, int[] padding,
                                           boolean ceilMode, Arena arena) {
        return extremumBackward(x, forward, gy, geometry(x, kernel, stride, padding, ceilMode), arena);
    }

    /**
     * The window of a 2-D pool with these attributes over {@code x [N, C, H, W]}: {@code previous}
     * when it already is that window (a layer keeps the one of its last input, and a steady-state
     * step then makes no object), else a new one.
     */
    public static PoolGeometry geometry(Tensor x, int[] kernel, int[] stride, int[] padding, PoolGeometry previous) {
        return geometry(x, kernel, stride, padding, false, previous);
    }

    /** {@link #geometry(Tensor, int[], int[], int[], PoolGeometry)} with PyTorch's {@code ceil_mode}. */
    public static PoolGeometry geometry(Tensor x, int[] kernel, int[] stride, int[] padding, boolean ceilMode,
                                        PoolGeometry previous) {
        return geometry(x, kernel, stride, padding, UNDILATED, ceilMode, previous);
    }

    /** {@link #geometry(Tensor, int[], int[], int[], boolean, PoolGeometry)} with max pooling's {@code dilation}. */
    public static PoolGeometry geometry(Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode,
                                        PoolGeometry previous) {
        check(x);
        if (dilation == null || dilation.length != 2) {
            throw new IllegalArgumentException("dilation must be [h, w], got " + Arrays.toString(dilation));
        }
        if (previous != null && previous.ceilMode() == ceilMode && previous.height() == x.size(2)
                && previous.dilationH() == dilation[0] && previous.dilationW() == dilation[1]
                && previous.width() == x.size(3) && kernel != null
                && kernel.length == 2 && stride != null && stride.length == 2 && padding != null && padding.length == 2
                && previous.kernelH() == kernel[0] && previous.kernelW() == kernel[1] && previous.strideH() == stride[0]
                && previous.strideW() == stride[1] && previous.padH() == padding[0] && previous.padW() == padding[1]) {
            return previous;
        }
        return geometry(x, kernel, stride, padding, ceilMode, dilation);
    }

    private static final int[] UNDILATED = {1, 1};

    /** {@code max_pool2d(x, kernel, stride, padding, dilation, ceil_mode)} (or min). */
    public static Indexed maxPool2d(boolean min, Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation,
                                    boolean ceilMode, Arena arena) {
        return extremum(min, x, geometry(x, kernel, stride, padding, dilation, ceilMode, null), null, arena);
    }

    /** The gradient of {@link #maxPool2d(boolean, Tensor, int[], int[], int[], int[], boolean, Arena)}. */
    public static Tensor maxPool2dBackward(Tensor x, Indexed forward, Tensor gy, int[] kernel, int[] stride, int[] padding,
                                           int[] dilation, boolean ceilMode, Arena arena) {
        return extremumBackward(x, forward, gy, geometry(x, kernel, stride, padding, dilation, ceilMode, null), arena);
    }

    /**
     * {@code max_pool2d} (or min) over a window from {@link #geometry(Tensor, int[], int[], int[], PoolGeometry)};
     * {@code previous} is returned again when it holds this call's output and argmax, which it
     * does in a steady-state step of a {@link dev.panamax.nn.tensor.StepArena#reusingTensors()}
     * arena (so that such a step allocates nothing).
     */
    public static Indexed maxPool2d(boolean min, Tensor x, PoolGeometry g, Indexed previous, Arena arena) {
        requireWindow(x, g);
        return extremum(min, x, g, previous, arena);
    }

    /**
     * The values of {@link #maxPool2d(boolean, Tensor, PoolGeometry, Indexed, Arena)} without the
     * argmax, for a forward no backward follows (inference): several times faster on 2 x 2
     * windows. The same values, bit for bit.
     */
    public static Tensor maxPool2dValues(boolean min, Tensor x, PoolGeometry g, Arena arena) {
        requireWindow(x, g);
        Tensor xd = x.contiguous(arena);
        Tensor y = Tensor.empty(arena, x.size(0), x.size(1), g.outHeight(), g.outWidth());
        MaxPool2d.forwardValues(min, x.size(0) * x.size(1), g, xd.segment(), xd.offset(), y.segment(), 0);
        return y;
    }

    /** The gradient of {@link #maxPool2d(boolean, Tensor, PoolGeometry, Indexed, Arena)}. */
    public static Tensor maxPool2dBackward(Tensor x, Indexed forward, Tensor gy, PoolGeometry g, Arena arena) {
        requireWindow(x, g);
        return extremumBackward(x, forward, gy, g, arena);
    }

    /**
     * The positions of a max pool's maxima, as {@code max_pool2d(..., return_indices=True)} gives
     * them: int64 of the output's shape, each the flat index {@code h W + w} within its input plane.
     */
    public static Tensor indices(Indexed forward, Arena arena) {
        long[] shape = forward.y().shape();
        Tensor out = Tensor.zeros(arena, DType.INT64, shape);
        long n = forward.y().numel();
        for (long i = 0; i < n; i++) {
            out.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG, i,
                    forward.argmax().getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, i));
        }
        return out;
    }

    /**
     * {@code max_unpool2d(x, indices, kernel, stride, padding, output_size)}: x and indices (int64)
     * {@code [N, C, h, w]}, the output {@code [N, C, H, W]} with {@code {H, W}} = {@code outputSize}, or by
     * default {@code (h - 1) stride - 2 padding + kernel} per dimension.
     */
    public static Tensor maxUnpool2d(Tensor x, Tensor indices, int[] kernel, int[] stride, int[] padding, int[] outputSize,
                                     Arena arena) {
        long[] out = unpoolShape(x, indices, kernel, stride, padding, outputSize);
        Tensor xd = x.contiguous(arena);
        Tensor id = indices.contiguous(arena);
        Tensor y = Tensor.empty(arena, out);
        dev.panamax.kernels.pool.MaxUnpool2d.forward(out[0] * out[1], x.size(2) * x.size(3), out[2] * out[3], xd.segment(),
                xd.offset(), id.segment(), id.offset(), y.segment(), y.offset());
        return y;
    }

    /** The gradient of {@link #maxUnpool2d} with respect to x: {@code gy} gathered at the indices. */
    public static Tensor maxUnpool2dBackward(Tensor x, Tensor indices, Tensor gy, int[] kernel, int[] stride, int[] padding,
                                             int[] outputSize, Arena arena) {
        long[] out = unpoolShape(x, indices, kernel, stride, padding, outputSize);
        Layouts.requireShape("gy", gy, out);
        Tensor g = gy.contiguous(arena);
        Tensor id = indices.contiguous(arena);
        Tensor gx = Tensor.empty(arena, x.shape());
        dev.panamax.kernels.pool.MaxUnpool2d.backward(out[0] * out[1], x.size(2) * x.size(3), out[2] * out[3], g.segment(),
                g.offset(), id.segment(), id.offset(), gx.segment(), gx.offset());
        return gx;
    }

    private static long[] unpoolShape(Tensor x, Tensor indices, int[] kernel, int[] stride, int[] padding, int[] outputSize) {
        Layouts.requireType("x", x, DType.FLOAT32);
        Layouts.requireRank("x", x, 4);
        Layouts.requireType("indices", indices, DType.INT64);
        Layouts.requireSameShape("indices", indices, x);
        long[] out = {x.size(0), x.size(1), 0, 0};
        for (int d = 0; d < 2; d++) {
            out[2 + d] = outputSize != null ? outputSize[d] : (x.size(2 + d) - 1) * stride[d] - 2L * padding[d] + kernel[d];
            if (out[2 + d] < 1) {
                throw new IllegalArgumentException("max_unpool2d's output size must be >= 1 per dimension, got "
                        + java.util.Arrays.toString(java.util.Arrays.copyOfRange(out, 2, 4)));
            }
        }
        return out;
    }

    /** {@code avg_pool2d}, as {@code torch.nn.functional.avg_pool2d} (ceil_mode false). */
    public static Tensor avgPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, boolean countIncludePad,
                                   Arena arena) {
        return avgPool2d(x, kernel, stride, padding, countIncludePad, false, arena);
    }

    /**
     * {@code avg_pool2d(x, kernel, stride, padding, ceil_mode=ceilMode, count_include_pad)}: a window
     * ceil_mode runs past the right padding divides by its positions inside the padded input, as
     * PyTorch's.
     */
    public static Tensor avgPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, boolean countIncludePad,
                                   boolean ceilMode, Arena arena) {
        return average(x, geometry(x, kernel, stride, padding, ceilMode), countIncludePad, arena);
    }

    /** The gradient of {@link #avgPool2d(Tensor, int[], int[], int[], boolean, Arena)}. */
    public static Tensor avgPool2dBackward(Tensor x, Tensor gy, int[] kernel, int[] stride, int[] padding,
                                           boolean countIncludePad, Arena arena) {
        return avgPool2dBackward(x, gy, kernel, stride, padding, countIncludePad, false, arena);
    }

    /** The gradient of {@link #avgPool2d(Tensor, int[], int[], int[], boolean, boolean, Arena)}. */
    public static Tensor avgPool2dBackward(Tensor x, Tensor gy, int[] kernel, int[] stride, int[] padding,
                                           boolean countIncludePad, boolean ceilMode, Arena arena) {
        return averageBackward(x, gy, geometry(x, kernel, stride, padding, ceilMode), countIncludePad, arena);
    }

    /** {@code avg_pool2d} over a window from {@link #geometry(Tensor, int[], int[], int[], PoolGeometry)}. */
    public static Tensor avgPool2d(Tensor x, PoolGeometry g, boolean countIncludePad, Arena arena) {
        requireWindow(x, g);
        return average(x, g, countIncludePad, arena);
    }

    /** The gradient of {@link #avgPool2d(Tensor, PoolGeometry, boolean, Arena)}. */
    public static Tensor avgPool2dBackward(Tensor x, Tensor gy, PoolGeometry g, boolean countIncludePad, Arena arena) {
        requireWindow(x, g);
        return averageBackward(x, gy, g, countIncludePad, arena);
    }

    /** Mean over each plane: {@code [N, C, 1, 1]}. */
    public static Tensor globalAvgPool2d(Tensor x, Arena arena) {
        return average(x, whole(x), true, arena);
    }

    /** The gradient of {@link #globalAvgPool2d}. */
    public static Tensor globalAvgPool2dBackward(Tensor x, Tensor gy, Arena arena) {
        return averageBackward(x, gy, whole(x), true, arena);
    }

    /** Max over each plane: {@code [N, C, 1, 1]}. */
    public static Indexed globalMaxPool2d(Tensor x, Arena arena) {
        return extremum(false, x, whole(x), null, arena);
    }

    /** The gradient of {@link #globalMaxPool2d} (to the argmax). */
    public static Tensor globalMaxPool2dBackward(Tensor x, Indexed forward, Tensor gy, Arena arena) {
        return extremumBackward(x, forward, gy, whole(x), arena);
    }

    /**
     * {@code adaptive_avg_pool2d(x, outputSize)}: {@code [N, C, Hout, Wout]}, each output the mean
     * of PyTorch's window for it ({@link AdaptivePool2d}); an output size of -1 keeps the input's
     * (PyTorch's None).
     */
    public static Tensor adaptiveAvgPool2d(Tensor x, int[] outputSize, Arena arena) {
        checkAdaptive(x, outputSize);
        int oh = adaptive(x, outputSize, 0);
        int ow = adaptive(x, outputSize, 1);
        Tensor xd = x.contiguous(arena);
        Tensor y = Tensor.empty(arena, x.size(0), x.size(1), oh, ow);
        AdaptivePool2d.averageForward(x.size(0) * x.size(1), (int) x.size(2), (int) x.size(3), oh, ow, xd.segment(),
                xd.offset(), y.segment(), 0);
        return y;
    }

    /** The gradient of {@link #adaptiveAvgPool2d}. */
    public static Tensor adaptiveAvgPool2dBackward(Tensor x, Tensor gy, int[] outputSize, Arena arena) {
        checkAdaptive(x, outputSize);
        int oh = adaptive(x, outputSize, 0);
        int ow = adaptive(x, outputSize, 1);
        Layouts.requireShape("gy", gy, x.size(0), x.size(1), oh, ow);
        Tensor gd = gy.contiguous(arena);
        Tensor gx = Tensor.emptyLike(arena, x);     // the kernel zeroes it first
        AdaptivePool2d.averageBackward(x.size(0) * x.size(1), (int) x.size(2), (int) x.size(3), oh, ow, gd.segment(),
                gd.offset(), gx.segment(), 0);
        return gx;
    }

    /** {@code adaptive_max_pool2d(x, outputSize, return_indices=True)}: the maxima and their indices in the plane. */
    public static Indexed adaptiveMaxPool2d(Tensor x, int[] outputSize, Arena arena) {
        return adaptiveMaxPool2d(x, outputSize, null, arena);
    }

    /**
     * {@link #adaptiveMaxPool2d(Tensor, int[], Arena)}, {@code previous} returned again when it holds
     * this call's output and indices (a steady-state step of a reusing arena: nothing allocated).
     */
    public static Indexed adaptiveMaxPool2d(Tensor x, int[] outputSize, Indexed previous, Arena arena) {
        checkAdaptive(x, outputSize);
        int oh = adaptive(x, outputSize, 0);
        int ow = adaptive(x, outputSize, 1);
        Tensor xd = x.contiguous(arena);
        Tensor y = Tensor.empty(arena, x.size(0), x.size(1), oh, ow);
        MemorySegment argmax = arena.allocate(Math.max(1, y.numel()) * Integer.BYTES, ValueLayout.JAVA_INT.byteAlignment());
        AdaptivePool2d.maxForward(x.size(0) * x.size(1), (int) x.size(2), (int) x.size(3), oh, ow, xd.segment(),
                xd.offset(), y.segment(), 0, argmax, 0);
        return previous != null && previous.y() == y && previous.argmax() == argmax ? previous : new Indexed(y, argmax);
    }

    /** The gradient of {@link #adaptiveMaxPool2d} (each output's to its winner). */
    public static Tensor adaptiveMaxPool2dBackward(Tensor x, Indexed forward, Tensor gy, Arena arena) {
        check(x);
        Layouts.requireSameShape("gy", gy, forward.y());
        Tensor gd = gy.contiguous(arena);
        Tensor gx = Tensor.emptyLike(arena, x);     // the kernel zeroes it first
        AdaptivePool2d.maxBackward(x.size(0) * x.size(1), (int) x.size(2), (int) x.size(3), (int) gy.size(2),
                (int) gy.size(3), gd.segment(), gd.offset(), forward.argmax(), 0, gx.segment(), 0);
        return gx;
    }

    private static void checkAdaptive(Tensor x, int[] outputSize) {
        check(x);
        if (outputSize == null || outputSize.length != 2 || outputSize[0] == 0 || outputSize[1] == 0
                || outputSize[0] < -1 || outputSize[1] < -1) {
            throw new IllegalArgumentException("output_size must be two sizes >= 1 (or -1 for the input's), got "
                    + Arrays.toString(outputSize));
        }
        if (x.size(2) == 0 || x.size(3) == 0 || x.size(2) > Integer.MAX_VALUE || x.size(3) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("adaptive pooling needs non-empty planes, x has shape " + Arrays.toString(x.shape()));
        }
    }

    /** The output's size along spatial dimension {@code d} (0: height, 1: width), -1 taking the input's. */
    private static int adaptive(Tensor x, int[] outputSize, int d) {
        return outputSize[d] < 0 ? (int) x.size(2 + d) : outputSize[d];
    }

    private static Indexed extremum(boolean min, Tensor x, PoolGeometry g, Indexed previous, Arena arena) {
        Tensor xd = x.contiguous(arena);
        long planes = x.size(0) * x.size(1);
        Tensor y = Tensor.empty(arena, x.size(0), x.size(1), g.outHeight(), g.outWidth());
        MemorySegment argmax = arena.allocate(Math.max(1, y.numel()) * Integer.BYTES, ValueLayout.JAVA_INT.byteAlignment());
        MaxPool2d.forward(min, planes, g, xd.segment(), xd.offset(), y.segment(), 0, argmax, 0);
        return previous != null && previous.y() == y && previous.argmax() == argmax ? previous : new Indexed(y, argmax);
    }

    private static Tensor extremumBackward(Tensor x, Indexed forward, Tensor gy, PoolGeometry g, Arena arena) {
        Layouts.requireSameShape("gy", gy, forward.y());
        Tensor gd = gy.contiguous(arena);
        Tensor gx = Tensor.emptyLike(arena, x);     // the kernel zeroes it first
        MaxPool2d.backward(x.size(0) * x.size(1), g, gd.segment(), gd.offset(), forward.argmax(), 0, gx.segment(), 0);
        return gx;
    }

    private static Tensor average(Tensor x, PoolGeometry g, boolean countIncludePad, Arena arena) {
        Tensor xd = x.contiguous(arena);
        Tensor y = Tensor.empty(arena, x.size(0), x.size(1), g.outHeight(), g.outWidth());
        AvgPool2d.forward(countIncludePad, x.size(0) * x.size(1), g, xd.segment(), xd.offset(), y.segment(), 0);
        return y;
    }

    private static Tensor averageBackward(Tensor x, Tensor gy, PoolGeometry g, boolean countIncludePad, Arena arena) {
        Layouts.requireShape("gy", gy, x.size(0), x.size(1), g.outHeight(), g.outWidth());
        Tensor gd = gy.contiguous(arena);
        Tensor gx = Tensor.emptyLike(arena, x);     // the kernel zeroes it first
        AvgPool2d.backward(countIncludePad, x.size(0) * x.size(1), g, gd.segment(), gd.offset(), gx.segment(), 0);
        return gx;
    }

    private static PoolGeometry geometry(Tensor x, int[] kernel, int[] stride, int[] padding, boolean ceilMode) {
        return geometry(x, kernel, stride, padding, ceilMode, UNDILATED);
    }

    private static PoolGeometry geometry(Tensor x, int[] kernel, int[] stride, int[] padding, boolean ceilMode,
                                         int[] dilation) {
        check(x);
        if (kernel == null || kernel.length != 2 || stride == null || stride.length != 2 || padding == null
                || padding.length != 2) {
            throw new IllegalArgumentException("kernel_size, stride and padding must each be [h, w]");
        }
        return new PoolGeometry((int) x.size(2), (int) x.size(3), kernel[0], kernel[1], stride[0], stride[1], padding[0],
                padding[1], ceilMode, dilation[0], dilation[1]);
    }

    private static PoolGeometry whole(Tensor x) {
        check(x);
        int h = (int) x.size(2);
        int w = (int) x.size(3);
        PoolGeometry g = lastWhole;
        if (g == null || g.height() != h || g.width() != w) {
            g = new PoolGeometry(h, w, h, w, 1, 1, 0, 0);
            lastWhole = g;
        }
        return g;
    }

    /**
     * The last global pool's geometry, handed out again for planes of the same size (a model's
     * global pool sees the same size every step, so a step makes none). A record with final
     * fields, so a thread racing another here sees a whole one.
     */
    private static PoolGeometry lastWhole;

    private static void requireWindow(Tensor x, PoolGeometry g) {
        check(x);
        if (g.height() != x.size(2) || g.width() != x.size(3)) {
            throw new IllegalArgumentException("the pool's window is for " + g.height() + " x " + g.width()
                    + " planes, x has shape " + Arrays.toString(x.shape()));
        }
    }

    /**
     * {@code lp_pool2d(x, norm_type, kernel_size, stride, ceil_mode)}: the p-norm of each window of
     * {@code x [N, C, H, W]} (a window ceil_mode clips scaled up as PyTorch scales it, see
     * {@link LpPool2d}); no padding.
     */
    public static Tensor lpPool2d(Tensor x, double normType, int[] kernel, int[] stride, boolean ceilMode, Arena arena) {
        PoolGeometry g = geometry(x, kernel, stride, new int[] {0, 0}, ceilMode);
        Tensor xd = x.contiguous(arena);
        Tensor y = Tensor.empty(arena, x.size(0), x.size(1), g.outHeight(), g.outWidth());
        LpPool2d.forward(x.size(0) * x.size(1), g, normType, xd.segment(), xd.offset(), y.segment(), y.offset());
        return y;
    }

    /** The gradient of {@link #lpPool2d} with respect to its input. */
    public static Tensor lpPool2dBackward(Tensor x, Tensor gy, double normType, int[] kernel, int[] stride, boolean ceilMode,
                                          Arena arena) {
        PoolGeometry g = geometry(x, kernel, stride, new int[] {0, 0}, ceilMode);
        Layouts.requireShape("gy", gy, x.size(0), x.size(1), g.outHeight(), g.outWidth());
        Tensor xd = x.contiguous(arena);
        Tensor gd = gy.contiguous(arena);
        Tensor gx = Tensor.emptyLike(arena, x);
        LpPool2d.backward(x.size(0) * x.size(1), g, normType, xd.segment(), xd.offset(), gd.segment(), gd.offset(),
                gx.segment(), gx.offset());
        return gx;
    }

    private static void check(Tensor x) {
        Layouts.requireRank("x", x, 4);
        Layouts.requireType("x", x, DType.FLOAT32);
    }
}
