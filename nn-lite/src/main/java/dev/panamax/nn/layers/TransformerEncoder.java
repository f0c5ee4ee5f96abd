package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.tensor.Tensor;

/**
 * A stack of {@link TransformerEncoderLayer}s, as {@code torch.nn.TransformerEncoder}, with an
 * optional final layer norm (pre-norm stacks need it). Names {@code layers.0.*}, ...,
 * {@code norm.*}.
 */
public final class TransformerEncoder extends Layer {

    private final LayerList<TransformerEncoderLayer> layers;
    private final LayerNorm norm;

    public TransformerEncoder(TransformerOptions options, int numLayers, boolean finalNorm) {
        if (numLayers < 1) {
            throw new IllegalArgumentException("num_layers must be >= 1, got " + numLayers);
        }
        layers = child("layers", new LayerList<>());
        for (int i = 0; i < numLayers; i++) {
            layers.add(new TransformerEncoderLayer(options));
        }
        norm = finalNorm ? child("norm", new LayerNorm(new long[] {options.dModel()}, options.layerNormEps(), true)) : null;
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        return forward(x, null, null, false, arena);
    }

    /** Every layer with the same masks (see {@link TransformerEncoderLayer#forward(Tensor, Tensor, Tensor, boolean, Arena)}). */
    public Tensor forward(Tensor x, Tensor mask, Tensor keyPadding, boolean causal, Arena arena) {
        Tensor h = x;
        for (int i = 0; i < layers.size(); i++) {        // by index: an iterator would be an object a step
            h = layers.get(i).forward(h, mask, keyPadding, causal, arena);
        }
        return norm == null ? h : norm.forward(h, arena);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        Tensor g = norm == null ? gy : norm.backward(gy, arena);
        for (int i = layers.size() - 1; i >= 0; i--) {
            g = layers.get(i).backward(g, arena);
        }
        return g;
    }

    @Override
    public String family() {
        return "attention";
    }
}
