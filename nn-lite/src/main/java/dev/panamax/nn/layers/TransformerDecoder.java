package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.tensor.Tensor;

/**
 * A stack of {@link TransformerDecoderLayer}s, as {@code torch.nn.TransformerDecoder}, with an
 * optional final layer norm; every layer attends to the same encoder memory. Names
 * {@code layers.0.*}, ..., {@code norm.*}. {@link #forwardCached} generates one token at a time
 * through a {@link KvCache}.
 */
public final class TransformerDecoder extends Block {

    private final LayerList<TransformerDecoderLayer> layers;
    private final LayerNorm norm;

    public TransformerDecoder(TransformerOptions options, int numLayers, boolean finalNorm) {
        if (numLayers < 1) {
            throw new IllegalArgumentException("num_layers must be >= 1, got " + numLayers);
        }
        layers = child("layers", new LayerList<>());
        for (int i = 0; i < numLayers; i++) {
            layers.add(new TransformerDecoderLayer(options));
        }
        norm = finalNorm ? child("norm", new LayerNorm(new long[] {options.dModel()}, options.layerNormEps(), true)) : null;
    }

    /** Every layer over the same memory. */
    public Tensor forward(Tensor x, Tensor memory, Tensor tgtMask, Tensor memoryKeyPadding, boolean causal, Arena arena) {
        return forward(x, memory, tgtMask, null, memoryKeyPadding, causal, arena);
    }

    /** Every layer over the same memory, padded target tokens hidden from the self-attention ({@code tgt_key_padding_mask}). */
    public Tensor forward(Tensor x, Tensor memory, Tensor tgtMask, Tensor tgtKeyPadding, Tensor memoryKeyPadding, boolean causal,
                          Arena arena) {
        Tensor h = x;
        for (int i = 0; i < layers.size(); i++) {        // by index: an iterator would be an object a step
            h = layers.get(i).forward(h, memory, tgtMask, tgtKeyPadding, memoryKeyPadding, causal, arena);
        }
        return norm == null ? h : norm.forward(h, arena);
    }

    /**
     * New target tokens {@code x} through every layer, each attending causally over the tokens
     * the cache holds (then appended) and over the memory (projected once per sequence).
     */
    public Tensor forwardCached(Tensor x, Tensor memory, Tensor memoryKeyPadding, KvCache cache, Arena arena) {
        Tensor h = x;
        for (int i = 0; i < layers.size(); i++) {
            h = layers.get(i).forwardCached(h, memory, memoryKeyPadding, cache, arena);
        }
        return norm == null ? h : norm.forward(h, arena);
    }

    /** The target's gradient (the memory's through {@link #backwardAll}). */
    public Tensor backward(Tensor gy, Arena arena) {
        return backwardAll(gy, arena).x();
    }

    /** The gradients of the target and of the memory (summed over the layers). */
    public TransformerDecoderLayer.Gradients backwardAll(Tensor gy, Arena arena) {
        Tensor g = norm == null ? gy : norm.backward(gy, arena);
        Tensor memory = null;
        for (int i = layers.size() - 1; i >= 0; i--) {
            TransformerDecoderLayer.Gradients lg = layers.get(i).backwardAll(g, arena);
            g = lg.x();
            if (memory == null) {
                memory = lg.memory().copy(arena);
            } else {
                Residuals.addInto(memory, lg.memory(), arena);
            }
        }
        return new TransformerDecoderLayer.Gradients(g, memory);
    }
}
