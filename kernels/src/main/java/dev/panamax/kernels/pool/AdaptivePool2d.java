package dev.panamax.kernels.pool;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;

/**
 * Adaptive pooling ({@code torch.nn.functional.adaptive_avg_pool2d} and
 * {@code adaptive_max_pool2d}) over {@code planes} planes of {@code H x W} to
 * {@code Hout x Wout}: output row {@code i} pools input rows {@code floor(i H / Hout)} to
 * {@code ceil((i + 1) H / Hout)} (exclusive), columns alike, PyTorch's windows, which overlap or
 * differ in size where the sizes do not divide. The average divides by each window's own size;
 * the maximum keeps its winner's index in the plane (int32) for the backward, a NaN winning as in
 * PyTorch. Scalar loops: these pools end a network, over small maps (ResNet's 7 x 7 to 1 x 1).
 */
public final class AdaptivePool2d {

    private static final ValueLayout.OfInt INDEX = ValueLayout.JAVA_INT_UNALIGNED;

    private AdaptivePool2d() {
    }

    /** The first input row (column) of output row {@code i} of {@code out} over {@code size}. */
    static int start(int i, int size, int out) {
        return (int) ((long) i * size / out);
    }

    /** One past the last input row (column) of output row {@code i}. */
    static int end(int i, int size, int out) {
        return (int) (((long) (i + 1) * size + out - 1) / out);
    }

    /** {@code y [planes, Hout, Wout]} (written): each window's mean. */
    public static void averageForward(long planes, int h, int w, int oh, int ow, MemorySegment x, long xOff,
                                      MemorySegment y, long yOff) {
        check(planes, h, w, oh, ow, "x", x, xOff, "y", y, yOff);
        for (long p = 0; p < planes; p++) {
            long in = xOff + p * h * w;
            long out = yOff + p * oh * ow;
            for (int i = 0; i < oh; i++) {
                int r0 = start(i, h, oh);
                int r1 = end(i, h, oh);
                for (int j = 0; j < ow; j++) {
                    int c0 = start(j, w, ow);
                    int c1 = end(j, w, ow);
                    float sum = 0f;
                    for (int r = r0; r < r1; r++) {
                        for (int c = c0; c < c1; c++) {
                            sum += FloatLanes.get(x, in + (long) r * w + c);
                        }
                    }
                    FloatLanes.set(y, out + (long) i * ow + j, sum / ((r1 - r0) * (c1 - c0)));
                }
            }
        }
    }

    /** {@code dx [planes, H, W]} (written): each output's gradient shared evenly over its window. */
    public static void averageBackward(long planes, int h, int w, int oh, int ow, MemorySegment dy, long dyOff,
                                       MemorySegment dx, long dxOff) {
        check(planes, h, w, oh, ow, "dx", dx, dxOff, "dy", dy, dyOff);
        FloatLanes.fill(dx, dxOff, planes * h * w, 0f);
        for (long p = 0; p < planes; p++) {
            long in = dxOff + p * h * w;
            long out = dyOff + p * oh * ow;
            for (int i = 0; i < oh; i++) {
                int r0 = start(i, h, oh);
                int r1 = end(i, h, oh);
                for (int j = 0; j < ow; j++) {
                    int c0 = start(j, w, ow);
                    int c1 = end(j, w, ow);
                    float share = FloatLanes.get(dy, out + (long) i * ow + j) / ((r1 - r0) * (c1 - c0));
                    for (int r = r0; r < r1; r++) {
                        for (int c = c0; c < c1; c++) {
                            long at = in + (long) r * w + c;
                            FloatLanes.set(dx, at, FloatLanes.get(dx, at) + share);
                        }
                    }
                }
            }
        }
    }

    /**
     * {@code y [planes, Hout, Wout]} (written): each window's maximum, and its index in the plane
     * into {@code argmax} (int32, same layout) unless that is null.
     */
    public static void maxForward(long planes, int h, int w, int oh, int ow, MemorySegment x, long xOff,
                                  MemorySegment y, long yOff, MemorySegment argmax, long aOff) {
        check(planes, h, w, oh, ow, "x", x, xOff, "y", y, yOff);
        if (argmax != null) {
            Checks.extent("argmax", argmax, aOff, Checks.elements(planes, (long) oh * ow), 1, Integer.BYTES);
        }
        for (long p = 0; p < planes; p++) {
            long in = xOff + p * h * w;
            long out = p * oh * ow;
            for (int i = 0; i < oh; i++) {
                int r0 = start(i, h, oh);
                int r1 = end(i, h, oh);
                for (int j = 0; j < ow; j++) {
                    int c0 = start(j, w, ow);
                    int c1 = end(j, w, ow);
                    int best = r0 * w + c0;
                    float bestValue = FloatLanes.get(x, in + best);
                    for (int r = r0; r < r1; r++) {
                        for (int c = c0; c < c1; c++) {
                            int at = r * w + c;
                            float v = FloatLanes.get(x, in + at);
                            if (v > bestValue || (Float.isNaN(v) && !Float.isNaN(bestValue))) {
                                best = at;
                                bestValue = v;
                            }
                        }
                    }
                    long o = out + (long) i * ow + j;
                    FloatLanes.set(y, yOff + o, bestValue);
                    if (argmax != null) {
                        argmax.setAtIndex(INDEX, aOff + o, best);
                    }
                }
            }
        }
    }

    /** {@code dx [planes, H, W]} (written): each output's gradient to its window's winner. */
    public static void maxBackward(long planes, int h, int w, int oh, int ow, MemorySegment dy, long dyOff,
                                   MemorySegment argmax, long aOff, MemorySegment dx, long dxOff) {
        check(planes, h, w, oh, ow, "dx", dx, dxOff, "dy", dy, dyOff);
        long outputs = planes * oh * ow;
        Checks.extent("argmax", argmax, aOff, outputs, 1, Integer.BYTES);
        FloatLanes.fill(dx, dxOff, planes * h * w, 0f);
        long plane = (long) h * w;
        for (long o = 0; o < outputs; o++) {
            int at = argmax.getAtIndex(INDEX, aOff + o);
            if (at < 0 || at >= plane) {
                throw new IllegalArgumentException("argmax[" + o + "] = " + at + " is outside the plane of " + plane + " elements");
            }
            long target = dxOff + o / ((long) oh * ow) * plane + at;
            FloatLanes.set(dx, target, FloatLanes.get(dx, target) + FloatLanes.get(dy, dyOff + o));
        }
    }

    private static void check(long planes, int h, int w, int oh, int ow, String inName, MemorySegment in, long inOff,
                              String outName, MemorySegment out, long outOff) {
        Checks.resampledPlanes(planes, h, w, oh, ow, inName, in, inOff, outName, out, outOff);
        if ((long) h * w > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a plane of " + h + " x " + w + " elements is too large for int32 argmax");
        }
    }
}
