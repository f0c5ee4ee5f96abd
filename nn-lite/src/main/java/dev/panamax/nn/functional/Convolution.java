package dev.panamax.nn.functional;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import dev.panamax.kernels.conv.Conv2d;
import dev.panamax.kernels.conv.Conv2dPlan;
import dev.panamax.kernels.conv.ConvGeometry;
import dev.panamax.kernels.conv.ConvTranspose2d;
import dev.panamax.kernels.conv.ConvTranspose2dPlan;
import dev.panamax.kernels.pad.PadMode;
import dev.panamax.kernels.parallel.WorkerPool;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.StepArena;
import dev.panamax.nn.tensor.Tensor;

/**
 * {@code conv2d} and {@code conv_transpose2d} on NCHW tensors, forward and backward, as in
 * {@code torch.nn.functional}. 2-d attributes are {@code [h, w]}. The im2col workspace comes from
 * the given arena.
 */
public final class Convolution {

    private Convolution() {
    }

    /** Gradients of a convolution: input, weight, bias (null without bias). */
    public record Grads(Tensor x, Tensor weight, Tensor bias) {

        /** {@code previous} when it holds these very tensors (a reusing arena's steady state), else a new record. */
        static Grads of(Tensor x, Tensor weight, Tensor bias, Grads previous) {
            return previous != null && previous.x == x && previous.weight == weight && previous.bias == bias
                    ? previous : new Grads(x, weight, bias);
        }
    }

