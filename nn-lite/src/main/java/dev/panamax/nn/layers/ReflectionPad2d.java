package dev.panamax.nn.layers;

import dev.panamax.kernels.pad.PadMode;

/** Pads the last two dimensions with the input mirrored about its edges (the edge not repeated; each pad below the size), as {@code torch.nn.ReflectionPad2d}. */
public final class ReflectionPad2d extends Pad2d {

    /** The same padding on all four sides. */
    public ReflectionPad2d(int padding) {
        this(padding, padding, padding, padding);
    }

    public ReflectionPad2d(int left, int right, int top, int bottom) {
        super(new int[] {left, right, top, bottom}, PadMode.REFLECT, 0f);
    }
}
