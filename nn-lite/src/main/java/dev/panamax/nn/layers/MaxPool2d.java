package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.kernels.pool.PoolGeometry;
import dev.panamax.nn.functional.Pooling;
import dev.panamax.nn.tensor.Tensor;

/**
 * Max pooling over NCHW windows (or one image's CHW), as {@code torch.nn.MaxPool2d}, ceil_mode
 * included ({@link PoolWindow#withCeilMode}): the position of each maximum is kept, and backward
 * sends each gradient to it; in {@link InferenceMode} only the values are computed (faster), and
 * backward then fails.
 */
public class MaxPool2d extends Layer {

    private static final PoolWindow TWO_BY_TWO = PoolWindow.of(2);

    private final boolean min;
    private final PoolWindow window;
    private Tensor x;
    /** Whether the last forward's input was one image, {@code [C, H, W]} (PyTorch's unbatched input). */
    private boolean unbatched;
    private Pooling.Indexed saved;
    /** The window over the last input's planes (kept so that a steady-state step makes no object). */
    private PoolGeometry geometry;

    /** A {@code kernel}×{@code kernel} window of stride {@code kernel}. */
    public MaxPool2d(int kernel) {
        this(PoolWindow.of(kernel));
    }

    public MaxPool2d(PoolWindow window) {
        this(false, window);
    }

    MaxPool2d(boolean min, PoolWindow window) {
        this.min = min;
        this.window = window;
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        boolean single = unbatchedImage(x, -1, -1, -1);
        x = asBatch(x, single);
        this.x = x;
        this.unbatched = single;
        PoolGeometry g = Pooling.geometry(x, window.kernel(), window.stride(), window.padding(), window.dilation(),
                window.ceilMode(), geometry);
        if (InferenceMode.active()) {
            geometry = g;
            saved = null;             // backward after this forward fails rather than use another call's argmax
            return asSample(Pooling.maxPool2dValues(min, x, g, arena), single);
        }
        var s = Pooling.maxPool2d(min, x, g, saved, arena);
        geometry = g;
        saved = s;                    // after: threads sharing a model in eval mode each return their own y
        return asSample(s.y(), single);
    }

    /**
     * The positions of the last forward's maxima, as {@code return_indices=True} gives them (for
     * {@link MaxUnpool2d}): int64 of the output's shape, each the flat index {@code h W + w} within its
     * input plane.
     *
     * @throws IllegalStateException before a forward, or after one in {@link InferenceMode}, which keeps no positions
     */
    public Tensor indices(Arena arena) {
        if (saved == null) {
            throw new IllegalStateException(describe() + ": no indices; they are kept by a forward outside InferenceMode");
        }
        return asSample(Pooling.indices(saved, arena), unbatched);
    }

    /** Whether this is a max pool over 2 x 2 windows at stride 2, which {@link Sequential} fuses into a convolution and ReLU in inference. */
    boolean isMaxTwoByTwo() {
        return !min && window.equals(TWO_BY_TWO);
    }

    /**
     * Its forward ran inside a fused kernel ({@link Sequential}'s inference): nothing is kept, so
     * that a backward fails as after any forward in {@link InferenceMode}.
     */
    void fused() {
        x = null;
        saved = null;
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        if (saved == null && geometry != null) {
            throw new IllegalStateException(describe() + ": backward after a forward in InferenceMode, which keeps no argmax");
        }
        return asSample(Pooling.maxPool2dBackward(saved(x), saved, asBatch(gy, unbatched), geometry, arena), unbatched);
    }

    @Override
    public String toString() {
        return describe() + "(" + window + ")";
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
