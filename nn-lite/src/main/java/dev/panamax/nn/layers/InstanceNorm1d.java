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
        this(channels, eps, 0.1f, affine, false);
    }

    /**
     * @param momentum          how far each training step moves the running statistics (PyTorch's 0.1)
     * @param trackRunningStats whether to keep running statistics and normalise by them in evaluation
     */
    public InstanceNorm1d(long channels, float eps, float momentum, boolean affine, boolean trackRunningStats) {
        super(channels, eps, momentum, affine, trackRunningStats, 1);
    }
}
