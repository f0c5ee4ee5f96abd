package dev.panamax.nn.layers;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Layers (or any blocks) held by index, as {@code torch.nn.ModuleList}: they are named
 * {@code "0"}, {@code "1"}, ... (so a model's {@code layers.3.linear1.weight} matches PyTorch's),
 * and their owner runs them; the list is a block without a forward of its own.
 */
public final class LayerList<L extends Block> extends Block {

    private final List<L> layers = new ArrayList<>();
    /** What {@link #layers()} returns: one read-only view, not a copy per call (models iterate it every step). */
    private final List<L> readOnly = Collections.unmodifiableList(layers);

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

    /** The layers in order, read-only (a view: it shows layers added later). */
    public List<L> layers() {
        return readOnly;
    }
}
