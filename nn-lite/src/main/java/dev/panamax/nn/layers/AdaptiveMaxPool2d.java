package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.functional.Pooling;
import dev.panamax.nn.tensor.Tensor;

/**
 * Adaptive max pooling to a fixed output size, as {@code torch.nn.AdaptiveMaxPool2d}:
 * {@code [N, C, H, W]} (or one image's {@code [C, H, W]}) to {@code [N, C, Hout, Wout]}, each
 * output the maximum of PyTorch's window for it; backward sends each gradient to its maximum.
 */
public final class AdaptiveMaxPool2d extends AdaptivePool {

    private Pooling.Indexed saved;

    /** A square output. */
    public AdaptiveMaxPool2d(int outputSize) {
        this(outputSize, outputSize);
    }

    /** Output {@code [height, width]}; -1 keeps the input's size there (PyTorch's None). */
    public AdaptiveMaxPool2d(int height, int width) {
        super(height, width);
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        boolean single = unbatchedImage(x, -1, -1, -1);
        Tensor batch = asBatch(x, single);
        var s = Pooling.adaptiveMaxPool2d(batch, outputSize, saved, arena);
        this.x = batch;
        this.unbatched = single;
        saved = s;                    // after: threads sharing a model in eval mode each return their own y
        return asSample(s.y(), single);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        return asSample(Pooling.adaptiveMaxPool2dBackward(saved(x), saved, asBatch(gy, unbatched), arena), unbatched);
    }
}
