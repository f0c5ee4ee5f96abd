package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.nn.functional.Patches;
import dev.panamax.nn.tensor.Tensor;

/**
 * As {@code torch.nn.Unfold(kernel_size, dilation, padding, stride)}: every block a 2-d kernel
 * covers, {@code [N, C, H, W] -> [N, C kH kW, L]} (or unbatched {@code [C, H, W]}), with zero
 * padding ({@link Patches#unfold}). Its backward is {@link Fold}'s forward.
 */
public final class Unfold extends Layer {

    private final ConvAttributes attributes;
    private long[] inputShape;

    /** A square kernel, dilation 1, no padding, stride 1: PyTorch's defaults. */
    public Unfold(int kernel) {
        this(ConvAttributes.square(kernel, 1, 0, 1, 1));
    }

    /** Kernel, stride, padding and dilation from {@code attributes} (groups 1, no output padding). */
    public Unfold(ConvAttributes attributes) {
        this.attributes = Fold.blockAttributes(attributes);
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        Tensor y = Patches.unfold(x, attributes.kernel(), attributes.dilation(), attributes.padding(), attributes.stride(),
                arena);
        inputShape = x.shape();
        return y;
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        long[] shape = saved(inputShape);
        int[] size = {(int) shape[shape.length - 2], (int) shape[shape.length - 1]};
        return Patches.fold(gy, size, attributes.kernel(), attributes.dilation(), attributes.padding(), attributes.stride(),
                arena);
    }

    @Override
    public boolean samplesIndependent() {
        return true;
    }

    @Override
    public String toString() {
        return describe() + "(kernel_size=" + Arrays.toString(attributes.kernel()) + ", dilation="
                + Arrays.toString(attributes.dilation()) + ", padding=" + Arrays.toString(attributes.padding()) + ", stride="
                + Arrays.toString(attributes.stride()) + ")";
    }
}
