package dev.panamax.nn.layers;

import dev.panamax.kernels.pad.PadMode;

/** Pads the last dimension with copies of its end values, as {@code torch.nn.ReplicationPad1d}. */
public final class ReplicationPad1d extends Pad1d {

    /** The same padding on both sides. */
    public ReplicationPad1d(int padding) {
        this(padding, padding);
    }

    public ReplicationPad1d(int left, int right) {
        super(left, right, PadMode.REPLICATE, 0f);
    }
}
