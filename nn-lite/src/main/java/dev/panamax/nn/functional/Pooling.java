package dev.panamax.nn.functional;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import dev.panamax.kernels.pool.AvgPool2d;
import dev.panamax.kernels.pool.MaxPool2d;
import dev.panamax.kernels.pool.PoolGeometry;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * 2-d pooling on NCHW tensors, forward and backward: {@code max_pool2d}, {@code min_pool2d}
 * ({@code -max_pool2d(-x)}), {@code avg_pool2d}, and the global pools over the whole plane
 * (output {@code [N, C, 1, 1]}). ceil_mode is always false.
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
        return extremum(min, x, geometry(x, kernel, stride, padding), arena);
    }

    /** The gradient of {@link #maxPool2d}. */
    public static Tensor maxPool2dBackward(Tensor x, Indexed forward, Tensor gy, int[] kernel, int[] stride, int[] padding,
                                           Arena arena) {
        return extremumBackward(x, forward, gy, geometry(x, kernel, stride, padding), arena);
    }

    /** {@code avg_pool2d}. */
    public static Tensor avgPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, boolean countIncludePad,
                                   Arena arena) {
        return average(x, geometry(x, kernel, stride, padding), countIncludePad, arena);
    }

    /** The gradient of {@link #avgPool2d}. */
    public static Tensor avgPool2dBackward(Tensor x, Tensor gy, int[] kernel, int[] stride, int[] padding,
                                           boolean countIncludePad, Arena arena) {
        return averageBackward(x, gy, geometry(x, kernel, stride, padding), countIncludePad, arena);
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
        return extremum(false, x, whole(x), arena);
    }

    /** The gradient of {@link #globalMaxPool2d} (to the argmax). */
    public static Tensor globalMaxPool2dBackward(Tensor x, Indexed forward, Tensor gy, Arena arena) {
        return extremumBackward(x, forward, gy, whole(x), arena);
    }

    private static Indexed extremum(boolean min, Tensor x, PoolGeometry g, Arena arena) {
        Tensor xd = x.contiguous(arena);
        long planes = x.size(0) * x.size(1);
        Tensor y = Tensor.empty(arena, x.size(0), x.size(1), g.outHeight(), g.outWidth());
        MemorySegment argmax = arena.allocate(Math.max(1, y.numel()) * Integer.BYTES, ValueLayout.JAVA_INT.byteAlignment());
        MaxPool2d.forward(min, planes, g, xd.segment(), xd.offset(), y.segment(), 0, argmax, 0);
        return new Indexed(y, argmax);
    }

    private static Tensor extremumBackward(Tensor x, Indexed forward, Tensor gy, PoolGeometry g, Arena arena) {
        Layouts.requireShape("gy", gy, forward.y().shape());
        Tensor gd = gy.contiguous(arena);
        Tensor gx = Tensor.empty(arena, x.shape());     // the kernel zeroes it first
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
        Tensor gx = Tensor.empty(arena, x.shape());     // the kernel zeroes it first
        AvgPool2d.backward(countIncludePad, x.size(0) * x.size(1), g, gd.segment(), gd.offset(), gx.segment(), 0);
        return gx;
    }

    private static PoolGeometry geometry(Tensor x, int[] kernel, int[] stride, int[] padding) {
        check(x);
        if (kernel == null || kernel.length != 2 || stride == null || stride.length != 2 || padding == null
                || padding.length != 2) {
            throw new IllegalArgumentException("kernel_size, stride and padding must each be [h, w]");
        }
        return new PoolGeometry((int) x.size(2), (int) x.size(3), kernel[0], kernel[1], stride[0], stride[1], padding[0],
                padding[1]);
    }

    private static PoolGeometry whole(Tensor x) {
        check(x);
        int h = (int) x.size(2);
        int w = (int) x.size(3);
        return new PoolGeometry(h, w, h, w, 1, 1, 0, 0);
    }

    private static void check(Tensor x) {
        Layouts.requireRank("x", x, 4);
        Layouts.requireType("x", x, DType.FLOAT32);
    }
}
