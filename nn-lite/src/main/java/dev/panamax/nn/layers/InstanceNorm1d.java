package dev.panamax.nn.layers;

/**
 * Instance normalisation of sequences, as {@code torch.nn.InstanceNorm1d} ({@link InstanceNorm}):
 * input {@code [N, C, L]} or one sequence's {@code [C, L]}, statistics over L.
 */
public final class InstanceNorm1d extends InstanceNorm {

    /** eps 1e-5, no affine: PyTorch's defaults. */
    public InstanceNorm1d(long channels) {
        this(channels, 1e-5f, false);
    }

    public InstanceNorm1d(long channels, float eps, boolean affine) {
        super(channels, eps, affine, 1);
    }
}
