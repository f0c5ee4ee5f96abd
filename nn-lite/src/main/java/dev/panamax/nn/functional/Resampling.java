package dev.panamax.nn.functional;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.kernels.upsample.Upsample2d;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * {@code torch.nn.functional.interpolate} on {@code [N, C, H, W]}, nearest, bilinear or bicubic, forward
 * and backward ({@link Upsample2d} has the coordinates). The output size is given, or follows
 * from scale factors as PyTorch's does ({@code floor(H * factor)}, the kernel then stepping
 * {@code 1 / factor} input pixels per output pixel, not {@code H / Hout}).
 */
public final class Resampling {

    private Resampling() {
    }

    /** The interpolation: PyTorch's {@code mode="nearest"}, {@code "bilinear"} and {@code "bicubic"}. */
    public enum Mode {
        NEAREST, BILINEAR,
        /** Keys' cubic convolution over 4 x 4 inputs (A = -0.75), edges clamped; outputs may overshoot the inputs' range. */
        BICUBIC
    }

    /**
     * {@code interpolate(x, size, scale_factor, mode, align_corners)}: exactly one of {@code size}
     * ({@code [Hout, Wout]}) and {@code scaleFactor} ({@code [sH, sW]}, each above 0) is given;
     * {@code alignCorners} is for bilinear and bicubic only, as in PyTorch.
     */
    public static Tensor interpolate(Tensor x, int[] size, double[] scaleFactor, Mode mode, boolean alignCorners,
                                     Arena arena) {
        Plan p = plan(x, size, scaleFactor, mode, alignCorners);
        Tensor xd = x.contiguous(arena);
        Tensor y = Tensor.empty(arena, x.size(0), x.size(1), p.oh, p.ow);
        if (mode == Mode.NEAREST) {
            Upsample2d.nearestForward(p.planes, p.h, p.w, p.oh, p.ow, p.scaleH, p.scaleW, xd.segment(), xd.offset(),
                    y.segment(), 0);
        } else if (mode == Mode.BICUBIC) {
            Upsample2d.bicubicForward(p.planes, p.h, p.w, p.oh, p.ow, p.scaleH, p.scaleW, alignCorners, xd.segment(),
                    xd.offset(), y.segment(), 0);
        } else {
            Upsample2d.bilinearForward(p.planes, p.h, p.w, p.oh, p.ow, p.scaleH, p.scaleW, alignCorners, xd.segment(),
                    xd.offset(), y.segment(), 0);
        }
        return y;
    }

    /** The gradient of {@link #interpolate} with respect to {@code x}, given that of its output. */
    public static Tensor interpolateBackward(Tensor x, Tensor gy, int[] size, double[] scaleFactor, Mode mode,
                                             boolean alignCorners, Arena arena) {
        Plan p = plan(x, size, scaleFactor, mode, alignCorners);
        Layouts.requireShape("gy", gy, x.size(0), x.size(1), p.oh, p.ow);
        Tensor gd = gy.contiguous(arena);
        Tensor gx = Tensor.emptyLike(arena, x);         // the kernel zeroes it first
        if (mode == Mode.NEAREST) {
            Upsample2d.nearestBackward(p.planes, p.h, p.w, p.oh, p.ow, p.scaleH, p.scaleW, gd.segment(), gd.offset(),
                    gx.segment(), 0);
        } else if (mode == Mode.BICUBIC) {
            Upsample2d.bicubicBackward(p.planes, p.h, p.w, p.oh, p.ow, p.scaleH, p.scaleW, alignCorners, gd.segment(),
                    gd.offset(), gx.segment(), 0);
        } else {
            Upsample2d.bilinearBackward(p.planes, p.h, p.w, p.oh, p.ow, p.scaleH, p.scaleW, alignCorners, gd.segment(),
                    gd.offset(), gx.segment(), 0);
        }
        return gx;
    }

    private record Plan(long planes, int h, int w, int oh, int ow, double scaleH, double scaleW) {
    }

    /**
     * The checks {@link #interpolate} makes of its arguments before it looks at x: a mode, exactly
     * one of size and scale factors, each well formed, align_corners with bilinear only.
     */
    public static void checkArguments(int[] size, double[] scaleFactor, Mode mode, boolean alignCorners) {
        if (mode == null) {
            throw new IllegalArgumentException("mode must not be null (NEAREST, BILINEAR or BICUBIC)");
        }
        if (alignCorners && mode == Mode.NEAREST) {
            throw new IllegalArgumentException("align_corners is for bilinear and bicubic interpolation only, as in PyTorch");
        }
        if ((size == null) == (scaleFactor == null)) {
            throw new IllegalArgumentException("give either size or scale_factor, not both or neither");
        }
        if (size != null && (size.length != 2 || size[0] < 1 || size[1] < 1)) {
            throw new IllegalArgumentException("size must be two ints >= 1, got " + Arrays.toString(size));
        }
        if (scaleFactor != null && (scaleFactor.length != 2 || !(scaleFactor[0] > 0) || !(scaleFactor[1] > 0)
                || Double.isInfinite(scaleFactor[0]) || Double.isInfinite(scaleFactor[1]))) {
            throw new IllegalArgumentException("scale_factor must be two finite values > 0, got " + Arrays.toString(scaleFactor));
        }
    }

    private static Plan plan(Tensor x, int[] size, double[] scaleFactor, Mode mode, boolean alignCorners) {
        Layouts.requireRank("x", x, 4);
        Layouts.requireType("x", x, DType.FLOAT32);
        checkArguments(size, scaleFactor, mode, alignCorners);
        if (x.size(2) == 0 || x.size(3) == 0 || x.size(2) > Integer.MAX_VALUE || x.size(3) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cannot interpolate planes of shape " + Arrays.toString(x.shape()));
        }
        int h = (int) x.size(2);
        int w = (int) x.size(3);
        if (size != null) {
            return new Plan(x.size(0) * x.size(1), h, w, size[0], size[1], Upsample2d.scale(h, size[0], 0),
                    Upsample2d.scale(w, size[1], 0));
        }
        double outH = Math.floor(h * scaleFactor[0]);
        double outW = Math.floor(w * scaleFactor[1]);
        if (outH < 1 || outW < 1 || outH > Integer.MAX_VALUE || outW > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("scale_factor " + Arrays.toString(scaleFactor) + " gives an output of "
                    + outH + " x " + outW + " for " + h + " x " + w);
        }
        int oh = (int) outH;
        int ow = (int) outW;
        return new Plan(x.size(0) * x.size(1), h, w, oh, ow, Upsample2d.scale(h, oh, scaleFactor[0]),
                Upsample2d.scale(w, ow, scaleFactor[1]));
    }
}
