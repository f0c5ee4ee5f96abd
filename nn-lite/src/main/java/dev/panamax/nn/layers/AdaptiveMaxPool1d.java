package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.functional.Pooling;
import dev.panamax.nn.tensor.Tensor;

/**
 * Adaptive max pooling of sequences to a fixed length, as {@code torch.nn.AdaptiveMaxPool1d}:
 * {@code [N, C, L]} (or one sequence {@code [C, L]}) to {@code [N, C, out]}; {@code out = 1} is a
 * text CNN's max over time. Run as the 2-d adaptive pool of a height-1 image.
 */
public final class AdaptiveMaxPool1d extends Layer {

    private final int[] outputSize;
    private Tensor x;
    private boolean unbatched;
    private Pooling.Indexed saved;

    public AdaptiveMaxPool1d(int outputSize) {
        if (outputSize < 1) {
            throw new IllegalArgumentException("output_size must be >= 1, got " + outputSize);
        }
        this.outputSize = new int[] {1, outputSize};
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        boolean single = Pool1d.unbatched(this, x);
        Tensor image = Pool1d.image(x, single);
        var s = Pooling.adaptiveMaxPool2d(image, outputSize, saved, arena);
        this.x = image;
        this.unbatched = single;
        saved = s;
        return Pool1d.sequence(s.y(), single);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        return Pool1d.sequence(Pooling.adaptiveMaxPool2dBackward(saved(x), saved, Pool1d.image(gy, unbatched), arena),
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
