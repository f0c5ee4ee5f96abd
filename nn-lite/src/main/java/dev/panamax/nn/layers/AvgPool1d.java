package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.kernels.pool.PoolGeometry;
import dev.panamax.nn.functional.Pooling;
import dev.panamax.nn.tensor.Tensor;

/**
 * Average pooling over sequences, as
 * {@code torch.nn.AvgPool1d(kernel, stride, padding, ceil_mode, count_include_pad)}:
 * {@code [N, C, L]} or one sequence {@code [C, L]}, run as the 2-d pool of a height-1 image.
 */
public final class AvgPool1d extends Layer {

    private final PoolWindow window;
    private final boolean countIncludePad;
    private Tensor x;
    private boolean unbatched;
    private PoolGeometry geometry;

    /** A window of {@code kernel} at stride {@code kernel}, no padding. */
    public AvgPool1d(int kernel) {
        this(kernel, kernel, 0, false, true);
    }

    public AvgPool1d(int kernel, int stride, int padding, boolean ceilMode, boolean countIncludePad) {
        this.window = new PoolWindow(new int[] {1, kernel}, new int[] {1, stride}, new int[] {0, padding}, ceilMode);
        this.countIncludePad = countIncludePad;
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        boolean single = Pool1d.unbatched(this, x);
        Tensor image = Pool1d.image(x, single);
        PoolGeometry g = Pooling.geometry(image, window.kernel(), window.stride(), window.padding(), window.ceilMode(),
                geometry);
        geometry = g;
        this.x = image;
        this.unbatched = single;
        return Pool1d.sequence(Pooling.avgPool2d(image, g, countIncludePad, arena), single);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        Tensor gx = Pooling.avgPool2dBackward(saved(x), Pool1d.image(gy, unbatched), geometry, countIncludePad, arena);
        return Pool1d.sequence(gx, unbatched);
    }

    @Override
    public String toString() {
        return describe() + "(kernel_size=" + window.kernel()[1] + ", stride=" + window.stride()[1] + ", padding="
                + window.padding()[1] + (window.ceilMode() ? ", ceil_mode=True" : "") + ", count_include_pad="
                + countIncludePad + ")";
    }

    @Override
    public String family() {
        return "pooling";
    }

    @Override
    public boolean samplesIndependent() {
        return true;
    }
}
