package dev.panamax.kernels.pool;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.parallel.WorkerPool;

/**
 * Max pooling ({@code torch.nn.functional.max_pool2d}) and min pooling ({@code -max_pool2d(-x)})
 * over {@code planes} planes: padding never wins (it counts as -inf for max, +inf for min). The
 * forward pass keeps, per output, the index in its plane of the element that won, so backward
 * sends each gradient to exactly that element (overlapping windows add). Planes are split over
 * the worker pool.
 */
public final class MaxPool2d {

    private static final ValueLayout.OfInt INDEX = ValueLayout.JAVA_INT_UNALIGNED;

    private MaxPool2d() {
    }

    // 2 x 2 windows at stride 2 (the common case) take a scalar loop. Two vector versions were
    // measured and dropped: an even/odd column split by two-vector shuffles (C2 boxed its vectors:
    // 5 MB of garbage per call) and a shuffle-free one that pairs adjacent floats as 64-bit lanes
    // and narrows them (1.6 ms instead of 6.0 and allocation-free alone, but once it had run, the
    // other kernels of a LeNet step allocated 186 KB per step: its Long/Int vector paths polluted
    // C2's profiles of shared Vector API code). The scalar loop mispredicts its comparisons on
    // real data; it is still faster than PyTorch here (6.0 against 7.3 ms). A third vector version,
    // with one-source constant shuffles only (even/odd halves, then the halves swapped), handled
    // rows of at least one vector of outputs (LeNet-5's have 14 and 5, so it never ran there) and
    // boxed vectors in a max-pooling training step on two threads (10 MB per step): dropped too.
    // This loop costs about 14 ns per output (half of a LeNet-5 forward at batch 64).

    /** One plane of 2 x 2 / stride 2 pooling. */
    private static void twoByTwo(boolean min, PoolGeometry g, MemorySegment x, long in, MemorySegment y, long out,
                                 MemorySegment argmax, long aOut) {
        int oh = g.outHeight();
        int ow = g.outWidth();
        int width = g.width();
        for (int i = 0; i < oh; i++) {
            int top = 2 * i * width;
            long o = out + (long) i * ow;
            long ao = aOut + (long) i * ow;
            for (int j = 0; j < ow; j++) {
                int at = top + 2 * j;
                float best = FloatLanes.get(x, in + at);
                int arg = at;
                float v = FloatLanes.get(x, in + at + 1);
                boolean w = wins(min, v, best);
                best = w ? v : best;
                arg = w ? at + 1 : arg;
                v = FloatLanes.get(x, in + at + width);
                w = wins(min, v, best);
                best = w ? v : best;
                arg = w ? at + width : arg;
                v = FloatLanes.get(x, in + at + width + 1);
                w = wins(min, v, best);
                best = w ? v : best;
                arg = w ? at + width + 1 : arg;
                FloatLanes.set(y, o + j, best);
                argmax.setAtIndex(INDEX, ao + j, arg);
            }
        }
    }

    /** Whether {@code v} beats {@code best}: larger (smaller for min), or a NaN against a number. */
    private static boolean wins(boolean min, float v, float best) {
        return (min ? v < best : v > best) | (v != v & best == best);
    }

    /**
     * @param min     min pooling instead of max
     * @param argmax  {@code [planes, Hout, Wout]} int32: the winning index within the plane (written)
     */
    public static void forward(boolean min, long planes, PoolGeometry g, MemorySegment x, long xOff,
                               MemorySegment y, long yOff, MemorySegment argmax, long aOff) {
        Checks.nonNegative("planes", planes);
        Checks.floats("x", x, xOff, Checks.elements(planes, g.plane()));
        Checks.floats("y", y, yOff, Checks.elements(planes, g.outPlane()));
        Checks.extent("argmax", argmax, aOff, Checks.elements(planes, g.outPlane()), 1, Integer.BYTES);
        requireIndexable(g);
        WorkerPool.forRange(planes, minPlanes(g), 1, (from, to) -> forwardPlanes(min, from, to, g, x, xOff, y, yOff, argmax, aOff),
                x, y, argmax);
    }

