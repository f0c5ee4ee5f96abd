package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.functional.Distances;
import dev.panamax.nn.tensor.Tensor;

/**
 * {@code |x1 - x2 + eps|_p} along the last dimension, as {@code torch.nn.PairwiseDistance}
 * (defaults p 2, eps 1e-6, keepdim false): x1 and x2 of one shape {@code [*, D]}, the result
 * {@code [*]} (or {@code [*, 1]} keeping the dimension). A block of two inputs; see
 * {@link Distances#pairwiseDistance} for the kernel.
 */
public final class PairwiseDistance extends Block {

    private final double p;
    private final float eps;
    private final boolean keepDim;
    private Tensor x1;
    private Tensor x2;

    /** PyTorch's defaults: the Euclidean distance, eps 1e-6, the dimension dropped. */
    public PairwiseDistance() {
        this(2, 1e-6f, false);
    }

    /** @param p the norm's order, finite and at least 1 */
    public PairwiseDistance(double p, float eps, boolean keepDim) {
        if (!(p >= 1) || Double.isInfinite(p)) {
            throw new IllegalArgumentException("PairwiseDistance needs a finite p >= 1, got " + p);
        }
        this.p = p;
        this.eps = eps;
        this.keepDim = keepDim;
    }

    public Tensor forward(Tensor x1, Tensor x2, Arena arena) {
        Tensor y = Distances.pairwiseDistance(x1, x2, p, eps, keepDim, arena);
        this.x1 = x1;
        this.x2 = x2;
        return y;
    }

    /** Given {@code dL/dy} of the last forward's output shape, the gradients of x1 and x2. */
    public PairGradients backward(Tensor gy, Arena arena) {
        Tensor[] g = Distances.pairwiseDistanceBackward(saved(x1), x2, p, eps, keepDim, gy, arena);
        return new PairGradients(g[0], g[1]);
    }

    @Override
    public String toString() {
        return describe() + "(p=" + p + ", eps=" + eps + ", keepdim=" + keepDim + ")";
    }
}
