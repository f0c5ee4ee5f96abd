package dev.panamax.nn.functional;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.kernels.pad.Pad2d;
import dev.panamax.kernels.pad.PadMode;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * {@code torch.nn.functional.pad} over the last one or two dimensions, forward and backward: pad
 * {@code {left, right}} (the last dimension) or {@code {left, right, top, bottom}} (the last two),
 * PyTorch's order, each at least 0; any dimensions before them are planes padded alike
 * ({@code [N, C, H, W]}, one image's {@code [C, H, W]}, ...).
 */
public final class Padding {

    private Padding() {
    }

    /**
     * {@code pad(x, pad, mode, value)}: the last dimension grows by {@code left + right}, the one
     * before by {@code top + bottom}; {@code value} fills a {@link PadMode#CONSTANT} pad.
     */
    public static Tensor pad(Tensor x, int[] pad, PadMode mode, float value, Arena arena) {
        Plane p = plane(x, pad);
        Tensor xd = x.contiguous(arena);
        Tensor y = x.rank() == 4 ? Tensor.empty(arena, x.size(0), x.size(1), p.h + p.top + p.bottom, p.w + p.left + p.right)
                : Tensor.empty(arena, p.padded(x.shape()));     // rank 4 without a shape array: a step allocates nothing
        Pad2d.forward(mode, value, p.planes, p.h, p.w, p.top, p.bottom, p.left, p.right, xd.segment(), xd.offset(),
                y.segment(), y.offset());
        return y;
    }

    /** The gradient of {@link #pad} with respect to {@code x}, given that of its output. */
    public static Tensor padBackward(Tensor x, Tensor gy, int[] pad, PadMode mode, Arena arena) {
        Plane p = plane(x, pad);
        if (x.rank() == 4) {
            Layouts.requireShape("gy", gy, x.size(0), x.size(1), p.h + p.top + p.bottom, p.w + p.left + p.right);
        } else {
            Layouts.requireShape("gy", gy, p.padded(x.shape()));
        }
        Tensor gd = gy.contiguous(arena);
        Tensor gx = Tensor.emptyLike(arena, x);        // the kernel zeroes it first
        Pad2d.backward(mode, p.planes, p.h, p.w, p.top, p.bottom, p.left, p.right, gd.segment(), gd.offset(),
                gx.segment(), gx.offset());
        return gx;
    }

    /** x as {@code planes} planes of {@code h x w} and the four pads. */
    private record Plane(long planes, int h, int w, int left, int right, int top, int bottom) {
        long[] padded(long[] shape) {
            long[] out = shape.clone();
            out[out.length - 1] += left + right;
            if (top + bottom > 0) {
                out[out.length - 2] += top + bottom;
            }
            return out;
        }
    }

    private static Plane plane(Tensor x, int[] pad) {
        Layouts.requireType("x", x, DType.FLOAT32);
        if (pad == null || (pad.length != 2 && pad.length != 4)) {
            throw new IllegalArgumentException("pad must be {left, right} or {left, right, top, bottom}, got "
                    + Arrays.toString(pad));
        }
        int rank = x.rank();
        if (rank < pad.length / 2) {
            throw new IllegalArgumentException("pad " + Arrays.toString(pad) + " pads the last " + pad.length / 2
                    + " dimensions; x has shape " + Arrays.toString(x.shape()));
        }
        long w = x.size(rank - 1);
        long h = rank >= 2 ? x.size(rank - 2) : 1;
        if (w == 0 || h == 0) {
            throw new IllegalArgumentException("cannot pad an empty plane: x has shape " + Arrays.toString(x.shape()));
        }
        if (h > Integer.MAX_VALUE || w > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a plane of " + h + " x " + w + " is too large to pad");
        }
        return new Plane(x.numel() / (h * w), (int) h, (int) w, pad[0], pad[1], pad.length == 4 ? pad[2] : 0,
                pad.length == 4 ? pad[3] : 0);
    }
}
