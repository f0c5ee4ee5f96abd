package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.functional.PixelShuffles;
import dev.panamax.nn.tensor.Tensor;

/** As {@code torch.nn.PixelUnshuffle(r)}: {@code [*, C, H r, W r] -> [*, C r^2, H, W]}, {@link PixelShuffle}'s inverse. */
public final class PixelUnshuffle extends Layer {

    private final int factor;

    public PixelUnshuffle(int downscaleFactor) {
        if (downscaleFactor < 1) {
            throw new IllegalArgumentException("downscale_factor must be >= 1, got " + downscaleFactor);
        }
        this.factor = downscaleFactor;
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        return PixelShuffles.pixelUnshuffle(x, factor, arena);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        return PixelShuffles.pixelShuffle(gy, factor, arena);
    }

    @Override
    public String toString() {
        return describe() + "(downscale_factor=" + factor + ")";
    }

    @Override
    public boolean samplesIndependent() {
        return true;
    }
}
