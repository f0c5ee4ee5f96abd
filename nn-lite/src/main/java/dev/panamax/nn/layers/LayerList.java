package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

import dev.panamax.nn.tensor.Tensor;

/**
 * Layers held by index, as {@code torch.nn.ModuleList}: they are named {@code "0"}, {@code "1"},
 * ... (so a model's {@code layers.3.linear1.weight} matches PyTorch's), and their owner calls them
 * itself; the list has no forward of its own.
 */
public final class LayerList<L extends Layer> extends Layer {

    private final List<L> layers = new ArrayList<>();

    /** Appends a layer under the next index. */
    public LayerList<L> add(L layer) {
        child(Integer.toString(layers.size()), layer);
        layers.add(layer);
        return this;
    }

    public L get(int i) {
        return layers.get(i);
    }

    public int size() {
        return layers.size();
    }

    /** The layers in order. */
    public List<L> layers() {
        return List.copyOf(layers);
    }

    /** Not applicable: the owner calls the layers. */
    @Override
    public Tensor forward(Tensor x, Arena arena) {
        throw new UnsupportedOperationException("a LayerList has no forward; its owner runs its layers");
    }

    /** Not applicable: the owner calls the layers. */
    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        throw new UnsupportedOperationException("a LayerList has no backward; its owner runs its layers");
    }
}
