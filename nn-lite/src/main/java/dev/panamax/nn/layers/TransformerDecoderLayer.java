package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.nn.tensor.Tensor;

/**
 * A transformer decoder layer, as {@code torch.nn.TransformerDecoderLayer}: self-attention over
 * the target (causal when generating), cross-attention from the target to the encoder's
 * {@code memory}, and a feed-forward block, each with a residual connection and a layer norm,
 * post-norm or pre-norm. Names as PyTorch's: {@code self_attn.*}, {@code multihead_attn.*},
 * {@code linear1}, {@code linear2}, {@code norm1..3}.
 */
public final class TransformerDecoderLayer extends Block {

    /** The gradients backward returns: of the target and of the memory. */
    public record Gradients(Tensor x, Tensor memory) {
    }

    private final TransformerOptions o;
    private final MultiHeadAttention selfAttn;
    private final MultiHeadAttention crossAttn;
    private final Linear linear1;
    private final Linear linear2;
    private final LayerNorm norm1;
    private final LayerNorm norm2;
    private final LayerNorm norm3;
    private final Dropout dropout;
    private final Dropout dropout1;
    private final Dropout dropout2;
    private final Dropout dropout3;
    private final ActivationLayer act;
    private Tensor x;

    public TransformerDecoderLayer(TransformerOptions options) {
        this.o = options;
        this.selfAttn = child("self_attn", new MultiHeadAttention(o.dModel(), o.nhead(), true, o.batchFirst(), Init.generator()));
        this.crossAttn = child("multihead_attn", new MultiHeadAttention(o.dModel(), o.nhead(), true, o.batchFirst(),
                Init.generator()));
        this.linear1 = child("linear1", new Linear(o.dModel(), o.dimFeedforward()));
        this.dropout = child("dropout", new Dropout(o.dropout()));
        this.linear2 = child("linear2", new Linear(o.dimFeedforward(), o.dModel()));
        this.norm1 = child("norm1", new LayerNorm(new long[] {o.dModel()}, o.layerNormEps(), true));
        this.norm2 = child("norm2", new LayerNorm(new long[] {o.dModel()}, o.layerNormEps(), true));
        this.norm3 = child("norm3", new LayerNorm(new long[] {o.dModel()}, o.layerNormEps(), true));
        this.dropout1 = child("dropout1", new Dropout(o.dropout()));
        this.dropout2 = child("dropout2", new Dropout(o.dropout()));
        this.dropout3 = child("dropout3", new Dropout(o.dropout()));
        this.act = child("activation", o.activationLayer());
    }

    public TransformerOptions options() {
        return o;
    }

    /**
     * @param x                    the target {@code [N, T, E]} (or {@code [T, N, E]}), or one sequence
     *                             unbatched, {@code [T, E]}, as PyTorch takes it (the memory then
     *                             unbatched as well)
     * @param memory               the encoder's output {@code [N, S, E]} (or {@code [S, N, E]}; {@code [S, E]} unbatched)
     * @param tgtMask              additive {@code [T, T]} on the self-attention, or null
     * @param memoryKeyPaddingMask {@code [N, S]} ({@code [S]} unbatched; int64 nonzero or float -inf marks padded
     *                             memory), or null
     * @param causal               the self-attention is causal (token i sees target tokens {@code j <= i})
     */
    public Tensor forward(Tensor x, Tensor memory, Tensor tgtMask, Tensor memoryKeyPaddingMask, boolean causal, Arena arena) {
        return forward(x, memory, tgtMask, null, memoryKeyPaddingMask, causal, arena);
    }

    /**
     * As {@link #forward(Tensor, Tensor, Tensor, Tensor, boolean, Arena)}, with PyTorch's
     * {@code tgt_key_padding_mask}: {@code [N, T]} ({@code [T]} unbatched; int64 nonzero or float -inf
     * marks padded target tokens, which no target token attends to), or null.
     */
    public Tensor forward(Tensor x, Tensor memory, Tensor tgtMask, Tensor tgtKeyPaddingMask, Tensor memoryKeyPaddingMask,
                          boolean causal, Arena arena) {
        boolean ranks = x.rank() == memory.rank() && (x.rank() == 3 || x.rank() == 2);
        if (!ranks || x.size(-1) != o.dModel() || memory.size(-1) != o.dModel()) {
            throw new IllegalArgumentException(describe() + " expects x and memory of width " + o.dModel()
                    + ", both batched or both unbatched, got " + Arrays.toString(x.shape()) + " and "
                    + Arrays.toString(memory.shape()));
        }
        this.x = x;
        if (o.normFirst()) {
            Tensor a = norm1.forward(x, arena);
            Tensor h = Residuals.sum(x, dropout1.forward(selfAttn.forward(a, a, a, tgtKeyPaddingMask, tgtMask, causal, arena),
                    arena), arena);
            Tensor b = norm2.forward(h, arena);
            Tensor g = Residuals.sum(h, dropout2.forward(crossAttn.forward(b, memory, memory, memoryKeyPaddingMask, null, false,
                    arena), arena), arena);
            return Residuals.sum(g, dropout3.forward(feedForward(norm3.forward(g, arena), arena), arena), arena);
        }
        Tensor h = norm1.forward(Residuals.sum(x, dropout1.forward(selfAttn.forward(x, x, x, tgtKeyPaddingMask, tgtMask, causal,
                arena), arena), arena), arena);
        Tensor g = norm2.forward(Residuals.sum(h, dropout2.forward(crossAttn.forward(h, memory, memory, memoryKeyPaddingMask,
                null, false, arena), arena), arena), arena);
        return norm3.forward(Residuals.sum(g, dropout3.forward(feedForward(g, arena), arena), arena), arena);
    }

