package dev.panamax.kernels.pad;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.gemm.Blas1;

/**
 * Padding of the last two dimensions ({@code torch.nn.functional.pad(x, (left, right, top,
 * bottom), mode, value)}) over {@code planes} contiguous planes of {@code H x W}: the output
 * planes are {@code (H + top + bottom) x (W + left + right)}, row-major. What lies outside the
 * input is chosen by {@link PadMode}.
 *
 * <p>Each output row is its source row's {@code W} floats copied whole, with the few padded
 * columns either side set one by one: the work is a copy, bound by memory. The backward sends
 * each output's gradient to the input element it was read from: an interior row adds in one
 * pass, and reflected, replicated or wrapped rows and columns add to the elements they repeat.
 */
public final class Pad2d {

    private Pad2d() {
    }

    /**
     * {@code y [planes, H + top + bottom, W + left + right]} from {@code x [planes, H, W]}.
     *
     * @param value what {@link PadMode#CONSTANT} puts outside the input (unused by the other modes)
     */
    public static void forward(PadMode mode, float value, long planes, int h, int w, int top, int bottom, int left,
                               int right, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        check(mode, planes, h, w, top, bottom, left, right);
        int oh = h + top + bottom;
        int ow = w + left + right;
        Checks.floats("x", x, xOff, Checks.elements(planes, (long) h * w));
        Checks.floats("y", y, yOff, Checks.elements(planes, (long) oh * ow));
        for (long p = 0; p < planes; p++) {
            long in = xOff + p * h * w;
            long out = yOff + p * oh * ow;
            for (int r = 0; r < oh; r++) {
                long o = out + (long) r * ow;
                int sr = mode.source(r - top, h);
                if (sr < 0) {
                    FloatLanes.fill(y, o, ow, value);
                    continue;
                }
                long s = in + (long) sr * w;
                for (int c = 0; c < left; c++) {
                    FloatLanes.set(y, o + c, padded(mode, value, x, s, c - left, w));
                }
                MemorySegment.copy(x, s * Float.BYTES, y, (o + left) * Float.BYTES, (long) w * Float.BYTES);
                for (int c = left + w; c < ow; c++) {
                    FloatLanes.set(y, o + c, padded(mode, value, x, s, c - left, w));
                }
            }
        }
    }

    /**
     * {@code gx [planes, H, W]} (written) from {@code gy}, the gradient of {@link #forward}'s output:
     * the sum over the outputs read from each input element.
     */
    public static void backward(PadMode mode, long planes, int h, int w, int top, int bottom, int left, int right,
                                MemorySegment gy, long gyOff, MemorySegment gx, long gxOff) {
        check(mode, planes, h, w, top, bottom, left, right);
        int oh = h + top + bottom;
        int ow = w + left + right;
        Checks.floats("gy", gy, gyOff, Checks.elements(planes, (long) oh * ow));
        Checks.floats("gx", gx, gxOff, Checks.elements(planes, (long) h * w));
        FloatLanes.fill(gx, gxOff, planes * h * w, 0f);
        for (long p = 0; p < planes; p++) {
            long in = gxOff + p * h * w;
            long out = gyOff + p * oh * ow;
            for (int r = 0; r < oh; r++) {
                int sr = mode.source(r - top, h);
                if (sr < 0) {
                    continue;
                }
                long o = out + (long) r * ow;
                long s = in + (long) sr * w;
                Blas1.saxpy(w, 1f, gy, o + left, gx, s);
                for (int c = 0; c < left; c++) {
                    addPadded(mode, gy, o + c, gx, s, c - left, w);
                }
                for (int c = left + w; c < ow; c++) {
                    addPadded(mode, gy, o + c, gx, s, c - left, w);
                }
            }
        }
    }

    /** Adds the gradient at {@code gy[at]}, of padded column {@code c}, to the element of {@code row} it repeats. */
    private static void addPadded(PadMode mode, MemorySegment gy, long at, MemorySegment gx, long row, int c, int w) {
        int sc = mode.source(c, w);
        if (sc >= 0) {
            FloatLanes.set(gx, row + sc, FloatLanes.get(gx, row + sc) + FloatLanes.get(gy, at));
        }
    }

    private static float padded(PadMode mode, float value, MemorySegment x, long row, int c, int w) {
        int sc = mode.source(c, w);
        return sc < 0 ? value : FloatLanes.get(x, row + sc);
    }

    private static void check(PadMode mode, long planes, int h, int w, int top, int bottom, int left, int right) {
        if (mode == null) {
            throw new IllegalArgumentException("padding mode must not be null");
        }
        Checks.nonNegative("planes", planes);
        Checks.positive("H", h);
        Checks.positive("W", w);
        Checks.nonNegative("padding top", top);
        Checks.nonNegative("padding bottom", bottom);
        Checks.nonNegative("padding left", left);
        Checks.nonNegative("padding right", right);
        if ((long) h + top + bottom > Integer.MAX_VALUE || (long) w + left + right > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the padded plane (" + ((long) h + top + bottom) + " x "
                    + ((long) w + left + right) + ") exceeds " + Integer.MAX_VALUE + " rows or columns");
        }
        if (mode == PadMode.REFLECT && (Math.max(top, bottom) >= h || Math.max(left, right) >= w)) {
            throw new IllegalArgumentException("reflect padding must be below the input's size on each side: padding "
                    + "(left " + left + ", right " + right + ", top " + top + ", bottom " + bottom + ") for " + h + " x " + w);
        }
        if (mode == PadMode.CIRCULAR && (Math.max(top, bottom) > h || Math.max(left, right) > w)) {
            throw new IllegalArgumentException("circular padding may wrap once at most, at most the input's size: padding "
                    + "(left " + left + ", right " + right + ", top " + top + ", bottom " + bottom + ") for " + h + " x " + w);
        }
    }
}
