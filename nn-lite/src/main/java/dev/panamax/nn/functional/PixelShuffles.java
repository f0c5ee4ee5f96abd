package dev.panamax.nn.functional;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * {@code torch.nn.functional.pixel_shuffle} and {@code pixel_unshuffle} on {@code [*, C, H, W]}:
 * shuffle moves {@code r^2} channels into an {@code r x r} block of pixels,
 * {@code y[.., c, h r + i, w r + j] = x[.., c r^2 + i r + j, h, w]}, and unshuffle undoes it; each
 * is the other's backward. A copy through one permuted view (sub-pixel convolution's upsampling).
 */
public final class PixelShuffles {

    private PixelShuffles() {
    }

    /** {@code [*, C r^2, H, W] -> [*, C, H r, W r]}. */
    public static Tensor pixelShuffle(Tensor x, int r, Arena arena) {
        check(x, r);
        long c = x.size(-3);
        if (c % ((long) r * r) != 0) {
            throw new IllegalArgumentException("pixel_shuffle needs channels divisible by r^2 = " + (long) r * r
                    + ", x has shape " + Arrays.toString(x.shape()));
        }
        long b = batch(x);
        long oc = c / ((long) r * r);
        long h = x.size(-2);
        long w = x.size(-1);
        Tensor y = x.contiguous(arena).view(b, oc, r, r, h, w).permute(0, 1, 4, 2, 5, 3).contiguous(arena)
                .view(b, oc, h * r, w * r);
        return y.view(shapeWith(x, oc, h * r, w * r));
    }

    /** {@code [*, C, H r, W r] -> [*, C r^2, H, W]}. */
    public static Tensor pixelUnshuffle(Tensor x, int r, Arena arena) {
        check(x, r);
        long h = x.size(-2);
        long w = x.size(-1);
        if (h % r != 0 || w % r != 0) {
            throw new IllegalArgumentException("pixel_unshuffle needs height and width divisible by r = " + r
                    + ", x has shape " + Arrays.toString(x.shape()));
        }
        long b = batch(x);
        long c = x.size(-3);
        Tensor y = x.contiguous(arena).view(b, c, h / r, r, w / r, r).permute(0, 1, 3, 5, 2, 4).contiguous(arena)
                .view(b, c * r * r, h / r, w / r);
        return y.view(shapeWith(x, c * r * r, h / r, w / r));
    }

    private static void check(Tensor x, int r) {
        Layouts.requireType("x", x, DType.FLOAT32);
        if (x.rank() < 3) {
            throw new IllegalArgumentException("pixel shuffles need [*, C, H, W], got shape " + Arrays.toString(x.shape()));
        }
        if (r < 1) {
            throw new IllegalArgumentException("the factor must be >= 1, got " + r);
        }
    }

    /** The product of the dimensions before C. */
    private static long batch(Tensor x) {
        long b = 1;
        for (int d = 0; d < x.rank() - 3; d++) {
            b *= x.size(d);
        }
        return b;
    }

    /** x's leading dimensions followed by {@code c, h, w}. */
    private static long[] shapeWith(Tensor x, long c, long h, long w) {
        long[] shape = x.shape();
        shape[shape.length - 3] = c;
        shape[shape.length - 2] = h;
        shape[shape.length - 1] = w;
        return shape;
    }
}
