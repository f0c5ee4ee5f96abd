package dev.panamax.nn.functional;

import java.lang.foreign.Arena;

import dev.panamax.kernels.activation.Activation;
import dev.panamax.kernels.activation.ActivationBackward;
import dev.panamax.kernels.activation.ActivationForward;
import dev.panamax.kernels.activation.Prelu;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * Elementwise activations on tensors of any shape and strides, forward and backward, as in
 * {@code torch.nn.functional}. Results are new contiguous tensors from the given arena.
 * A contiguous input is one kernel call; one dense below its first dimension (a channel slice
 * of a concatenation's {@code [N, C, H, W]}) one call per leading index; any other strided view
 * is walked row by row with the last dimension's stride (the kernels' general strided path),
 * without a copy.
 */
public final class Activations {

    private Activations() {
    }

    /** {@code y = f(x)}. */
    public static Tensor forward(Activation f, Tensor x, Arena arena) {
        Layouts.requireType("x", x, DType.FLOAT32);
        Tensor y = Tensor.emptyLike(arena, x);
        if (x.isContiguous()) {
            ActivationForward.apply(f, x.segment(), x.offset(), 1, y.segment(), 0, 1, x.numel());
        } else if (x.isDenseFrom(1)) {
            long block = x.numel() / x.size(0);        // numel > 0: an empty tensor is contiguous
            for (long i = 0; i < x.size(0); i++) {
                ActivationForward.apply(f, x.segment(), x.offset() + i * x.stride(0), 1, y.segment(), i * block, 1, block);
            }
        } else {
            long[] shape = x.shape();
            StridedRows.forEach(shape, (offsets, n) -> ActivationForward.apply(f,
                    x.segment(), x.offset() + offsets[0], lastStride(x),
                    y.segment(), offsets[1], 1, n), x.strides(), y.strides());
        }
        return y;
    }

    /** {@code gx = gy * f'(x)}, from the forward input {@code x}. */
    public static Tensor backward(Activation f, Tensor x, Tensor gy, Arena arena) {
        Layouts.requireType("x", x, DType.FLOAT32);
        Layouts.requireSameShape("gy", gy, x);
        Tensor gx = Tensor.emptyLike(arena, x);
        if (x.isContiguous() && gy.isContiguous()) {
            ActivationBackward.apply(f, x.segment(), x.offset(), 1, gy.segment(), gy.offset(), 1,
                    gx.segment(), 0, 1, x.numel());
        } else if (x.isDenseFrom(1) && gy.isDenseFrom(1)) {
            long block = x.numel() / x.size(0);        // numel > 0: an empty tensor is contiguous
            for (long i = 0; i < x.size(0); i++) {
                ActivationBackward.apply(f, x.segment(), x.offset() + i * x.stride(0), 1,
                        gy.segment(), gy.offset() + i * gy.stride(0), 1, gx.segment(), i * block, 1, block);
            }
        } else {
            StridedRows.forEach(x.shape(), (offsets, n) -> ActivationBackward.apply(f,
                    x.segment(), x.offset() + offsets[0], lastStride(x),
                    gy.segment(), gy.offset() + offsets[1], lastStride(gy),
                    gx.segment(), offsets[2], 1, n), x.strides(), gy.strides(), gx.strides());
        }
        return gx;
    }

    /**
     * {@code glu(x, dim)}: x split in two halves along {@code dim} (of even size), {@code a sigmoid(b)},
     * the output of x's shape with that dimension halved.
     */
    public static Tensor glu(Tensor x, int dim, Arena arena) {
        long[] split = gluSplit(x, dim);
        Tensor xd = x.contiguous(arena);
        long[] shape = x.shape();
        shape[x.dimension(dim)] /= 2;
        Tensor y = Tensor.empty(arena, shape);
        dev.panamax.kernels.activation.Glu.forward(split[0], split[1], split[2], xd.segment(), xd.offset(), y.segment(),
                y.offset());
        return y;
    }

