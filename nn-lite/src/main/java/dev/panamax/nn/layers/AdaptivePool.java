package dev.panamax.nn.layers;

import java.util.Arrays;

import dev.panamax.nn.tensor.Tensor;

/** What {@link AdaptiveAvgPool2d} and {@link AdaptiveMaxPool2d} share: the output size, the kept input, the form. */
abstract class AdaptivePool extends Layer {

    /** {@code [Hout, Wout]}, -1 keeping the input's size there (PyTorch's None). */
    final int[] outputSize;
    /** The last forward's input, as a batch. */
    Tensor x;
    /** Whether the last forward's input was one image, {@code [C, H, W]} (PyTorch's unbatched input). */
    boolean unbatched;

    AdaptivePool(int height, int width) {
        this.outputSize = new int[] {height, width};
        if (height == 0 || width == 0 || height < -1 || width < -1) {
            throw new IllegalArgumentException("output_size must be >= 1 (or -1), got " + Arrays.toString(outputSize));
        }
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
