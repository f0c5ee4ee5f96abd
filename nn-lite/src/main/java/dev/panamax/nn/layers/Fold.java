package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.nn.functional.Patches;
import dev.panamax.nn.tensor.Tensor;

/**
 * As {@code torch.nn.Fold(output_size, kernel_size, dilation, padding, stride)}: blocks summed
 * back into an image, {@code [N, C kH kW, L] -> [N, C, H, W]} (or unbatched), overlapping values
 * added ({@link Patches#fold}); with non-overlapping blocks the inverse of {@link Unfold}. Its
 * backward is Unfold's forward.
 */
public final class Fold extends Layer {

    private final int[] outputSize;
    private final ConvAttributes attributes;

    /** A square output and kernel, dilation 1, no padding, stride 1: PyTorch's defaults. */
    public Fold(int outputSize, int kernel) {
        this(new int[] {outputSize, outputSize}, ConvAttributes.square(kernel, 1, 0, 1, 1));
    }

    /**
     * @param outputSize {@code {H, W}}
     * @param attributes kernel, stride, padding and dilation (groups 1, no output padding)
     */
    public Fold(int[] outputSize, ConvAttributes attributes) {
        if (outputSize == null || outputSize.length != 2 || outputSize[0] < 1 || outputSize[1] < 1) {
            throw new IllegalArgumentException("output_size must be a pair {h, w} of sizes >= 1, got "
                    + Arrays.toString(outputSize));
        }
        this.outputSize = outputSize.clone();
        this.attributes = blockAttributes(attributes);
    }

    /** The attributes a block layer takes: no groups, no output padding, no "same". */
    static ConvAttributes blockAttributes(ConvAttributes a) {
        if (a == null || a.groups() != 1 || a.outputPadding()[0] != 0 || a.outputPadding()[1] != 0 || a.same()) {
            throw new IllegalArgumentException("Fold and Unfold take a kernel, stride, padding and dilation only (groups 1, no "
                    + "output padding, explicit padding), got " + a);
        }
        return a;
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        return Patches.fold(x, outputSize, attributes.kernel(), attributes.dilation(), attributes.padding(),
                attributes.stride(), arena);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        return Patches.unfold(gy, attributes.kernel(), attributes.dilation(), attributes.padding(), attributes.stride(), arena);
    }

    @Override
    public boolean samplesIndependent() {
        return true;
    }

    @Override
    public String toString() {
        return describe() + "(output_size=" + Arrays.toString(outputSize) + ", kernel_size="
                + Arrays.toString(attributes.kernel()) + ", dilation=" + Arrays.toString(attributes.dilation()) + ", padding="
                + Arrays.toString(attributes.padding()) + ", stride=" + Arrays.toString(attributes.stride()) + ")";
    }
}
