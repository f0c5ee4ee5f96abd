package dev.panamax.kernels.conv;

import dev.panamax.kernels.Checks;

/**
 * The shape of a 2-d convolution over one image: input {@code [C, H, W]}, kernel
 * {@code kH x kW}, stride, zero padding and dilation, and the output size
 * {@code Hout = floor((H + 2 pH - dH (kH - 1) - 1) / sH) + 1} (W alike), as
 * {@code torch.nn.functional.conv2d} defines it. The im2col matrix of such an image is
 * {@code [C kH kW, Hout Wout]}.
 */
public record ConvGeometry(int channels, int height, int width, int kernelH, int kernelW, int strideH, int strideW,
                           int padH, int padW, int dilationH, int dilationW) {

    /** Validates every size. */
    public ConvGeometry {
        Checks.nonNegative("channels", channels);
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
        // in long: padding and dilation near Integer.MAX_VALUE must not wrap round to a plausible size
        long paddedH = height + 2L * padH;
        long paddedW = width + 2L * padW;
        long spanH = (long) dilationH * (kernelH - 1) + 1;
        long spanW = (long) dilationW * (kernelW - 1) + 1;
        if (paddedH > Integer.MAX_VALUE || paddedW > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the padded input (" + paddedH + " x " + paddedW + ") exceeds "
                    + Integer.MAX_VALUE + " rows or columns");
        }
        if (spanH > paddedH || spanW > paddedW) {
            throw new IllegalArgumentException("the dilated kernel (" + spanH + " x " + spanW + ") is larger than the padded input ("
                    + paddedH + " x " + paddedW + ")");
        }
        if (Checks.elements(channels, height, width) == Long.MAX_VALUE || Checks.elements(channels, kernelH, kernelW) == Long.MAX_VALUE) {
            throw new IllegalArgumentException("an image of " + channels + " x " + height + " x " + width + " with a " + kernelH
                    + " x " + kernelW + " kernel has more elements than any segment");
        }
    }

    private static int outH(int size, int k, int s, int p, int d) {
        return Math.floorDiv(size + 2 * p - d * (k - 1) - 1, s) + 1;
    }

    public int outHeight() {
        return outH(height, kernelH, strideH, padH, dilationH);
    }

    public int outWidth() {
        return outH(width, kernelW, strideW, padW, dilationW);
    }

    /** Rows of the im2col matrix: {@code C kH kW}. */
    public long colRows() {
        return (long) channels * kernelH * kernelW;
    }

    /** Columns of the im2col matrix: {@code Hout Wout}. */
    public long colCols() {
        return (long) outHeight() * outWidth();
    }

    /** Elements of one image: {@code C H W}. */
    public long imageSize() {
        return (long) channels * height * width;
    }
}
