package dev.panamax.nn.layers;

/**
 * Instance normalisation of images, as {@code torch.nn.InstanceNorm2d} ({@link InstanceNorm}):
 * input {@code [N, C, H, W]} or one image's {@code [C, H, W]}, statistics over H x W. Style
 * transfer's normalisation (with {@link ReflectionPad2d}).
 */
public final class InstanceNorm2d extends InstanceNorm {

    /** eps 1e-5, no affine: PyTorch's defaults. */
    public InstanceNorm2d(long channels) {
        this(channels, 1e-5f, false);
    }

    public InstanceNorm2d(long channels, float eps, boolean affine) {
        this(channels, eps, 0.1f, affine, false);
    }

    /**
     * @param momentum          how far each training step moves the running statistics (PyTorch's 0.1)
     * @param trackRunningStats whether to keep running statistics and normalise by them in evaluation
     */
    public InstanceNorm2d(long channels, float eps, float momentum, boolean affine, boolean trackRunningStats) {
        super(channels, eps, momentum, affine, trackRunningStats, 2);
    }
}
