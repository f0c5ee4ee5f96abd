package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.functional.PixelShuffles;
import dev.panamax.nn.tensor.Tensor;

/**
 * As {@code torch.nn.PixelShuffle(r)}: {@code [*, C r^2, H, W] -> [*, C, H r, W r]}, the
 * upsampling of sub-pixel convolutions (ESPCN); {@link PixelUnshuffle} is its inverse.
 */
public final class PixelShuffle extends Layer {

    private final int factor;

    public PixelShuffle(int upscaleFactor) {
        if (upscaleFactor < 1) {
            throw new IllegalArgumentException("upscale_factor must be >= 1, got " + upscaleFactor);
        }
        this.factor = upscaleFactor;
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        return PixelShuffles.pixelShuffle(x, factor, arena);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        return PixelShuffles.pixelUnshuffle(gy, factor, arena);
    }

    @Override
    public String toString() {
        return describe() + "(upscale_factor=" + factor + ")";
    }

    @Override
    public boolean samplesIndependent() {
        return true;
    }
}
