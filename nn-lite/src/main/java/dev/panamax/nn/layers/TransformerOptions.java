package dev.panamax.nn.layers;

/**
 * The options of {@link TransformerEncoderLayer} and {@link TransformerDecoderLayer}, named as
 * PyTorch's; {@link #of} gives PyTorch's defaults (dim_feedforward 2048, dropout 0.1, relu,
 * layer_norm_eps 1e-5, batch_first false, norm_first false).
 *
 * @param dModel         E, the width of every token
 * @param nhead          attention heads (dividing E)
 * @param dimFeedforward the hidden width of the feed-forward block
 * @param dropout        dropout after attention, inside and after the feed-forward block, in training
 * @param activation     "relu" or "gelu" (the exact, erf form)
 * @param layerNormEps   the layer norms' epsilon
 * @param batchFirst     tokens {@code [N, T, E]} instead of {@code [T, N, E]}
 * @param normFirst      pre-norm ({@code x + f(norm(x))}) instead of post-norm ({@code norm(x + f(x))})
 */
public record TransformerOptions(long dModel, int nhead, long dimFeedforward, float dropout, String activation,
                                 float layerNormEps, boolean batchFirst, boolean normFirst) {

    /** Checks the values. */
    public TransformerOptions {
        if (dModel < 1 || nhead < 1 || dModel % nhead != 0 || dimFeedforward < 1) {
            throw new IllegalArgumentException("d_model must be a positive multiple of nhead and dim_feedforward >= 1, got "
                    + dModel + ", " + nhead + ", " + dimFeedforward);
        }
        if (!(dropout >= 0 && dropout <= 1) || !(layerNormEps >= 0) || Float.isInfinite(layerNormEps)) {
            throw new IllegalArgumentException("dropout must be in [0, 1] and a finite layer_norm_eps >= 0, got " + dropout + ", "
                    + layerNormEps);
        }
        if (!activation.equals("relu") && !activation.equals("gelu")) {
            throw new IllegalArgumentException("activation must be 'relu' or 'gelu', got '" + activation + "'");
        }
    }

    /** PyTorch's defaults for this width and head count. */
    public static TransformerOptions of(long dModel, int nhead) {
        return new TransformerOptions(dModel, nhead, 2048, 0.1f, "relu", 1e-5f, false, false);
    }

    public TransformerOptions dimFeedforward(long ff) {
        return new TransformerOptions(dModel, nhead, ff, dropout, activation, layerNormEps, batchFirst, normFirst);
    }

    public TransformerOptions dropout(float p) {
        return new TransformerOptions(dModel, nhead, dimFeedforward, p, activation, layerNormEps, batchFirst, normFirst);
    }

    public TransformerOptions activation(String f) {
        return new TransformerOptions(dModel, nhead, dimFeedforward, dropout, f, layerNormEps, batchFirst, normFirst);
    }

    public TransformerOptions layerNormEps(float eps) {
        return new TransformerOptions(dModel, nhead, dimFeedforward, dropout, activation, eps, batchFirst, normFirst);
    }

    public TransformerOptions batchFirst(boolean on) {
        return new TransformerOptions(dModel, nhead, dimFeedforward, dropout, activation, layerNormEps, on, normFirst);
    }

    public TransformerOptions normFirst(boolean on) {
        return new TransformerOptions(dModel, nhead, dimFeedforward, dropout, activation, layerNormEps, batchFirst, on);
    }

    /** The feed-forward activation as a layer. */
    ActivationLayer activationLayer() {
        return activation.equals("gelu") ? ActivationLayer.gelu() : ActivationLayer.relu();
    }
}
