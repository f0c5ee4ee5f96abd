package dev.panamax.nn.functional;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.kernels.loss.LikelihoodLosses;
import dev.panamax.kernels.loss.Reduction;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * Negative log-likelihood losses of regression, as {@code torch.nn.functional}'s
 * {@code poisson_nll_loss} and {@code gaussian_nll_loss}, with their {@code reduction}:
 * {@link Reduction#MEAN} and {@link Reduction#SUM} give a 0-d tensor, {@link Reduction#NONE} one
 * loss per element of the input. Each backward takes the upstream gradient of that result.
 */
public final class LikelihoodLossFunctions {

    private LikelihoodLossFunctions() {
    }

    /**
     * The Poisson negative log-likelihood of counts {@code target} under rates given by
     * {@code input}: {@code exp(x) - t x} with {@code logInput} (x the log-rate; PyTorch's default),
     * {@code x - t log(x + eps)} without; {@code full} adds Stirling's approximation of
     * {@code log(t!)} where {@code t > 1}. Input and target float32 of one shape (PyTorch's
     * defaults: logInput true, full false, eps 1e-8).
     */
    public static Tensor poissonNll(Tensor input, Tensor target, boolean logInput, boolean full, float eps,
                                    Reduction reduction, Arena arena) {
        Tensor[] xt = pair(input, target, arena);
        Tensor losses = Tensor.empty(arena, xt[0].numel());
        LikelihoodLosses.poissonNll(xt[0].numel(), xt[0].segment(), xt[0].offset(), xt[1].segment(), xt[1].offset(), logInput,
                full, eps, losses.segment(), losses.offset());
        return MarginLossFunctions.reduce(losses, input.shape(), reduction, arena);
    }

    /** The gradient of {@link #poissonNll} with respect to its input. */
    public static Tensor poissonNllBackward(Tensor input, Tensor target, boolean logInput, float eps, Reduction reduction,
                                            Tensor gradLoss, Arena arena) {
        Tensor[] xt = pair(input, target, arena);
        long n = xt[0].numel();
        Tensor up = reduction == Reduction.NONE ? Losses.upstream(gradLoss, input.shape(), reduction, arena) : null;
        Tensor g = Tensor.emptyLike(arena, input);
        LikelihoodLosses.poissonNllBackward(n, xt[0].segment(), xt[0].offset(), xt[1].segment(), xt[1].offset(), logInput, eps,
                Layouts.segment(up), Layouts.offset(up),
                MarginLossFunctions.uniform(gradLoss, n, reduction, arena), g.segment(), g.offset());
        return g;
    }

    /**
     * The Gaussian negative log-likelihood of {@code target} under means {@code input} and
     * variances {@code var}: {@code (log max(v, eps) + (x - t)^2 / max(v, eps)) / 2}, plus
     * {@code log(2 pi) / 2} with {@code full} (PyTorch's defaults: full false, eps 1e-6). The
     * variance has the input's shape, or that shape with a last dimension of 1 or without the last
     * dimension (one variance per row, shared by its elements); a negative variance is refused.
     */
    public static Tensor gaussianNll(Tensor input, Tensor target, Tensor var, boolean full, float eps, Reduction reduction,
                                     Arena arena) {
        Tensor[] xt = pair(input, target, arena);
        boolean shared = varianceShared(input, var);
        Tensor v = var.contiguous(arena);
        long n = xt[0].numel();
        Tensor losses = Tensor.empty(arena, n);
        LikelihoodLosses.gaussianNll(n, lastDimension(input), xt[0].segment(), xt[0].offset(), xt[1].segment(), xt[1].offset(),
                v.segment(), v.offset(), shared, full, eps, losses.segment(), losses.offset());
        return MarginLossFunctions.reduce(losses, input.shape(), reduction, arena);
    }

    /** The gradients of {@link #gaussianNll}: {@code [d input, d target, d var]}, each of its tensor's shape. */
    public static Tensor[] gaussianNllBackward(Tensor input, Tensor target, Tensor var, float eps, Reduction reduction,
                                               Tensor gradLoss, Arena arena) {
        Tensor[] xt = pair(input, target, arena);
        boolean shared = varianceShared(input, var);
        Tensor v = var.contiguous(arena);
        long n = xt[0].numel();
        Tensor up = reduction == Reduction.NONE ? Losses.upstream(gradLoss, input.shape(), reduction, arena) : null;
        Tensor gx = Tensor.emptyLike(arena, input);
        Tensor gt = Tensor.emptyLike(arena, input);
        Tensor gv = Tensor.emptyLike(arena, var);
        LikelihoodLosses.gaussianNllBackward(n, lastDimension(input), xt[0].segment(), xt[0].offset(), xt[1].segment(),
                xt[1].offset(), v.segment(), v.offset(), shared, eps, Layouts.segment(up),
                Layouts.offset(up), MarginLossFunctions.uniform(gradLoss, n, reduction, arena), gx.segment(),
                gx.offset(), gt.segment(), gt.offset(), gv.segment(), gv.offset());
        return new Tensor[] {gx, gt, gv};
    }

    private static Tensor[] pair(Tensor input, Tensor target, Arena arena) {
        Losses.requireFloatPair(input, target);
        return new Tensor[] {input.contiguous(arena), target.contiguous(arena)};
    }

    private static long lastDimension(Tensor input) {
        return input.rank() == 0 ? 1 : input.size(-1);
    }

    /** Whether one variance serves each row of the last dimension; fails for a shape PyTorch refuses. */
    private static boolean varianceShared(Tensor input, Tensor var) {
        Layouts.requireType("var", var, DType.FLOAT32);
        long[] in = input.shape();
        long[] v = var.shape();
        if (Arrays.equals(v, in)) {
            return false;
        }
        if (in.length > 0) {
            long[] rows = Arrays.copyOf(in, in.length - 1);
            long[] rowsThenOne = Arrays.copyOf(rows, in.length);
            rowsThenOne[in.length - 1] = 1;
            if (Arrays.equals(v, rows) || Arrays.equals(v, rowsThenOne)) {
                return true;
            }
        }
        throw new IllegalArgumentException("gaussian_nll_loss: var must have the input's shape " + Arrays.toString(in)
                + ", or it with a last dimension of 1 or without the last dimension; got " + Arrays.toString(v));
    }
}
