package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.functional.Pooling;
import dev.panamax.nn.tensor.Tensor;

/** The mean of each channel's plane: {@code [N, C, H, W] -> [N, C, 1, 1]} ({@code AdaptiveAvgPool2d(1)}). */
public final class GlobalAvgPool2d extends Layer {

    private Tensor x;

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        requireInput(x, -1, -1, -1, -1);
        this.x = x;
        return Pooling.globalAvgPool2d(x, arena);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        return Pooling.globalAvgPool2dBackward(saved(x), gy, arena);
    }

    @Override
    public String family() {
        return "pooling";
    }

    /** Each sample's output depends on that sample alone (see {@link Layer#samplesIndependent()}). */
    @Override
    public boolean samplesIndependent() {
        return true;
    }
}
