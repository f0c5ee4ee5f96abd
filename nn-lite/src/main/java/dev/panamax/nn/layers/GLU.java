package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.functional.Activations;
import dev.panamax.nn.tensor.Tensor;

/**
 * The gated linear unit, as {@code torch.nn.GLU(dim)}: the input halved along {@code dim} (the last by
 * default), {@code a sigmoid(b)}; the gate of gated convolutional networks and of GLU feed-forward blocks.
 */
public final class GLU extends Layer {

    private final int dim;
    private Tensor x;

    /** Along the last dimension, PyTorch's default. */
    public GLU() {
        this(-1);
    }

    /** @param dim the dimension to halve (of even size; negative counts from the end) */
    public GLU(int dim) {
        this.dim = dim;
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        Tensor y = Activations.glu(x, dim, arena);
        this.x = x;
        return y;
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        return Activations.gluBackward(saved(x), dim, gy, arena);
    }

    /**
     * Each sample's output depends on that sample alone unless dimension 0 is the one halved; a
     * negative dim, which may be 0 for a rank-1 input, counts as halving it.
     */
    @Override
    public boolean samplesIndependent() {
        return dim >= 1;
    }

    @Override
    public String toString() {
        return describe() + "(dim=" + dim + ")";
    }

    @Override
    public String family() {
        return "activation";
    }
}
