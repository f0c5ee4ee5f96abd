package dev.panamax.nn.layers;

import dev.panamax.kernels.pad.PadMode;

/** Pads the last two dimensions with one value, as {@code torch.nn.ConstantPad2d}. */
public final class ConstantPad2d extends Pad2d {

    /** The same padding on all four sides. */
    public ConstantPad2d(int padding, float value) {
        this(padding, padding, padding, padding, value);
    }

    public ConstantPad2d(int left, int right, int top, int bottom, float value) {
        super(new int[] {left, right, top, bottom}, PadMode.CONSTANT, value);
    }
}
