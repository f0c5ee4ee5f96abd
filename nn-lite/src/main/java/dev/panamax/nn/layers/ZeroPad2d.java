package dev.panamax.nn.layers;

import dev.panamax.kernels.pad.PadMode;

/** Pads the last two dimensions with zeros, as {@code torch.nn.ZeroPad2d}. */
public final class ZeroPad2d extends Pad2d {

    /** The same padding on all four sides. */
    public ZeroPad2d(int padding) {
        this(padding, padding, padding, padding);
    }

    public ZeroPad2d(int left, int right, int top, int bottom) {
        super(new int[] {left, right, top, bottom}, PadMode.CONSTANT, 0f);
    }
}