    /** The gradient of {@link #glu} with respect to x, given the output's {@code gy}. */
    public static Tensor gluBackward(Tensor x, int dim, Tensor gy, Arena arena) {
        long[] split = gluSplit(x, dim);
        long[] half = x.shape();
        half[x.dimension(dim)] /= 2;
        Layouts.requireShape("gy", gy, half);
        Tensor xd = x.contiguous(arena);
        Tensor g = gy.contiguous(arena);
        Tensor gx = Tensor.empty(arena, x.shape());
        dev.panamax.kernels.activation.Glu.backward(split[0], split[1], split[2], xd.segment(), xd.offset(), g.segment(),
                g.offset(), gx.segment(), gx.offset());
        return gx;
    }

    /** {@code {outer, half, inner}} of x split along {@code dim}. */
    private static long[] gluSplit(Tensor x, int dim) {
        Layouts.requireType("x", x, DType.FLOAT32);
        if (x.rank() == 0) {
            throw new IllegalArgumentException("glu does not take a scalar");
        }
        int d = x.dimension(dim);
        if (x.size(d) % 2 != 0) {
            throw new IllegalArgumentException("glu halves dimension " + dim + ", which must be even, got size " + x.size(d)
                    + " in " + java.util.Arrays.toString(x.shape()));
        }
        long[] shape = x.shape();
        return new long[] {Layouts.product(shape, 0, d), shape[d] / 2, Layouts.product(shape, d + 1, shape.length)};
    }

    /**
     * {@code prelu(x, weight)}: {@code x > 0 ? x : a x} with {@code weight [1]} one slope for all, or
     * {@code [C]} one per channel of {@code x [N, C, *]} (dimension 1), as PyTorch's.
     */
    public static Tensor prelu(Tensor x, Tensor weight, Arena arena) {
        long channels = preluChannels(x, weight);
        Tensor xd = x.contiguous(arena);
        Tensor w = weight.contiguous(arena);
        Tensor y = Tensor.emptyLike(arena, x);
        long planes = preluPlanes(x);
        Prelu.forward(planes, channels, planes == 0 ? 0 : x.numel() / planes, xd.segment(), xd.offset(), w.segment(),
                w.offset(), weight.numel(), y.segment(), y.offset());
        return y;
    }

    /**
     * The gradients of {@link #prelu}: the input's (returned) and the slopes', added to
     * {@code weightGrad} (the weight's shape, dense).
     */
    public static Tensor preluBackward(Tensor x, Tensor weight, Tensor gy, Tensor weightGrad, Arena arena) {
        long channels = preluChannels(x, weight);
        Layouts.requireSameShape("gy", gy, x);
        Layouts.requireSameShape("weightGrad", weightGrad, weight);
        if (!weightGrad.isContiguous()) {
            throw new IllegalArgumentException("weightGrad must be contiguous: the slopes' gradients are added to it in place");
        }
        Tensor xd = x.contiguous(arena);
        Tensor w = weight.contiguous(arena);
        Tensor g = gy.contiguous(arena);
        Tensor gx = Tensor.emptyLike(arena, x);
        long planes = preluPlanes(x);
        Prelu.backward(planes, channels, planes == 0 ? 0 : x.numel() / planes, xd.segment(), xd.offset(), w.segment(),
                w.offset(), weight.numel(), g.segment(), g.offset(), gx.segment(), gx.offset(), weightGrad.segment(),
                weightGrad.offset());
        return gx;
    }

    /** The channels of x that PReLU's slopes run over: dimension 1 (1 below rank 2), checked against the weight. */
    private static long preluChannels(Tensor x, Tensor weight) {
        Layouts.requireType("x", x, DType.FLOAT32);
        Layouts.requireType("weight", weight, DType.FLOAT32);
        long channels = x.rank() >= 2 ? x.size(1) : 1;
        if (weight.rank() != 1 || (weight.size(0) != 1 && weight.size(0) != channels)) {
            throw new IllegalArgumentException("prelu's weight must be [1] or [C] = [" + channels + "] for x of shape "
                    + java.util.Arrays.toString(x.shape()) + ", got " + java.util.Arrays.toString(weight.shape()));
        }
        return channels;
    }

    /** Planes of x, each of one channel: {@code N C} for {@code [N, C, *]}, one plane below rank 2. */
    private static long preluPlanes(Tensor x) {
        return x.rank() >= 2 ? x.size(0) * x.size(1) : (x.numel() == 0 ? 0 : 1);
    }

    private static long lastStride(Tensor t) {
        return t.stride(-1);
    }
}
