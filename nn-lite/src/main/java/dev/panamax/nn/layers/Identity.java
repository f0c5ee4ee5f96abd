package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.tensor.Tensor;

/**
 * The input unchanged, as {@code torch.nn.Identity}: a placeholder where a model's slot takes no
 * layer (a classifier head removed to keep the features, a skip without projection).
 */
public final class Identity extends Layer {

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        return x;
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        return gy;
    }

    @Override
    public boolean samplesIndependent() {
        return true;
    }
}
