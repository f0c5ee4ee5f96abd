package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.kernels.pool.PoolGeometry;
import dev.panamax.nn.functional.Pooling;
import dev.panamax.nn.tensor.Tensor;

/**
 * Average pooling over NCHW windows (or one image's CHW), as {@code torch.nn.AvgPool2d}, ceil_mode
 * included ({@link PoolWindow#withCeilMode}). With {@code countIncludePad} (PyTorch's default)
 * padded zeros count in the divisor.
 */
public final class AvgPool2d extends Layer {

    private static final PoolWindow TWO_BY_TWO = PoolWindow.of(2);

    private final PoolWindow window;
    private final boolean countIncludePad;
    private Tensor x;
    /** Whether the last forward's input was one image, {@code [C, H, W]} (PyTorch's unbatched input). */
    private boolean unbatched;
    /** The window over the last input's planes (kept so that a steady-state step makes no object). */
    private PoolGeometry geometry;

    /** A {@code kernel}×{@code kernel} window of stride {@code kernel}. */
    public AvgPool2d(int kernel) {
        this(PoolWindow.of(kernel), true);
    }

    /** @throws IllegalArgumentException for a dilated window (average pooling has none, as in PyTorch) */
    public AvgPool2d(PoolWindow window, boolean countIncludePad) {
        if (!window.undilated()) {
            throw new IllegalArgumentException("AvgPool2d takes no dilation, got " + window);
        }
        this.window = window;
        this.countIncludePad = countIncludePad;
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        boolean single = unbatchedImage(x, -1, -1, -1);
        x = asBatch(x, single);
        this.x = x;
        this.unbatched = single;
        PoolGeometry g = Pooling.geometry(x, window.kernel(), window.stride(), window.padding(), window.ceilMode(), geometry);
        geometry = g;
        return asSample(Pooling.avgPool2d(x, g, countIncludePad, arena), single);
    }

    /** Whether this pools 2 x 2 windows at stride 2, which {@link Sequential} fuses into a convolution and ReLU in inference. */
    boolean isTwoByTwo() {
        return window.equals(TWO_BY_TWO);
    }

    /**
     * Its forward ran inside a fused kernel ({@link Sequential}'s inference): no input is kept,
     * so that a backward fails instead of using an older call's.
     */
    void fused() {
        x = null;
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        return asSample(Pooling.avgPool2dBackward(saved(x), asBatch(gy, unbatched), geometry, countIncludePad, arena),
                unbatched);
    }

    @Override
    public String toString() {
        return describe() + "(" + window + ", count_include_pad=" + countIncludePad + ")";
    }

    @Override
    public String family() {
        return "pooling";
    }

    /** Each sample's output depends on that sample alone (see {@link Layer#samplesIndependent()}). */
    @Override
    public boolean samplesIndependent() {
        return true;
    }
}
