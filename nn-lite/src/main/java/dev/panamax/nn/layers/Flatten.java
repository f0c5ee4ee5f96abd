package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.tensor.Tensor;

/** {@code [N, d1, d2, ...] -> [N, d1 d2 ...]} in row-major (C, H, W) order, as {@code torch.nn.Flatten()}. */
public final class Flatten extends Layer {

    private long[] inputShape;

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        if (x.rank() < 1) {
            throw new IllegalArgumentException(describe() + " needs an input with a batch dimension, got a scalar");
        }
        if (inputShape == null || !x.hasShape(inputShape)) {
            inputShape = x.shape();
        }
        return x.contiguous(arena).view(x.size(0), -1);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        return gy.contiguous(arena).view(saved(inputShape));
    }

    @Override
    public String family() {
        return "reshape";
    }
}
