package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.functional.Pooling;
import dev.panamax.nn.tensor.Tensor;

/**
 * Adaptive average pooling of sequences to a fixed length, as {@code torch.nn.AdaptiveAvgPool1d}:
 * {@code [N, C, L]} (or one sequence {@code [C, L]}) to {@code [N, C, out]}, PyTorch's windows,
 * run as the 2-d adaptive pool of a height-1 image.
 */
public final class AdaptiveAvgPool1d extends Layer {

    private final int[] outputSize;
    private Tensor x;
    private boolean unbatched;

    public AdaptiveAvgPool1d(int outputSize) {
        if (outputSize < 1) {
            throw new IllegalArgumentException("output_size must be >= 1, got " + outputSize);
        }
        this.outputSize = new int[] {1, outputSize};
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        boolean single = Pool1d.unbatched(this, x);
        Tensor image = Pool1d.image(x, single);
        Tensor y = Pooling.adaptiveAvgPool2d(image, outputSize, arena);
        this.x = image;
        this.unbatched = single;
        return Pool1d.sequence(y, single);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        return Pool1d.sequence(Pooling.adaptiveAvgPool2dBackward(saved(x), Pool1d.image(gy, unbatched), outputSize, arena),
                unbatched);
    }

    @Override
    public String toString() {
        return describe() + "(output_size=" + outputSize[1] + ")";
    }

    @Override
    public String family() {
        return "pooling";
    }

    @Override
    public boolean samplesIndependent() {
        return true;
    }
}
