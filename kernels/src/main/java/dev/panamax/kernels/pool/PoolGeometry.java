package dev.panamax.kernels.pool;

import dev.panamax.kernels.Checks;

/**
 * A windowed 2-d pool over planes of {@code H x W} (N C of them in NCHW data): kernel, stride,
 * padding, PyTorch's {@code ceil_mode} and (max pooling only) dilation.
 * {@code Hout = floor((H + 2 pH - dH (kH - 1) - 1) / sH) + 1}, or with ceil_mode
 * {@code ceil(...) + 1} less one when the last window would start past the input and its left
 * padding (PyTorch's rule: every window starts inside the input or the left padding). Window
 * {@code (i, j)} has taps on rows {@code i sH - pH + r dH}, {@code r < kH} (columns alike), which
 * with ceil_mode may run past the right padding: the pools clip it to the input.
 */
public record PoolGeometry(int height, int width, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
                           boolean ceilMode, int dilationH, int dilationW) {

    /** Without ceil_mode or dilation, PyTorch's defaults. */
    public PoolGeometry(int height, int width, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW) {
        this(height, width, kernelH, kernelW, strideH, strideW, padH, padW, false);
    }

    /** Without dilation. */
    public PoolGeometry(int height, int width, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
                        boolean ceilMode) {
        this(height, width, kernelH, kernelW, strideH, strideW, padH, padW, ceilMode, 1, 1);
    }

    /** Validates every size; padding may be at most half the kernel, as in PyTorch. */
    public PoolGeometry {
        Checks.positive("height", height);
        Checks.positive("width", width);
        Checks.positive("kernel height", kernelH);
        Checks.positive("kernel width", kernelW);
        Checks.positive("stride height", strideH);
        Checks.positive("stride width", strideW);
        Checks.nonNegative("padding height", padH);
        Checks.nonNegative("padding width", padW);
        Checks.positive("dilation height", dilationH);
        Checks.positive("dilation width", dilationW);
        if ((long) dilationH * (kernelH - 1) + 1 > Integer.MAX_VALUE || (long) dilationW * (kernelW - 1) + 1 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the dilated kernel spans more than " + Integer.MAX_VALUE + " rows or columns");
        }
        // in long: padding near Integer.MAX_VALUE must not wrap round to a plausible size
        if (2L * padH > kernelH || 2L * padW > kernelW) {
            throw new IllegalArgumentException("padding must be at most half the kernel, got padding " + padH + " x " + padW
                    + " for kernel " + kernelH + " x " + kernelW);
        }
        if (height + 2L * padH > Integer.MAX_VALUE || width + 2L * padW > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the padded input (" + (height + 2L * padH) + " x " + (width + 2L * padW)
                    + ") exceeds " + Integer.MAX_VALUE + " rows or columns");
        }
        // ceil_mode lets a kernel larger than the padded input through when one window fits its start
        if (outputs(height, kernelH, strideH, padH, dilationH, ceilMode) < 1
                || outputs(width, kernelW, strideW, padW, dilationW, ceilMode) < 1) {
            throw new IllegalArgumentException("kernel " + kernelH + " x " + kernelW + (dilationH * dilationW > 1 ? " dilated "
                    + dilationH + " x " + dilationW : "") + " is larger than the padded input "
                    + (height + 2L * padH) + " x " + (width + 2L * padW) + (ceilMode ? " (ceil_mode: no window fits)" : ""));
        }
    }

    public int outHeight() {
        return outputs(height, kernelH, strideH, padH, dilationH, ceilMode);
    }

    public int outWidth() {
        return outputs(width, kernelW, strideW, padW, dilationW, ceilMode);
    }

    /** PyTorch's {@code pooling_output_shape}. */
    private static int outputs(int size, int kernel, int stride, int pad, int dilation, boolean ceil) {
        long span = (long) size + 2L * pad - (long) dilation * (kernel - 1) - 1;
        long out = Math.floorDiv(span + (ceil ? stride - 1 : 0), stride) + 1;
        if (ceil && (out - 1) * stride >= (long) size + pad) {
            out--;                    // the last window would start in the right padding
        }
        return (int) out;
    }

    /**
     * Whether these are 2 x 2 windows at stride 2 without padding, each inside the input (ceil_mode
     * adds a clipped one on odd sizes), which have vectorized paths.
     */
    boolean isTwoByTwo() {
        return kernelH == 2 && kernelW == 2 && strideH == 2 && strideW == 2 && padH == 0 && padW == 0 && isUndilated()
                && 2L * outHeight() <= height && 2L * outWidth() <= width;
    }

    /**
     * Rows of window row {@code i} inside the padded input: {@code kH}, or fewer for a window
     * ceil_mode runs past the right padding (PyTorch's divisor when padding counts).
     */
    int paddedRows(int i) {
        return Math.min(i * strideH - padH + kernelH, height + padH) - (i * strideH - padH);
    }

    /** Columns of window column {@code j} inside the padded input (see {@link #paddedRows}). */
    int paddedCols(int j) {
        return Math.min(j * strideW - padW + kernelW, width + padW) - (j * strideW - padW);
    }

    /** Whether every tap is next to the last (dilation 1), as average pooling requires. */
    boolean isUndilated() {
        return dilationH == 1 && dilationW == 1;
    }

    /** First input row with a tap of window row {@code i} (clipped to the image; taps are {@link #dilationH} apart). */
    int rowStart(int i) {
        return firstTap(i * strideH - padH, dilationH);
    }

    /** One past the last input row with a tap of window row {@code i} (clipped). */
    int rowEnd(int i) {
        return (int) Math.min(height, i * strideH - padH + (long) dilationH * (kernelH - 1) + 1);
    }

    /** First input column with a tap of window column {@code j} (clipped). */
    int colStart(int j) {
        return firstTap(j * strideW - padW, dilationW);
    }

    /** One past the last input column with a tap of window column {@code j} (clipped). */
    int colEnd(int j) {
        return (int) Math.min(width, j * strideW - padW + (long) dilationW * (kernelW - 1) + 1);
    }

    /** The first tap at or after 0 of a window starting at {@code start} with taps {@code step} apart. */
    private static int firstTap(int start, int step) {
        return start >= 0 ? start : start + (int) ((-(long) start + step - 1) / step) * step;
    }

    long plane() {
        return (long) height * width;
    }

    long outPlane() {
        return (long) outHeight() * outWidth();
    }
}
