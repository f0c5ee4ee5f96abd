package dev.panamax.kernels.pool;

import dev.panamax.kernels.Checks;

/**
 * A windowed 2-d pool over planes of {@code H x W} (N C of them in NCHW data): kernel, stride
 * and padding; {@code Hout = floor((H + 2 pH - kH) / sH) + 1} (ceil_mode false), and window
 * {@code (i, j)} covers rows {@code i sH - pH .. i sH - pH + kH - 1} (columns alike).
 */
public record PoolGeometry(int height, int width, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW) {

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
        // in long: padding near Integer.MAX_VALUE must not wrap round to a plausible size
        if (2L * padH > kernelH || 2L * padW > kernelW) {
            throw new IllegalArgumentException("padding must be at most half the kernel, got padding " + padH + " x " + padW
                    + " for kernel " + kernelH + " x " + kernelW);
        }
        if (height + 2L * padH < kernelH || width + 2L * padW < kernelW) {
            throw new IllegalArgumentException("kernel " + kernelH + " x " + kernelW + " is larger than the padded input "
                    + (height + 2L * padH) + " x " + (width + 2L * padW));
        }
        if (height + 2L * padH > Integer.MAX_VALUE || width + 2L * padW > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the padded input (" + (height + 2L * padH) + " x " + (width + 2L * padW)
                    + ") exceeds " + Integer.MAX_VALUE + " rows or columns");
        }
    }

    public int outHeight() {
        return (height + 2 * padH - kernelH) / strideH + 1;
    }

    public int outWidth() {
        return (width + 2 * padW - kernelW) / strideW + 1;
    }

    /** Whether these are 2 x 2 windows at stride 2 without padding, which have vectorized paths. */
    boolean isTwoByTwo() {
        return kernelH == 2 && kernelW == 2 && strideH == 2 && strideW == 2 && padH == 0 && padW == 0;
    }

    /** First input row of window row {@code i} (clipped to the image). */
    int rowStart(int i) {
        return Math.max(0, i * strideH - padH);
    }

    /** One past the last input row of window row {@code i} (clipped). */
    int rowEnd(int i) {
        return Math.min(height, i * strideH - padH + kernelH);
    }

    /** First input column of window column {@code j} (clipped). */
    int colStart(int j) {
        return Math.max(0, j * strideW - padW);
    }

    /** One past the last input column of window column {@code j} (clipped). */
    int colEnd(int j) {
        return Math.min(width, j * strideW - padW + kernelW);
    }

    long plane() {
        return (long) height * width;
    }

    long outPlane() {
        return (long) outHeight() * outWidth();
    }
}