    /** The argmax is int32, as the index of a winner within its plane. */
    private static void requireIndexable(PoolGeometry g) {
        if (g.plane() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a plane of " + g.height() + " x " + g.width() + " elements is too large for int32 argmax");
        }
    }

    /** Planes per thread below which pooling stays on one thread (about 64K inputs: forking costs microseconds). */
    static long minPlanes(PoolGeometry g) {
        return Math.max(1, (1 << 16) / g.plane());
    }

    private static void forwardPlanes(boolean min, long from, long to, PoolGeometry g, MemorySegment x, long xOff,
                                      MemorySegment y, long yOff, MemorySegment argmax, long aOff) {
        int oh = g.outHeight();
        int ow = g.outWidth();
        boolean twoByTwo = g.isTwoByTwo();
        for (long p = from; p < to; p++) {
            long in = xOff + p * g.plane();
            long out = p * g.outPlane();
            if (twoByTwo) {
                twoByTwo(min, g, x, in, y, yOff + out, argmax, aOff + out);
                continue;
            }
            for (int i = 0; i < oh; i++) {
                int r0 = g.rowStart(i);
                int r1 = g.rowEnd(i);
                for (int j = 0; j < ow; j++) {
                    int c0 = g.colStart(j);
                    int c1 = g.colEnd(j);
                    int best = r0 * g.width() + c0;
                    float bestValue = FloatLanes.get(x, in + best);
                    for (int r = r0; r < r1; r++) {
                        for (int c = c0; c < c1; c++) {
                            int at = r * g.width() + c;
                            float v = FloatLanes.get(x, in + at);
                            // NaN wins, as in PyTorch: a NaN in the window makes the output NaN
                            if ((min ? v < bestValue : v > bestValue) || (Float.isNaN(v) && !Float.isNaN(bestValue))) {
                                best = at;
                                bestValue = v;
                            }
                        }
                    }
                    long o = out + (long) i * ow + j;
                    FloatLanes.set(y, yOff + o, bestValue);
                    argmax.setAtIndex(INDEX, aOff + o, best);
                }
            }
        }
    }

    /** {@code dx} (written) from {@code dy} and the forward pass's argmax. */
    public static void backward(long planes, PoolGeometry g, MemorySegment dy, long dyOff, MemorySegment argmax, long aOff,
                                MemorySegment dx, long dxOff) {
        Checks.nonNegative("planes", planes);
        Checks.floats("dy", dy, dyOff, Checks.elements(planes, g.outPlane()));
        Checks.extent("argmax", argmax, aOff, Checks.elements(planes, g.outPlane()), 1, Integer.BYTES);
        Checks.floats("dx", dx, dxOff, Checks.elements(planes, g.plane()));
        // the winners come from a forward pass, but one from elsewhere must not write into another plane
        requireIndexable(g);
        long winners = planes * g.outPlane();
        long plane = g.plane();
        for (long i = 0; i < winners; i++) {
            int at = argmax.getAtIndex(INDEX, aOff + i);
            if (at < 0 || at >= plane) {
                throw new IllegalArgumentException("argmax[" + i + "] = " + at + " is outside the plane of " + plane + " elements");
            }
        }
        WorkerPool.forRange(planes, minPlanes(g), 1, (from, to) -> backwardPlanes(from, to, g, dy, dyOff, argmax, aOff, dx, dxOff),
                dy, argmax, dx);
    }

    private static void backwardPlanes(long from, long to, PoolGeometry g, MemorySegment dy, long dyOff,
                                       MemorySegment argmax, long aOff, MemorySegment dx, long dxOff) {
        FloatLanes.fill(dx, dxOff + from * g.plane(), (to - from) * g.plane(), 0f);
        long outPlane = g.outPlane();
        for (long p = from; p < to; p++) {
            long base = dxOff + p * g.plane();
            for (long o = 0; o < outPlane; o++) {
                int at = argmax.getAtIndex(INDEX, aOff + p * outPlane + o);
                FloatLanes.set(dx, base + at, FloatLanes.get(dx, base + at) + FloatLanes.get(dy, dyOff + p * outPlane + o));
            }
        }
    }
}
