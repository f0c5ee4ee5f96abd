package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.nn.tensor.Tensor;

/**
 * A transformer encoder layer, as {@code torch.nn.TransformerEncoderLayer}: self-attention and a
 * feed-forward block ({@code linear2(dropout(act(linear1(x))))}), each with a residual connection
 * and a layer norm, post-norm ({@code y = norm(x + f(x))}, PyTorch's default) or pre-norm
 * ({@code y = x + f(norm(x))}). Names as PyTorch's: {@code self_attn.*}, {@code linear1},
 * {@code linear2}, {@code norm1}, {@code norm2}.
 */
public final class TransformerEncoderLayer extends Layer {

    private final TransformerOptions o;
    private final MultiHeadAttention selfAttn;
    private final Linear linear1;
    private final Linear linear2;
    private final LayerNorm norm1;
    private final LayerNorm norm2;
    private final Dropout dropout;
    private final Dropout dropout1;
    private final Dropout dropout2;
    private final ActivationLayer act;
    private Tensor x;

    public TransformerEncoderLayer(TransformerOptions options) {
        this.o = options;
        this.selfAttn = child("self_attn", new MultiHeadAttention(o.dModel(), o.nhead(), true, o.batchFirst(), Init.generator()));
        this.linear1 = child("linear1", new Linear(o.dModel(), o.dimFeedforward()));
        this.dropout = child("dropout", new Dropout(o.dropout()));
        this.linear2 = child("linear2", new Linear(o.dimFeedforward(), o.dModel()));
        this.norm1 = child("norm1", new LayerNorm(new long[] {o.dModel()}, o.layerNormEps(), true));
        this.norm2 = child("norm2", new LayerNorm(new long[] {o.dModel()}, o.layerNormEps(), true));
        this.dropout1 = child("dropout1", new Dropout(o.dropout()));
        this.dropout2 = child("dropout2", new Dropout(o.dropout()));
        this.act = child("activation", o.activationLayer());
    }

    public TransformerOptions options() {
        return o;
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        return forward(x, null, null, false, arena);
    }

    /**
     * @param x                    {@code [T, N, E]} ({@code [N, T, E]} batch first), or one sequence
     *                             unbatched, {@code [T, E]}, as PyTorch takes it
     * @param srcMask              additive {@code [T, T]}, or null
     * @param srcKeyPaddingMask    {@code [N, T]} ({@code [T]} unbatched; int64 nonzero or float -inf marks a
     *                             padded token), or null
     * @param causal               token i attends to tokens {@code j <= i} only
     */
    public Tensor forward(Tensor x, Tensor srcMask, Tensor srcKeyPaddingMask, boolean causal, Arena arena) {
        if (x.rank() < 2 || x.rank() > 3 || x.size(-1) != o.dModel()) {
            throw new IllegalArgumentException(describe() + " expects " + (o.batchFirst() ? "[N, T, " : "[T, N, ") + o.dModel()
                    + "] or, unbatched, [T, " + o.dModel() + "], got " + Arrays.toString(x.shape()));
        }
        this.x = x;
        if (o.normFirst()) {
            Tensor a = norm1.forward(x, arena);
            Tensor h = Residuals.sum(x, dropout1.forward(selfAttn.forward(a, a, a, srcKeyPaddingMask, srcMask, causal, arena),
                    arena), arena);
            return Residuals.sum(h, dropout2.forward(feedForward(norm2.forward(h, arena), arena), arena), arena);
        }
        Tensor h = norm1.forward(Residuals.sum(x, dropout1.forward(selfAttn.forward(x, x, x, srcKeyPaddingMask, srcMask,
                causal, arena), arena), arena), arena);
        return norm2.forward(Residuals.sum(h, dropout2.forward(feedForward(h, arena), arena), arena), arena);
    }

    private Tensor feedForward(Tensor h, Arena arena) {
        return linear2.forward(dropout.forward(act.forward(linear1.forward(h, arena), arena), arena), arena);
    }

    private Tensor feedForwardBackward(Tensor g, Arena arena) {
        return linear1.backward(act.backward(dropout.backward(linear2.backward(g, arena), arena), arena), arena);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        saved(x);
        if (o.normFirst()) {
            // y = h + drop2(ff(norm2(h))), h = x + drop1(sa(norm1(x)))
            Tensor gh = gy.copy(arena);
            Residuals.addInto(gh, norm2.backward(feedForwardBackward(dropout2.backward(gy, arena), arena), arena), arena);
            Tensor gx = gh.copy(arena);
            Residuals.addInto(gx, norm1.backward(selfAttn.backward(dropout1.backward(gh, arena), arena), arena), arena);
            return gx;
        }
        // y = norm2(h + drop2(ff(h))), h = norm1(x + drop1(sa(x)))
        Tensor gz2 = norm2.backward(gy, arena);
        Tensor gh = gz2.copy(arena);
        Residuals.addInto(gh, feedForwardBackward(dropout2.backward(gz2, arena), arena), arena);
        Tensor gz1 = norm1.backward(gh, arena);
        Tensor gx = gz1.copy(arena);
        Residuals.addInto(gx, selfAttn.backward(dropout1.backward(gz1, arena), arena), arena);
        return gx;
    }

    @Override
    public String family() {
        return "attention";
    }
}