    /** {@code conv2d(x [N, C, H, W], weight [O, C/groups, kH, kW], bias [O] or null)}. */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation,
                                int groups, Arena arena) {
        return conv2d(x, weight, bias, conv2dPlan(x, weight, stride, padding, dilation, groups, null), arena);
    }

    /**
     * The plan of {@code conv2d(x, weight)} with these attributes: {@code previous} when it is for
     * the same shape and the pool's current thread count (a layer keeps the plan of its last
     * input, {@link dev.panamax.nn.layers.Conv2d}), else the automatic one ({@link Conv2dPlan#of}).
     */
    public static Conv2dPlan conv2dPlan(Tensor x, Tensor weight, int[] stride, int[] padding, int[] dilation, int groups,
                                        Conv2dPlan previous) {
        ConvGeometry g = previous == null ? null : previous.image();
        if (previous != null && previous.groups() == groups && previous.outChannels() == weight.size(0)
                && previous.threads() == WorkerPool.threads() && x.rank() == 4 && g.channels() == x.size(1)
                && g.height() == x.size(2) && g.width() == x.size(3) && sameWindow(g, weight, stride, padding, dilation)) {
            return previous;    // checked field by field: this runs on every call, and a steady-state step makes no object
        }
        return Conv2dPlan.of(conv2dGeometry(x, weight, stride, padding, dilation, groups), groups, (int) weight.size(0));
    }

    /**
     * {@code conv2d} as {@code plan} says (its stride, padding, dilation and groups): x
     * {@code [N, C, H, W]} and weight {@code [O, C/groups, kH, kW]} of the plan's shape.
     */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, Conv2dPlan plan, Arena arena) {
        return forward(x, weight, bias, plan, false, false, arena);
    }

    /**
     * Whether {@link #conv2dReluPool} takes this plan ({@link Conv2d#fusesReluPool}: the direct
     * forward, an output of at least 2 x 2).
     */
    public static boolean fusesReluPool(Conv2dPlan plan) {
        return Conv2d.fusesReluPool(plan);
    }

    /**
     * {@code max_pool2d(relu(conv2d(x, weight, bias)), 2)}, or {@code avg_pool2d} when
     * {@code average}, in one pass, for inference: the values of the three ops run one after
     * another (a NaN's payload aside), without the convolution's full output (floor mode: y is
     * {@code [N, O, Hout / 2, Wout / 2]}). Only for plans {@link #fusesReluPool} accepts.
     */
    public static Tensor conv2dReluPool(Tensor x, Tensor weight, Tensor bias, Conv2dPlan plan, boolean average,
                                        Arena arena) {
        return forward(x, weight, bias, plan, true, average, arena);
    }

    /** {@link #conv2d}, or with {@code pooled} {@link #conv2dReluPool}. */
    private static Tensor forward(Tensor x, Tensor weight, Tensor bias, Conv2dPlan plan, boolean pooled, boolean average,
                                  Arena arena) {
        ConvGeometry g = requirePlanned(x, weight, plan);
        int n = (int) x.size(0);
        int o = plan.outChannels();
        checkBias(bias, o);
        Tensor xd = x.contiguous(arena);
        Tensor wd = weight.contiguous(arena);
        Tensor bd = bias == null ? null : bias.contiguous(arena);
        MemorySegment b = bd == null ? null : bd.segment();
        long bOff = bd == null ? 0 : bd.offset();
        if (pooled) {
            Tensor y = Tensor.empty(arena, n, o, g.outHeight() / 2, g.outWidth() / 2);
            Conv2d.forwardReluPool(plan, average, n, xd.segment(), xd.offset(), wd.segment(), wd.offset(), b, bOff,
                    y.segment(), 0);
            return y;
        }
        Tensor y = Tensor.empty(arena, n, o, g.outHeight(), g.outWidth());
        MemorySegment work = workspace(arena, plan.workspaceFloats());
        Conv2d.forward(plan, n, xd.segment(), xd.offset(), wd.segment(), wd.offset(), b, bOff, y.segment(), 0, work, 0);
        return y;
    }

    /** The gradients of {@link #conv2d} for {@code gy [N, O, Hout, Wout]}. */
    public static Grads conv2dBackward(Tensor x, Tensor weight, boolean hasBias, Tensor gy, int[] stride, int[] padding,
                                       int[] dilation, int groups, Arena arena) {
        return conv2dBackward(x, weight, hasBias, gy, stride, padding, dilation, groups, true, arena);
    }

    /**
     * The gradients of {@link #conv2d}; without {@code inputGradient} the input's gradient is not
     * computed ({@code Grads.x()} is null), as for a network's first layer.
     */
    public static Grads conv2dBackward(Tensor x, Tensor weight, boolean hasBias, Tensor gy, int[] stride, int[] padding,
                                       int[] dilation, int groups, boolean inputGradient, Arena arena) {
        return conv2dBackward(x, weight, hasBias, gy, conv2dPlan(x, weight, stride, padding, dilation, groups, null),
                inputGradient, arena);
    }

    /** The gradients of {@link #conv2d(Tensor, Tensor, Tensor, Conv2dPlan, Arena)} as {@code plan} says. */
    public static Grads conv2dBackward(Tensor x, Tensor weight, boolean hasBias, Tensor gy, Conv2dPlan plan,
                                       boolean inputGradient, Arena arena) {
        return conv2dBackward(x, weight, hasBias, gy, plan, inputGradient, null, arena);
    }

    /**
     * {@link #conv2dBackward(Tensor, Tensor, boolean, Tensor, Conv2dPlan, boolean, Arena)},
     * returning {@code previous} again when it holds this call's gradients, as it does in a
     * steady-state step of a {@link dev.panamax.nn.tensor.StepArena#reusingTensors()} arena.
     */
    public static Grads conv2dBackward(Tensor x, Tensor weight, boolean hasBias, Tensor gy, Conv2dPlan plan,
                                       boolean inputGradient, Grads previous, Arena arena) {
        ConvGeometry g = requirePlanned(x, weight, plan);
        int n = (int) x.size(0);
        int o = plan.outChannels();
        Layouts.requireShape("gy", gy, n, o, g.outHeight(), g.outWidth());
        Tensor xd = x.contiguous(arena);
        Tensor wd = weight.contiguous(arena);
        Tensor gd = gy.contiguous(arena);
        Tensor gx = inputGradient ? Tensor.zerosLike(arena, x) : null;
        Tensor gw = Tensor.zerosLike(arena, weight);
        Tensor gb = hasBias ? Tensor.empty(arena, o) : null;
        MemorySegment work = workspace(arena, plan.workspaceFloats());
        Conv2d.backward(plan, n, xd.segment(), xd.offset(), wd.segment(), wd.offset(), gd.segment(), gd.offset(),
                gx == null ? null : gx.segment(), 0, gw.segment(), 0, gb == null ? null : gb.segment(), 0, work, 0);
        return Grads.of(gx, gw, gb, previous);
    }

    /** x and weight of the plan's shape (any batch); the plan's output geometry. */
    private static ConvGeometry requirePlanned(Tensor x, Tensor weight, Conv2dPlan plan) {
        ConvGeometry g = plan.image();
        Layouts.requireRank("x", x, 4);
        Layouts.requireType("x", x, DType.FLOAT32);
        Layouts.requireShape("x", x, x.size(0), g.channels(), g.height(), g.width());
        Layouts.requireShape("weight", weight, plan.outChannels(), g.channels() / plan.groups(), g.kernelH(), g.kernelW());
        return g;
    }

    /**
     * {@code conv_transpose2d(x [N, C_in, H, W], weight [C_in, C_out/groups, kH, kW], bias [C_out] or null)}:
     * output {@code [N, C_out, (H - 1) sH - 2 pH + dH (kH - 1) + opH + 1, ...]}.
     */
    public static Tensor convTranspose2d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding,
                                         int[] outputPadding, int[] dilation, int groups, Arena arena) {
        return convTranspose2d(x, weight, bias,
                convTranspose2dPlan(x, weight, stride, padding, outputPadding, dilation, groups, null), arena);
    }

    /**
     * The plan of {@code conv_transpose2d(x, weight)} with these attributes: {@code previous} when
     * it is for the same shape and the pool's current thread count (a layer keeps the plan of its
     * last input, {@link dev.panamax.nn.layers.ConvTranspose2d}), else the automatic one
     * ({@link ConvTranspose2dPlan#of}).
     */
    public static ConvTranspose2dPlan convTranspose2dPlan(Tensor x, Tensor weight, int[] stride, int[] padding,
                                                          int[] outputPadding, int[] dilation, int groups,
                                                          ConvTranspose2dPlan previous) {
        ConvGeometry g = previous == null ? null : previous.output();
        if (previous != null && previous.groups() == groups && previous.inChannels() == x.size(1)
                && previous.threads() == WorkerPool.threads() && x.rank() == 4
                && sameWindow(g, weight, stride, padding, dilation) && g.channels() == weight.size(1) * groups
                && outputPadding != null && outputPadding.length == 2
                && outputPaddingFits(outputPadding[0], stride[0], dilation[0])
                && outputPaddingFits(outputPadding[1], stride[1], dilation[1])
                && g.height() == transposedSize(x.size(2), stride[0], padding[0], dilation[0], g.kernelH(), outputPadding[0])
                && g.width() == transposedSize(x.size(3), stride[1], padding[1], dilation[1], g.kernelW(), outputPadding[1])) {
            return previous;    // as conv2dPlan: field by field, no object per call
        }
        return ConvTranspose2dPlan.of(transposeGeometry(x, weight, stride, padding, outputPadding, dilation, groups), groups,
                (int) x.size(1));
    }

    /**
     * {@code conv_transpose2d} as {@code plan} says (its stride, padding, output size, dilation and
     * groups): x {@code [N, C_in, H, W]} and weight {@code [C_in, C_out/groups, kH, kW]} of the plan's shape.
     */
    public static Tensor convTranspose2d(Tensor x, Tensor weight, Tensor bias, ConvTranspose2dPlan plan, Arena arena) {
        ConvGeometry g = requirePlanned(x, weight, plan);
        int n = (int) x.size(0);
        checkBias(bias, g.channels());
        int[] pad = missingRowsAndColumns(x, plan);
        Tensor xd = pad == null ? x.contiguous(arena) : Padding.pad(x, pad, PadMode.CONSTANT, 0f, arena);
        Tensor wd = weight.contiguous(arena);
        Tensor bd = bias == null ? null : bias.contiguous(arena);
        Tensor y = Tensor.zeros(arena, n, g.channels(), g.height(), g.width());
        MemorySegment work = workspace(arena, plan.workspaceFloats());
        ConvTranspose2d.forward(plan, n, xd.segment(), xd.offset(), wd.segment(), wd.offset(),
                Layouts.segment(bd), Layouts.offset(bd), y.segment(), 0, work, 0);
        return y;
    }

    /** The gradients of {@link #convTranspose2d}. */
    public static Grads convTranspose2dBackward(Tensor x, Tensor weight, boolean hasBias, Tensor gy, int[] stride,
                                                int[] padding, int[] outputPadding, int[] dilation, int groups, Arena arena) {
        return convTranspose2dBackward(x, weight, hasBias, gy,
                convTranspose2dPlan(x, weight, stride, padding, outputPadding, dilation, groups, null), true, arena);
    }

    /**
     * The gradients of {@link #convTranspose2d(Tensor, Tensor, Tensor, ConvTranspose2dPlan, Arena)} as
     * {@code plan} says; without {@code inputGradient} the input's gradient is not computed
     * ({@code Grads.x()} is null).
     */
    public static Grads convTranspose2dBackward(Tensor x, Tensor weight, boolean hasBias, Tensor gy,
                                                ConvTranspose2dPlan plan, boolean inputGradient, Arena arena) {
        ConvGeometry g = requirePlanned(x, weight, plan);
        int n = (int) x.size(0);
        Layouts.requireShape("gy", gy, n, g.channels(), g.height(), g.width());
        int[] pad = missingRowsAndColumns(x, plan);
        Tensor xd = pad == null ? x.contiguous(arena) : Padding.pad(x, pad, PadMode.CONSTANT, 0f, arena);
        Tensor wd = weight.contiguous(arena);
        Tensor gd = gy.contiguous(arena);
        Tensor gx = inputGradient ? Tensor.zerosLike(arena, xd) : null;
        Tensor gw = Tensor.zerosLike(arena, weight);
        Tensor gb = hasBias ? Tensor.zeros(arena, g.channels()) : null;
        MemorySegment work = workspace(arena, plan.workspaceFloats());
        ConvTranspose2d.backward(plan, n, xd.segment(), xd.offset(), wd.segment(), wd.offset(), gd.segment(), gd.offset(),
                gx == null ? null : gx.segment(), 0, gw.segment(), 0, gb == null ? null : gb.segment(), 0, work, 0);
        if (gx != null && pad != null) {
            gx = Padding.padBackward(x, gx, pad, PadMode.CONSTANT, arena);
        }
        return new Grads(gx, gw, gb);
    }

    /**
     * x and weight of the transposed plan's shape (any batch); the plan's output geometry. x has
     * the adjoint convolution's output size, or fewer rows or columns where the output padding
     * reaches the stride ({@link #missingRowsAndColumns}).
     */
    private static ConvGeometry requirePlanned(Tensor x, Tensor weight, ConvTranspose2dPlan plan) {
        ConvGeometry g = plan.output();
        ConvGeometry conv = plan.adjoint().image();
        Layouts.requireRank("x", x, 4);
        Layouts.requireType("x", x, DType.FLOAT32);
        long h = x.size(2);
        long w = x.size(3);
        if (!outputPaddingFits(g.height() - transposedSize(h, g.strideH(), g.padH(), g.dilationH(), g.kernelH(), 0),
                g.strideH(), g.dilationH())
                || !outputPaddingFits(g.width() - transposedSize(w, g.strideW(), g.padW(), g.dilationW(), g.kernelW(), 0),
                g.strideW(), g.dilationW())) {
            h = conv.outHeight();
            w = conv.outWidth();
        }
        Layouts.requireShape("x", x, x.size(0), plan.inChannels(), h, w);
        Layouts.requireShape("weight", weight, plan.inChannels(), g.channels() / plan.groups(), g.kernelH(), g.kernelW());
        return g;
    }

    /** PyTorch's bound on a transposed convolution's output padding: below the stride or the dilation. */
    private static boolean outputPaddingFits(long outputPadding, int stride, int dilation) {
        return outputPadding >= 0 && outputPadding < Math.max(stride, dilation);
    }

    /**
     * The zero rows (bottom) and columns (right) to append to x, as {@link Padding#pad}'s
     * {@code {left, right, top, bottom}}, or null for none. An output padding of at least the
     * stride (PyTorch allows one below the dilation) makes the output one stride longer for each
     * stride it holds, which the plan's adjoint convolution sees as as many more rows of x: rows
     * of zeros, which add nothing to the output and take no gradient.
     */
    private static int[] missingRowsAndColumns(Tensor x, ConvTranspose2dPlan plan) {
        ConvGeometry conv = plan.adjoint().image();
        int bottom = (int) (conv.outHeight() - x.size(2));
        int right = (int) (conv.outWidth() - x.size(3));
        return bottom == 0 && right == 0 ? null : new int[] {0, right, 0, bottom};
    }

    private static ConvGeometry conv2dGeometry(Tensor x, Tensor weight, int[] stride, int[] padding, int[] dilation,
                                               int groups) {
        Layouts.requireRank("x", x, 4);
        Layouts.requireRank("weight", weight, 4);
        Layouts.requireType("x", x, DType.FLOAT32);
        if (groups < 1 || x.size(1) % groups != 0 || weight.size(0) % groups != 0) {
            throw new IllegalArgumentException("groups (" + groups + ") must divide the input channels (" + x.size(1)
                    + ") and the output channels (" + weight.size(0) + ")");
        }
        if (weight.size(1) * groups != x.size(1)) {
            throw new IllegalArgumentException("weight " + Arrays.toString(weight.shape()) + " expects "
                    + weight.size(1) * groups + " input channels with groups = " + groups + ", x has " + x.size(1));
        }
        return new ConvGeometry((int) x.size(1), (int) x.size(2), (int) x.size(3), (int) weight.size(2),
                (int) weight.size(3), pair("stride", stride)[0], stride[1], pair("padding", padding)[0], padding[1],
                pair("dilation", dilation)[0], dilation[1]);
    }

    /**
     * Whether {@code g}'s window is that of this weight (its kernel), stride, padding and dilation:
     * the part of a plan's check that convolutions and transposed ones share.
     */
    private static boolean sameWindow(ConvGeometry g, Tensor weight, int[] stride, int[] padding, int[] dilation) {
        return weight.rank() == 4 && stride != null && stride.length == 2 && padding != null && padding.length == 2
                && dilation != null && dilation.length == 2
                && g.kernelH() == weight.size(2) && g.kernelW() == weight.size(3)
                && g.strideH() == stride[0] && g.strideW() == stride[1] && g.padH() == padding[0] && g.padW() == padding[1]
                && g.dilationH() == dilation[0] && g.dilationW() == dilation[1];
    }

    /** A transposed convolution's output size along one dimension, for input size {@code in}. */
    private static long transposedSize(long in, int stride, int padding, int dilation, int kernel, int outputPadding) {
        return (in - 1) * stride - 2L * padding + (long) dilation * (kernel - 1) + outputPadding + 1;
    }

    /** The geometry of the output seen as a convolution's input (see {@link ConvTranspose2d}). */
    private static ConvGeometry transposeGeometry(Tensor x, Tensor weight, int[] stride, int[] padding,
                                                  int[] outputPadding, int[] dilation, int groups) {
        Layouts.requireRank("x", x, 4);
        Layouts.requireRank("weight", weight, 4);
        if (groups < 1 || x.size(1) % groups != 0) {
            throw new IllegalArgumentException("groups (" + groups + ") must divide the input channels (" + x.size(1) + ")");
        }
        if (weight.size(0) != x.size(1)) {
            throw new IllegalArgumentException("weight " + Arrays.toString(weight.shape()) + " expects " + weight.size(0)
                    + " input channels, x has " + x.size(1));
        }
        pair("stride", stride);
        pair("padding", padding);
        pair("output_padding", outputPadding);
        pair("dilation", dilation);
        int[] out = new int[2];
        for (int d = 0; d < 2; d++) {
            if (!outputPaddingFits(outputPadding[d], stride[d], dilation[d])) {
                throw new IllegalArgumentException("output_padding must be in [0, max(stride, dilation)) per dimension, got "
                        + Arrays.toString(outputPadding) + " with stride " + Arrays.toString(stride) + " and dilation "
                        + Arrays.toString(dilation));
            }
            int k = (int) weight.size(2 + d);
            out[d] = (int) transposedSize(x.size(2 + d), stride[d], padding[d], dilation[d], k, outputPadding[d]);
            if (out[d] < 1) {
                throw new IllegalArgumentException("the output would be empty (size " + out[d] + " in dimension " + d + ")");
            }
        }
        int outChannels = (int) weight.size(1) * groups;
        return new ConvGeometry(outChannels, out[0], out[1], (int) weight.size(2), (int) weight.size(3), stride[0],
                stride[1], padding[0], padding[1], dilation[0], dilation[1]);
    }

    private static int[] pair(String name, int[] v) {
        if (v == null || v.length != 2) {
            throw new IllegalArgumentException(name + " must be [h, w], got " + Arrays.toString(v));
        }
        return v;
    }

    private static void checkBias(Tensor bias, long channels) {
        if (bias != null) {
            Layouts.requireShape("bias", bias, channels);
        }
    }

    /** The kernels' workspace: not zeroed when the arena can skip it (kernels write it before reading). */
    private static MemorySegment workspace(Arena arena, long floats) {
        long bytes = Math.max(1, floats) * Float.BYTES;
        return arena instanceof StepArena step ? step.scratch(bytes, Tensor.ALIGNMENT) : arena.allocate(bytes, Tensor.ALIGNMENT);
    }
}
