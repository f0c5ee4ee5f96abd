package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.kernels.pool.PoolGeometry;
import dev.panamax.nn.functional.Pooling;
import dev.panamax.nn.tensor.Tensor;

/**
 * Max pooling over sequences, as {@code torch.nn.MaxPool1d(kernel, stride, padding, dilation, ceil_mode)}:
 * {@code [N, C, L]} or one sequence {@code [C, L]}. It runs as the 2-d pool of a height-1 image
 * (views of the same memory); backward sends each gradient to its maximum.
 */
public final class MaxPool1d extends Layer {

    private final PoolWindow window;
    private Tensor x;
    private boolean unbatched;
    private Pooling.Indexed saved;
    private PoolGeometry geometry;

    /** A window of {@code kernel} at stride {@code kernel}, no padding. */
    public MaxPool1d(int kernel) {
        this(kernel, kernel, 0, false);
    }

    public MaxPool1d(int kernel, int stride, int padding, boolean ceilMode) {
        this(kernel, stride, padding, 1, ceilMode);
    }

    /** @param dilation spacing between the window's taps (PyTorch's default 1) */
    public MaxPool1d(int kernel, int stride, int padding, int dilation, boolean ceilMode) {
        this.window = new PoolWindow(new int[] {1, kernel}, new int[] {1, stride}, new int[] {0, padding}, ceilMode,
                new int[] {1, dilation});
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        boolean single = Pool1d.unbatched(this, x);
        Tensor image = Pool1d.image(x, single);
        PoolGeometry g = Pooling.geometry(image, window.kernel(), window.stride(), window.padding(), window.dilation(),
                window.ceilMode(), geometry);
        var s = Pooling.maxPool2d(false, image, g, saved, arena);
        geometry = g;
        saved = s;
        this.x = image;
        this.unbatched = single;
        return Pool1d.sequence(s.y(), single);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        Tensor gx = Pooling.maxPool2dBackward(saved(x), saved, Pool1d.image(gy, unbatched), geometry, arena);
        return Pool1d.sequence(gx, unbatched);
    }

    @Override
    public String toString() {
        return describe() + "(kernel_size=" + window.kernel()[1] + ", stride=" + window.stride()[1] + ", padding="
                + window.padding()[1] + (window.dilation()[1] != 1 ? ", dilation=" + window.dilation()[1] : "")
                + (window.ceilMode() ? ", ceil_mode=True" : "") + ")";
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
