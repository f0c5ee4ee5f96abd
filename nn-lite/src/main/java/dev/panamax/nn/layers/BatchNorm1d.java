package dev.panamax.nn.layers;

/** Batch normalisation of {@code [N, C]} or {@code [N, C, L]}, as {@code torch.nn.BatchNorm1d}. */
public final class BatchNorm1d extends BatchNorm {

    /** eps 1e-5, momentum 0.1, affine: PyTorch's defaults. */
    public BatchNorm1d(long channels) {
        this(channels, 1e-5f, 0.1f, true);
    }

    public BatchNorm1d(long channels, float eps, float momentum, boolean affine) {
        super(channels, eps, momentum, affine);
    }

    @Override
    boolean acceptsRank(int rank) {
        return rank == 2 || rank == 3;
    }

    @Override
    String expectedInput() {
        return "[N, C] or [N, C, L]";
    }
}
