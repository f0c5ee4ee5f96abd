package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.functional.Pooling;
import dev.panamax.nn.tensor.Tensor;

/**
 * Adaptive average pooling to a fixed output size, as {@code torch.nn.AdaptiveAvgPool2d}:
 * {@code [N, C, H, W]} (or one image's {@code [C, H, W]}) to {@code [N, C, Hout, Wout]} whatever
 * H and W, each output the mean of PyTorch's window for it. {@code AdaptiveAvgPool2d(1)} is
 * ResNet's head ({@link GlobalAvgPool2d} computes the same).
 */
public final class AdaptiveAvgPool2d extends AdaptivePool {

    /** A square output. */
    public AdaptiveAvgPool2d(int outputSize) {
        this(outputSize, outputSize);
    }

    /** Output {@code [height, width]}; -1 keeps the input's size there (PyTorch's None). */
    public AdaptiveAvgPool2d(int height, int width) {
        super(height, width);
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        boolean single = unbatchedImage(x, -1, -1, -1);
        Tensor batch = asBatch(x, single);
        Tensor y = Pooling.adaptiveAvgPool2d(batch, outputSize, arena);
        this.x = batch;
        this.unbatched = single;
        return asSample(y, single);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        return asSample(Pooling.adaptiveAvgPool2dBackward(saved(x), asBatch(gy, unbatched), outputSize, arena), unbatched);
    }
}
