package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.functional.Pooling;
import dev.panamax.nn.tensor.Tensor;

/**
 * Power-average pooling over sequences, as {@code torch.nn.LPPool1d(norm_type, kernel_size, stride,
 * ceil_mode)}: {@code [N, C, L]} or one sequence {@code [C, L]}, run as {@link LPPool2d} on
 * height-1 views.
 */
public final class LPPool1d extends Layer {

    private final double normType;
    private final int[] kernel;
    private final int[] stride;
    private final boolean ceilMode;
    private Tensor x;
    private boolean unbatched;

    /** A window of {@code kernel} at stride {@code kernel}, without ceil_mode. */
    public LPPool1d(double normType, int kernel) {
        this(normType, kernel, kernel, false);
    }

    public LPPool1d(double normType, int kernel, int stride, boolean ceilMode) {
        if (!(normType > 0) || Double.isInfinite(normType) || kernel < 1 || stride < 1) {
            throw new IllegalArgumentException("LPPool1d needs a finite norm_type > 0 and kernel, stride >= 1, got " + normType
                    + ", " + kernel + ", " + stride);
        }
        this.normType = normType;
        this.kernel = new int[] {1, kernel};
        this.stride = new int[] {1, stride};
        this.ceilMode = ceilMode;
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        boolean single = Pool1d.unbatched(this, x);
        Tensor image = Pool1d.image(x, single);
        Tensor y = Pooling.lpPool2d(image, normType, kernel, stride, ceilMode, arena);
        this.x = image;
        this.unbatched = single;
        return Pool1d.sequence(y, single);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        return Pool1d.sequence(Pooling.lpPool2dBackward(saved(x), Pool1d.image(gy, unbatched), normType, kernel, stride,
                ceilMode, arena), unbatched);
    }

    @Override
    public boolean samplesIndependent() {
        return true;
    }

    @Override
    public String family() {
        return "pooling";
    }

    @Override
    public String toString() {
        return describe() + "(norm_type=" + normType + ", kernel_size=" + kernel[1] + ", stride=" + stride[1]
                + (ceilMode ? ", ceil_mode=True" : "") + ")";
    }
}
