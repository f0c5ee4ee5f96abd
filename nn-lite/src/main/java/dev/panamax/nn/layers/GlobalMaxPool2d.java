package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.functional.Pooling;
import dev.panamax.nn.tensor.Tensor;

/** The maximum of each channel's plane: {@code [N, C, H, W] -> [N, C, 1, 1]} ({@code AdaptiveMaxPool2d(1)}). */
public final class GlobalMaxPool2d extends Layer {

    private Tensor x;
    private Pooling.Indexed saved;

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        requireInput(x, -1, -1, -1, -1);
        this.x = x;
        var s = Pooling.globalMaxPool2d(x, arena);
        saved = s;                    // after: threads sharing a model in eval mode each return their own y
        return s.y();
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        return Pooling.globalMaxPool2dBackward(saved(x), saved, gy, arena);
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
