package dev.panamax.nn.optim;

import java.util.List;

import dev.panamax.kernels.Reductions;
import dev.panamax.kernels.gemm.Blas1;
import dev.panamax.nn.tensor.Tensor;

/** Gradient clipping, as {@code torch.nn.utils.clip_grad_norm_} and {@code clip_grad_value_}. */
public final class GradientClipping {

    private GradientClipping() {
    }

    /**
     * Scales all gradients together so that their global 2-norm is at most {@code maxNorm}:
     * {@code coef = min(1, maxNorm / (total + 1e-6))}, applied to every gradient (also when it is 1,
     * as PyTorch does).
     *
     * @return the global norm before clipping
     */
    public static float clipGradNorm(List<Parameter> params, float maxNorm) {
        return clipByNorm(params.stream().map(Parameter::grad).toList(), maxNorm);
    }

    /** {@link #clipGradNorm} over bare gradient tensors (contiguous float32). */
    public static float clipByNorm(List<Tensor> grads, float maxNorm) {
        double squares = 0;
        for (Tensor g : grads) {
            requireContiguous(g);
            squares += Reductions.sumSquaredDeviations(g.numel(), g.segment(), g.offset(), 0f);
        }
        double total = Math.sqrt(squares);
        float coef = (float) Math.min(1.0, maxNorm / (total + 1e-6));
        for (Tensor g : grads) {
            Blas1.sscal(g.numel(), coef, g.segment(), g.offset());
        }
        return (float) total;
    }

    /** Clamps every gradient element to {@code [-clip, clip]}. */
    public static void clipGradValue(List<Parameter> params, float clip) {
        if (!(clip >= 0)) {
            throw new IllegalArgumentException("clip value must be >= 0, got " + clip);
        }
        for (Parameter p : params) {
            Tensor g = p.grad();
            for (long i = 0, n = g.numel(); i < n; i++) {
                float v = g.segment().getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, g.offset() + i);
                g.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, g.offset() + i,
                        Math.max(-clip, Math.min(clip, v)));
            }
        }
    }

    private static void requireContiguous(Tensor g) {
        if (!g.isContiguous()) {
            throw new IllegalArgumentException("gradients must be contiguous");
        }
    }
}
