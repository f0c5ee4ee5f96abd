package dev.panamax.kernels.pool;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;

/**
 * The partial inverse of max pooling, {@code torch.nn.functional.max_unpool2d}: each plane's
 * values go back to the positions max pooling took them from (int64 indices within the output
 * plane, as {@code return_indices=True} gives them), every other position zero. Where indices
 * repeat (overlapping windows), the later value stays, as on PyTorch's CPU. Backward gathers
 * the output gradient at the same positions.
 */
public final class MaxUnpool2d {

    private MaxUnpool2d() {
    }

    /**
     * {@code y[p, indices[p, i]] = x[p, i]}, the rest of {@code y} zero.
     *
     * @param planes  N C
     * @param inSize  the elements of an input plane (the pooled {@code Ho Wo})
     * @param outSize the elements of an output plane ({@code H W})
     * @param x       {@code [planes, inSize]} contiguous; {@code indices} likewise, int64
     * @param y       {@code [planes, outSize]} contiguous, written
     * @throws IllegalArgumentException for an index outside {@code [0, outSize)}, before anything is written
     */
    public static void forward(long planes, long inSize, long outSize, MemorySegment x, long xOff, MemorySegment indices,
                               long iOff, MemorySegment y, long yOff) {
        check(planes, inSize, outSize, indices, iOff);
        Checks.floats("x", x, xOff, Checks.elements(planes, inSize));
        Checks.floats("y", y, yOff, Checks.elements(planes, outSize));
        FloatLanes.fill(y, yOff, planes * outSize, 0f);
        if (inSize == 0) {
            return;                                   // nothing to place, however many planes
        }
        for (long p = 0; p < planes; p++) {
            for (long i = 0; i < inSize; i++) {
                long at = FloatLanes.getLong(indices, iOff + p * inSize + i);
                FloatLanes.set(y, yOff + p * outSize + at, FloatLanes.get(x, xOff + p * inSize + i));
            }
        }
    }

    /** {@code gx[p, i] = gy[p, indices[p, i]]}. */
    public static void backward(long planes, long inSize, long outSize, MemorySegment gy, long gyOff, MemorySegment indices,
                                long iOff, MemorySegment gx, long gxOff) {
        check(planes, inSize, outSize, indices, iOff);
        Checks.floats("gy", gy, gyOff, Checks.elements(planes, outSize));
        Checks.floats("gx", gx, gxOff, Checks.elements(planes, inSize));
        if (inSize == 0) {
            return;
        }
        for (long p = 0; p < planes; p++) {
            for (long i = 0; i < inSize; i++) {
                long at = FloatLanes.getLong(indices, iOff + p * inSize + i);
                FloatLanes.set(gx, gxOff + p * inSize + i, FloatLanes.get(gy, gyOff + p * outSize + at));
            }
        }
    }

    private static void check(long planes, long inSize, long outSize, MemorySegment indices, long iOff) {
        Checks.nonNegative("planes", planes);
        Checks.nonNegative("inSize", inSize);
        Checks.nonNegative("outSize", outSize);
        long n = Checks.elements(planes, inSize);
        Checks.longs("indices", indices, iOff, n);
        for (long i = 0; i < n; i++) {
            long at = FloatLanes.getLong(indices, iOff + i);
            if (at < 0 || at >= outSize) {
                throw new IllegalArgumentException("max_unpool2d: indices[" + i + "] = " + at + " is outside an output plane of "
                        + outSize + " elements (the output size must be the pooled input's)");
            }
        }
    }
}
