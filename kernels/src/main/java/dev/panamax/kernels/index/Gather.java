package dev.panamax.kernels.index;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;

/**
 * {@code torch.gather} along one dimension and its backward, a scatter-add: for each
 * multi-index i of {@code shape} (the index tensor's), {@code y[i] = x[i with i_dim replaced by
 * index[i]]}. x and its gradient are contiguous of {@code xShape}, which equals {@code shape} or
 * exceeds it outside {@code dim}; index (int64) and y are contiguous of {@code shape}. Every index
 * is checked against {@code xShape[dim]} before anything is written.
 */
public final class Gather {

    private Gather() {
    }

    public static void forward(long[] xShape, int dim, MemorySegment x, long xOff, long[] shape, MemorySegment index, long iOff,
                               MemorySegment y, long yOff) {
        long n = check(xShape, dim, shape);
        Checks.floats("x", x, xOff, Checks.elements(xShape));
        Checks.longs("index", index, iOff, n);
        Checks.floats("y", y, yOff, n);
        checkIndices(index, iOff, n, xShape[dim]);
        long[] position = new long[shape.length];
        long[] strides = rowMajorStrides(xShape);
        for (long i = 0; i < n; i++) {
            long at = xOff + offset(position, strides, dim, index.getAtIndex(FloatLanes.LONG, iOff + i));
            FloatLanes.set(y, yOff + i, FloatLanes.get(x, at));
            next(position, shape);
        }
    }

    /** {@code gx = 0}, then {@code gx[i with i_dim = index[i]] += g[i]} for every i (repeated indices add up). */
    public static void backward(long[] xShape, int dim, long[] shape, MemorySegment index, long iOff, MemorySegment g, long gOff,
                                MemorySegment gx, long gxOff) {
        long n = check(xShape, dim, shape);
        long total = Checks.elements(xShape);
        Checks.longs("index", index, iOff, n);
        Checks.floats("g", g, gOff, n);
        Checks.floats("gx", gx, gxOff, total);
        checkIndices(index, iOff, n, xShape[dim]);
        FloatLanes.fill(gx, gxOff, total, 0f);
        long[] position = new long[shape.length];
        long[] strides = rowMajorStrides(xShape);
        for (long i = 0; i < n; i++) {
            long at = gxOff + offset(position, strides, dim, index.getAtIndex(FloatLanes.LONG, iOff + i));
            FloatLanes.set(gx, at, FloatLanes.get(gx, at) + FloatLanes.get(g, gOff + i));
            next(position, shape);
        }
    }

    /** The index tensor's element count, after checking the shapes against each other. */
    private static long check(long[] xShape, int dim, long[] shape) {
        if (xShape == null || shape == null || xShape.length != shape.length || dim < 0 || dim >= shape.length) {
            throw new IllegalArgumentException("gather needs x and index of one rank and a dimension inside it, got x "
                    + Arrays.toString(xShape) + ", index " + Arrays.toString(shape) + ", dim " + dim);
        }
        for (int d = 0; d < shape.length; d++) {
            Checks.nonNegative("x size " + d, xShape[d]);
            Checks.nonNegative("index size " + d, shape[d]);
            if (d != dim && shape[d] > xShape[d]) {
                throw new IllegalArgumentException("index " + Arrays.toString(shape) + " must not exceed x "
                        + Arrays.toString(xShape) + " outside dimension " + dim + " (dimension " + d + ")");
            }
        }
        return Checks.elements(shape);
    }

    private static void checkIndices(MemorySegment index, long iOff, long n, long size) {
        for (long i = 0; i < n; i++) {
            long v = index.getAtIndex(FloatLanes.LONG, iOff + i);
            if (v < 0 || v >= size) {
                throw new IllegalArgumentException("index " + v + " at position " + i + " lies outside the gathered dimension of "
                        + size);
            }
        }
    }

    private static long[] rowMajorStrides(long[] shape) {
        long[] s = new long[shape.length];
        long inner = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            s[d] = inner;
            inner *= shape[d];
        }
        return s;
    }

    private static long offset(long[] position, long[] strides, int dim, long at) {
        long o = 0;
        for (int d = 0; d < position.length; d++) {
            o += (d == dim ? at : position[d]) * strides[d];
        }
        return o;
    }

    private static void next(long[] position, long[] shape) {
        for (int d = shape.length - 1; d >= 0; d--) {
            if (++position[d] < shape[d]) {
                return;
            }
            position[d] = 0;
        }
    }
}
