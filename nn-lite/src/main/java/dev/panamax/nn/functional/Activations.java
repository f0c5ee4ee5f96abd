package dev.panamax.nn.functional;

import java.lang.foreign.Arena;

import dev.panamax.kernels.activation.Activation;
import dev.panamax.kernels.activation.ActivationBackward;
import dev.panamax.kernels.activation.ActivationForward;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * Elementwise activations on tensors of any shape and strides, forward and backward, as in
 * {@code torch.nn.functional}. Results are new contiguous tensors from the given arena.
 * A contiguous input is one kernel call; a strided view is walked row by row with the last
 * dimension's stride (the kernels' general strided path), without a copy.
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
        } else {
            StridedRows.forEach(x.shape(), (offsets, n) -> ActivationBackward.apply(f,
                    x.segment(), x.offset() + offsets[0], lastStride(x),
                    gy.segment(), gy.offset() + offsets[1], lastStride(gy),
                    gx.segment(), offsets[2], 1, n), x.strides(), gy.strides(), gx.strides());
        }
        return gx;
    }

    private static long lastStride(Tensor t) {
        return t.stride(-1);
    }
}
