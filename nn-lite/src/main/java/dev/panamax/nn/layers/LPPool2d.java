package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.nn.functional.Pooling;
import dev.panamax.nn.tensor.Tensor;

/**
 * Power-average pooling, as {@code torch.nn.LPPool2d(norm_type, kernel_size, stride, ceil_mode)}:
 * the p-norm of each window of {@code [N, C, H, W]} (or one image's {@code [C, H, W]}), p = 1 a sum
 * pool and p large near a max pool; no padding. The stride defaults to the kernel.
 */
public final class LPPool2d extends Layer {

    private final double normType;
    private final int[] kernel;
    private final int[] stride;
    private final boolean ceilMode;
    private Tensor x;
    private boolean unbatched;

    /** A square window of stride {@code kernel}, without ceil_mode. */
    public LPPool2d(double normType, int kernel) {
        this(normType, new int[] {kernel, kernel}, new int[] {kernel, kernel}, false);
    }

    /** @param normType p, finite and > 0 */
    public LPPool2d(double normType, int[] kernel, int[] stride, boolean ceilMode) {
        if (!(normType > 0) || Double.isInfinite(normType)) {
            throw new IllegalArgumentException("LPPool2d needs a finite norm_type > 0, got " + normType);
        }
        this.normType = normType;
        this.kernel = ConvAttributes.pair("kernel_size", kernel, 1);
        this.stride = ConvAttributes.pair("stride", stride, 1);
        this.ceilMode = ceilMode;
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        boolean single = unbatchedImage(x, -1, -1, -1);
        Tensor batch = asBatch(x, single);
        Tensor y = Pooling.lpPool2d(batch, normType, kernel, stride, ceilMode, arena);
        this.x = batch;
        this.unbatched = single;
        return asSample(y, single);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        return asSample(Pooling.lpPool2dBackward(saved(x), asBatch(gy, unbatched), normType, kernel, stride, ceilMode, arena),
                unbatched);
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
        return describe() + "(norm_type=" + normType + ", kernel_size=" + Arrays.toString(kernel) + ", stride="
                + Arrays.toString(stride) + (ceilMode ? ", ceil_mode=True" : "") + ")";
    }
}
