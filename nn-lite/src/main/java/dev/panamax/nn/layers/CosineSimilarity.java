package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.functional.Distances;
import dev.panamax.nn.tensor.Tensor;

/**
 * {@code x1 . x2 / (max(|x1|, eps) max(|x2|, eps))} along {@code dim}, as
 * {@code torch.nn.CosineSimilarity} (defaults dim 1, eps 1e-8): x1 and x2 of one shape, the
 * result that shape without {@code dim}. A block of two inputs; see
 * {@link Distances#cosineSimilarity} for the kernel.
 */
public final class CosineSimilarity extends Block {

    private final int dim;
    private final float eps;
    private Tensor x1;
    private Tensor x2;

    /** PyTorch's defaults: along dimension 1, eps 1e-8. */
    public CosineSimilarity() {
        this(1, 1e-8f);
    }

    /** @param dim the dimension reduced, negative counting from the last */
    public CosineSimilarity(int dim, float eps) {
        this.dim = dim;
        this.eps = eps;
    }

    public Tensor forward(Tensor x1, Tensor x2, Arena arena) {
        Tensor y = Distances.cosineSimilarity(x1, x2, dim, eps, arena);
        this.x1 = x1;
        this.x2 = x2;
        return y;
    }

    /** Given {@code dL/dy} of the last forward's output shape, the gradients of x1 and x2. */
    public PairGradients backward(Tensor gy, Arena arena) {
        Tensor[] g = Distances.cosineSimilarityBackward(saved(x1), x2, dim, eps, gy, arena);
        return new PairGradients(g[0], g[1]);
    }

    @Override
    public String toString() {
        return describe() + "(dim=" + dim + ", eps=" + eps + ")";
    }
}
