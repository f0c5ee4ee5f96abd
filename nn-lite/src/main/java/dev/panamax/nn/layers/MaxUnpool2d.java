package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.nn.functional.Pooling;
import dev.panamax.nn.tensor.Tensor;

/**
 * The partial inverse of {@link MaxPool2d}, as {@code torch.nn.MaxUnpool2d}: each value goes back
 * to the position its pool took it from ({@link MaxPool2d#indices}), the rest zero; SegNet's
 * decoder. Input {@code [N, C, h, w]} (or one image's {@code [C, h, w]}) with its indices; the output
 * {@code [N, C, H, W]}, by default {@code H = (h - 1) stride - 2 padding + kernel} (likewise W), or
 * the size given (the pooled input's, when pooling floored an odd size).
 */
public final class MaxUnpool2d extends Block {

    private final PoolWindow window;
    private Tensor x;
    private Tensor indices;
    private int[] outputSize;
    private boolean unbatched;

    /** A {@code kernel}×{@code kernel} window of stride {@code kernel}, as the pool's. */
    public MaxUnpool2d(int kernel) {
        this(PoolWindow.of(kernel));
    }

    /** The window of the pool this undoes (ceil_mode has no meaning here). */
    public MaxUnpool2d(PoolWindow window) {
        this.window = window;
    }

    /**
     * @param indices    int64 of x's shape, from {@link MaxPool2d#indices}
     * @param outputSize {@code {H, W}}, or null for the default size
     */
    public Tensor forward(Tensor x, Tensor indices, int[] outputSize, Arena arena) {
        if (outputSize != null && outputSize.length != 2) {
            throw new IllegalArgumentException(describe() + ": output size must be {H, W}, got " + Arrays.toString(outputSize));
        }
        boolean single = unbatchedImage(x, -1, -1, -1);
        Tensor xb = asBatch(x, single);
        Tensor ib = asBatch(indices, single);
        Tensor y = Pooling.maxUnpool2d(xb, ib, window.kernel(), window.stride(), window.padding(), outputSize, arena);
        this.x = xb;
        this.indices = ib;
        this.outputSize = outputSize == null ? null : outputSize.clone();
        this.unbatched = single;
        return asSample(y, single);
    }

    public Tensor backward(Tensor gy, Arena arena) {
        return asSample(Pooling.maxUnpool2dBackward(saved(x), indices, asBatch(gy, unbatched), window.kernel(), window.stride(),
                window.padding(), outputSize, arena), unbatched);
    }

    @Override
    public String toString() {
        return describe() + "(" + window + ")";
    }
}
