package dev.panamax.nn.layers;

import dev.panamax.kernels.pad.PadMode;

/**
 * Pads the last dimension with the input mirrored about its ends (the end not repeated; each pad
 * below the length), as {@code torch.nn.ReflectionPad1d}.
 */
public final class ReflectionPad1d extends Pad1d {

    /** The same padding on both sides. */
    public ReflectionPad1d(int padding) {
        this(padding, padding);
    }

    public ReflectionPad1d(int left, int right) {
        super(left, right, PadMode.REFLECT, 0f);
    }
}
