package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.nn.functional.Pooling;
import dev.panamax.nn.tensor.Tensor;

/**
 * Adaptive max pooling to a fixed output size, as {@code torch.nn.AdaptiveMaxPool2d}:
 * {@code [N, C, H, W]} (or one image's {@code [C, H, W]}) to {@code [N, C, Hout, Wout]}, each
 * output the maximum of PyTorch's window for it; backward sends each gradient to its maximum.
 */
public final class AdaptiveMaxPool2d extends Layer {

    private final int[] outputSize;
    private Tensor x;
    /** Whether the last forward's input was one image, {@code [C, H, W]} (PyTorch's unbatched input). */
    private boolean unbatched;
    private Pooling.Indexed saved;

    /** A square output. */
    public AdaptiveMaxPool2d(int outputSize) {
        this(outputSize, outputSize);
    }

    /** Output {@code [height, width]}; -1 keeps the input's size there (PyTorch's None). */
    public AdaptiveMaxPool2d(int height, int width) {
        this.outputSize = new int[] {height, width};
        if (height == 0 || width == 0 || height < -1 || width < -1) {
            throw new IllegalArgumentException("output_size must be >= 1 (or -1), got " + Arrays.toString(outputSize));
        }
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        boolean single = unbatchedImage(x, -1, -1, -1);
        Tensor batch = asBatch(x, single);
        var s = Pooling.adaptiveMaxPool2d(batch, outputSize, arena);
        this.x = batch;
        this.unbatched = single;
        saved = s;                    // after: threads sharing a model in eval mode each return their own y
        return asSample(s.y(), single);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        return asSample(Pooling.adaptiveMaxPool2dBackward(saved(x), saved, asBatch(gy, unbatched), arena), unbatched);
    }

    @Override
    public String toString() {
        return describe() + "(output_size=" + Arrays.toString(outputSize) + ")";
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
