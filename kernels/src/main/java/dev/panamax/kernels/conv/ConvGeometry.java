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
        if (outH(height, kernelH, strideH, padH, dilationH) < 1 || outH(width, kernelW, strideW, padW, dilationW) < 1) {
            throw new IllegalArgumentException("the dilated kernel (" + (dilationH * (kernelH - 1) + 1) + " x "
                    + (dilationW * (kernelW - 1) + 1) + ") is larger than the padded input (" + (height + 2 * padH) + " x "
                    + (width + 2 * padW) + ")");
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
