package dev.panamax.nn.layers;

import dev.panamax.kernels.pad.PadMode;

/** Pads the last two dimensions with copies of the edge, as {@code torch.nn.ReplicationPad2d}. */
public final class ReplicationPad2d extends Pad2d {

    /** The same padding on all four sides. */
    public ReplicationPad2d(int padding) {
        this(padding, padding, padding, padding);
    }

    public ReplicationPad2d(int left, int right, int top, int bottom) {
        super(new int[] {left, right, top, bottom}, PadMode.REPLICATE, 0f);
    }
}
