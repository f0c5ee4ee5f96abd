package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.kernels.gemm.Blas1;
import dev.panamax.nn.tensor.Tensor;

/** The sums of residual connections, forward ({@code a + b}) and backward (a gradient added into another). */
final class Residuals {

    private Residuals() {
    }

    /** {@code a + b} as a new contiguous tensor of a's shape; neither operand is modified. */
    static Tensor sum(Tensor a, Tensor b, Arena arena) {
        Tensor out = a.copy(arena);
        addInto(out, b, arena);
        return out;
    }

    /** {@code dst += src} ({@code dst} contiguous, src of the same shape, any layout). */
    static void addInto(Tensor dst, Tensor src, Arena arena) {
        Tensor s = src.contiguous(arena);
        Blas1.saxpy(dst.numel(), 1f, s.segment(), s.offset(), dst.segment(), dst.offset());
    }
}
