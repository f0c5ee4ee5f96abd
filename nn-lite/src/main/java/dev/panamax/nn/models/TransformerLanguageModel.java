package dev.panamax.nn.models;

import java.lang.foreign.Arena;

import dev.panamax.nn.layers.Embedding;
import dev.panamax.nn.layers.Layer;
import dev.panamax.nn.layers.LayerList;
import dev.panamax.nn.layers.LayerNorm;
import dev.panamax.nn.layers.Linear;
import dev.panamax.nn.layers.TransformerEncoderLayer;
import dev.panamax.nn.layers.TransformerOptions;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.Tensor;

/**
 * A decoder-only (GPT-style) language model: token embedding plus a learned position vector,
 * causal transformer layers (pre-norm), a final layer norm and a linear head to the vocabulary.
 * Token ids {@code [N, T]} in, logits {@code [N, T, V]} out. Names as the golden
 * {@code model_transformer}: {@code tok_emb}, {@code pos_emb}, {@code layers.i.*}, {@code norm},
 * {@code head}.
 */
public final class TransformerLanguageModel extends Layer {

    private final Embedding tokEmb;
    private final Parameter posEmb;
    private final LayerList<TransformerEncoderLayer> layers;
    private final LayerNorm norm;
    private final Linear head;
    private final long dModel;
    private long tokens;

    /** @param options the layers' options (batch first is forced; pre-norm is what such models use) */
    public TransformerLanguageModel(long vocab, long maxLen, TransformerOptions options, int numLayers) {
        TransformerOptions o = options.batchFirst(true);
        this.dModel = o.dModel();
        this.tokEmb = child("tok_emb", new Embedding(vocab, o.dModel()));
        this.posEmb = parameter("pos_emb", maxLen, o.dModel());
        this.layers = child("layers", new LayerList<>());
        for (int i = 0; i < numLayers; i++) {
            layers.add(new TransformerEncoderLayer(o));
        }
        this.norm = child("norm", new LayerNorm(new long[] {o.dModel()}, o.layerNormEps(), true));
        this.head = child("head", new Linear(o.dModel(), vocab));
    }

    /** The golden model: pre-norm, GELU, no dropout. */
    public static TransformerLanguageModel golden(long vocab, long dModel, int nhead, long ff, int numLayers, long maxLen,
                                                  float eps) {
        return new TransformerLanguageModel(vocab, maxLen, TransformerOptions.of(dModel, nhead).dimFeedforward(ff).dropout(0f)
                .activation("gelu").layerNormEps(eps).normFirst(true), numLayers);
    }

    @Override
    public Tensor forward(Tensor ids, Arena arena) {
        if (ids.rank() != 2 || ids.size(1) > posEmb.value().size(0)) {
            throw new IllegalArgumentException(describe() + " expects token ids [N, T] with T <= " + posEmb.value().size(0)
                    + ", got " + java.util.Arrays.toString(ids.shape()));
        }
        tokens = ids.size(1);                 // for backward; forward uses the input's own length
        Tensor h = tokEmb.forward(ids, arena);
        h = addPositions(h, ids.size(1), arena);
        for (int i = 0; i < layers.size(); i++) {        // by index: an iterator would be an object a step
            h = layers.get(i).forward(h, null, null, true, arena);
        }
        return head.forward(norm.forward(h, arena), arena);
    }

    private Tensor addPositions(Tensor h, long tokens, Arena arena) {
        Tensor y = h.copy(arena);
        long n = h.size(0);
        for (long b = 0; b < n; b++) {
            for (long t = 0; t < tokens; t++) {
                dev.panamax.kernels.gemm.Blas1.saxpy(dModel, 1f, posEmb.value().segment(), posEmb.value().offset() + t * dModel,
                        y.segment(), y.offset() + (b * tokens + t) * dModel);
            }
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor gLogits, Arena arena) {
        Tensor g = norm.backward(head.backward(gLogits, arena), arena);
        for (int i = layers.size() - 1; i >= 0; i--) {
            g = layers.get(i).backward(g, arena);
        }
        Tensor gc = g.contiguous(arena);
        for (long b = 0; b < gc.size(0); b++) {
            for (long t = 0; t < tokens; t++) {
                dev.panamax.kernels.gemm.Blas1.saxpy(dModel, 1f, gc.segment(), gc.offset() + (b * tokens + t) * dModel,
                        posEmb.grad().segment(), posEmb.grad().offset() + t * dModel);
            }
        }
        return tokEmb.backward(gc, arena);
    }

    @Override
    public String family() {
        return "attention";
    }
}