    /**
     * New target tokens through the layer in inference mode: self-attention over the cached tokens
     * and themselves ({@link MultiHeadAttention#forwardCached}), cross-attention over the memory
     * (projected once per sequence). Equal to the last rows of a causal forward over the prefix.
     */
    public Tensor forwardCached(Tensor x, Tensor memory, Tensor memoryKeyPaddingMask, KvCache cache, Arena arena) {
        if (o.normFirst()) {
            Tensor h = Residuals.sum(x, selfAttn.forwardCached(norm1.forward(x, arena), cache, arena), arena);
            Tensor g = Residuals.sum(h, crossAttn.forwardCachedCross(norm2.forward(h, arena), memory, memoryKeyPaddingMask,
                    cache, arena), arena);
            return Residuals.sum(g, feedForward(norm3.forward(g, arena), arena), arena);
        }
        Tensor h = norm1.forward(Residuals.sum(x, selfAttn.forwardCached(x, cache, arena), arena), arena);
        Tensor g = norm2.forward(Residuals.sum(h, crossAttn.forwardCachedCross(h, memory, memoryKeyPaddingMask, cache, arena),
                arena), arena);
        return norm3.forward(Residuals.sum(g, feedForward(g, arena), arena), arena);
    }

    private Tensor feedForward(Tensor h, Arena arena) {
        return linear2.forward(dropout.forward(act.forward(linear1.forward(h, arena), arena), arena), arena);
    }

    private Tensor feedForwardBackward(Tensor g, Arena arena) {
        return linear1.backward(act.backward(dropout.backward(linear2.backward(g, arena), arena), arena), arena);
    }

    /** The target's gradient (the memory's goes through {@link #backwardAll}). */
    public Tensor backward(Tensor gy, Arena arena) {
        return backwardAll(gy, arena).x();
    }

    public Gradients backwardAll(Tensor gy, Arena arena) {
        saved(x);
        if (o.normFirst()) {
            // y = g + drop3(ff(norm3(g))), g = h + drop2(ca(norm2(h), m)), h = x + drop1(sa(norm1(x)))
            Tensor gg = gy.copy(arena);
            Residuals.addInto(gg, norm3.backward(feedForwardBackward(dropout3.backward(gy, arena), arena), arena), arena);
            MultiHeadAttention.Gradients ca = crossAttn.backwardAll(dropout2.backward(gg, arena), arena);
            Tensor gh = gg.copy(arena);
            Residuals.addInto(gh, norm2.backward(ca.query(), arena), arena);
            Tensor gx = gh.copy(arena);
            Residuals.addInto(gx, norm1.backward(selfAttn.backward(dropout1.backward(gh, arena), arena), arena), arena);
            return new Gradients(gx, ca.key());
        }
        // y = norm3(g + drop3(ff(g))), g = norm2(h + drop2(ca(h, m))), h = norm1(x + drop1(sa(x)))
        Tensor gz3 = norm3.backward(gy, arena);
        Tensor gg = gz3.copy(arena);
        Residuals.addInto(gg, feedForwardBackward(dropout3.backward(gz3, arena), arena), arena);
        Tensor gz2 = norm2.backward(gg, arena);
        MultiHeadAttention.Gradients ca = crossAttn.backwardAll(dropout2.backward(gz2, arena), arena);
        Tensor gh = gz2.copy(arena);
        Residuals.addInto(gh, ca.query(), arena);
        Tensor gz1 = norm1.backward(gh, arena);
        Tensor gx = gz1.copy(arena);
        Residuals.addInto(gx, selfAttn.backward(dropout1.backward(gz1, arena), arena), arena);
        return new Gradients(gx, ca.key());
    }
}
