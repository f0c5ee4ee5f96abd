package dev.panamax.nn.layers;

import dev.panamax.kernels.pad.PadMode;

/** Pads the last dimension with one value, as {@code torch.nn.ConstantPad1d}. */
public final class ConstantPad1d extends Pad1d {

    /** The same padding on both sides. */
    public ConstantPad1d(int padding, float value) {
        this(padding, padding, value);
    }

    public ConstantPad1d(int left, int right, float value) {
        super(left, right, PadMode.CONSTANT, value);
    }
}
