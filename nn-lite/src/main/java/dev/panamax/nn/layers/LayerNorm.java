package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.nn.functional.Normalization;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.Tensor;

/**
 * Layer normalisation over the trailing dimensions {@code normalizedShape}, as
 * {@code torch.nn.LayerNorm}: weight 1 and bias 0 of that shape when affine.
 */
public final class LayerNorm extends Layer {

    private final long[] normalizedShape;
    private final float eps;
    private final Parameter weight;
    private final Parameter bias;
    private Tensor x;
    private Normalization.Saved saved;
    /** The last backward's gradients, handed back when a reusing arena gives the same tensors again. */
    private Normalization.Grads grads;

    /** eps 1e-5, affine. */
    public LayerNorm(long... normalizedShape) {
        this(normalizedShape, 1e-5f, true);
    }

    public LayerNorm(long[] normalizedShape, float eps, boolean affine) {
        if (normalizedShape.length == 0 || !(eps >= 0) || Float.isInfinite(eps)) {
            throw new IllegalArgumentException("LayerNorm needs a normalized shape and a finite eps >= 0, got "
                    + Arrays.toString(normalizedShape) + ", " + eps);
        }
        this.normalizedShape = normalizedShape.clone();
        this.eps = eps;
        this.weight = affine ? parameter("weight", normalizedShape) : null;
        this.bias = affine ? parameter("bias", normalizedShape) : null;
        if (affine) {
            weight.value().fill(1f);
        }
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        if (!x.hasTrailingShape(normalizedShape)) {
            throw new IllegalArgumentException(describe() + " expects input [*, " + Arrays.toString(normalizedShape)
                    .replaceAll("[\\[\\]]", "") + "], got " + Arrays.toString(x.shape()));
        }
        this.x = x;
        var s = Normalization.layerNorm(x, normalizedShape, weight == null ? null : weight.value(),
                bias == null ? null : bias.value(), eps, saved, arena);
        saved = s;                    // after: threads sharing a model in eval mode each return their own y
        return s.y();
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        Normalization.Grads g = Normalization.layerNormBackward(saved(x), normalizedShape,
                weight == null ? null : weight.value(), bias != null, saved, gy, grads, arena);
        grads = g;
        accumulate(weight, bias, g.weight(), g.bias());
        return g.x();
    }

    @Override
    public String toString() {
        return describe() + "(" + Arrays.toString(normalizedShape) + ", eps=" + eps + ")";
    }

    @Override
    public String family() {
        return "normalization";
    }
}
