package dev.panamax.nn.layers;

/** Batch normalisation of {@code [N, C, H, W]}, as {@code torch.nn.BatchNorm2d}. */
public final class BatchNorm2d extends BatchNorm {

    /** eps 1e-5, momentum 0.1, affine: PyTorch's defaults. */
    public BatchNorm2d(long channels) {
        this(channels, 1e-5f, 0.1f, true);
    }

    public BatchNorm2d(long channels, float eps, float momentum, boolean affine) {
        super(channels, eps, momentum, affine);
    }

    @Override
    boolean acceptsRank(int rank) {
        return rank == 4;
    }

    @Override
    String expectedInput() {
        return "[N, C, H, W]";
    }
}
