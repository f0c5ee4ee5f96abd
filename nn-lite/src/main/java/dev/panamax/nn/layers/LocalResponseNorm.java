package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.functional.Normalization;
import dev.panamax.nn.tensor.Tensor;

/**
 * As {@code torch.nn.LocalResponseNorm(size, alpha, beta, k)}: AlexNet's and GoogLeNet's
 * normalisation across neighbouring channels of {@code [N, C, *]},
 * {@code x_c / (k + alpha / size * sum of x^2 over channels c - size/2 .. c + (size-1)/2)^beta}.
 * No parameters.
 */
public final class LocalResponseNorm extends Layer {

    private final int size;
    private final float alpha;
    private final float beta;
    private final float k;
    private Tensor x;

    /** alpha 1e-4, beta 0.75, k 1: PyTorch's defaults. */
    public LocalResponseNorm(int size) {
        this(size, 1e-4f, 0.75f, 1f);
    }

    public LocalResponseNorm(int size, float alpha, float beta, float k) {
        if (size < 1 || !Float.isFinite(alpha) || !Float.isFinite(beta) || !Float.isFinite(k)) {
            throw new IllegalArgumentException("LocalResponseNorm needs size >= 1 and finite alpha, beta and k, got size=" + size
                    + ", alpha=" + alpha + ", beta=" + beta + ", k=" + k);
        }
        this.size = size;
        this.alpha = alpha;
        this.beta = beta;
        this.k = k;
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        Tensor y = Normalization.localResponseNorm(x, size, alpha, beta, k, arena);
        this.x = x;
        return y;
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        return Normalization.localResponseNormBackward(saved(x), gy, size, alpha, beta, k, arena);
    }

    @Override
    public boolean samplesIndependent() {
        return true;
    }

    @Override
    public String toString() {
        return describe() + "(" + size + ", alpha=" + alpha + ", beta=" + beta + ", k=" + k + ")";
    }
}
