package dev.panamax.nn.layers;

import java.util.Arrays;

/**
 * The geometry attributes of a 2-d convolution, each {@code [h, w]}, as PyTorch names them.
 *
 * @param kernel        kernel size
 * @param stride        stride
 * @param padding       zero padding on each side
 * @param dilation      spacing between kernel taps
 * @param outputPadding extra rows/columns on one side of a transposed convolution's output (0 for conv2d)
 * @param groups        channel groups
 * @param same          PyTorch's {@code padding="same"} ({@link #same}): the output the input's size,
 *                      {@code padding} the top and left pads, one more at the bottom or right where
 *                      the kernel's span {@code dilation (kernel - 1)} is odd
 */
public record ConvAttributes(int[] kernel, int[] stride, int[] padding, int[] dilation, int[] outputPadding, int groups,
                             boolean same) {

    /** Explicit padding (not "same"). */
    public ConvAttributes(int[] kernel, int[] stride, int[] padding, int[] dilation, int[] outputPadding, int groups) {
        this(kernel, stride, padding, dilation, outputPadding, groups, false);
    }

    /** Validates every attribute (sizes ≥ 1, padding ≥ 0, output padding below the stride or the dilation, as PyTorch). */
    public ConvAttributes {
        kernel = pair("kernel_size", kernel, 1);
        stride = pair("stride", stride, 1);
        padding = pair("padding", padding, 0);
        dilation = pair("dilation", dilation, 1);
        outputPadding = pair("output_padding", outputPadding, 0);
        for (int d = 0; d < 2; d++) {
            if (outputPadding[d] >= Math.max(stride[d], dilation[d])) {
                throw new IllegalArgumentException("output_padding must be smaller than the stride or the dilation, got "
                        + "output_padding " + Arrays.toString(outputPadding) + " with stride " + Arrays.toString(stride)
                        + " and dilation " + Arrays.toString(dilation));
            }
        }
        if (groups < 1) {
            throw new IllegalArgumentException("groups must be >= 1, got " + groups);
        }
        if (same && (stride[0] != 1 || stride[1] != 1 || padding[0] != dilation[0] * (kernel[0] - 1) / 2
                || padding[1] != dilation[1] * (kernel[1] - 1) / 2 || outputPadding[0] + outputPadding[1] != 0)) {
            throw new IllegalArgumentException("padding=\"same\" needs stride 1 (as in PyTorch) and the padding "
                    + "ConvAttributes.same computes, got stride " + Arrays.toString(stride) + ", padding " + Arrays.toString(padding));
        }
    }

    /**
     * PyTorch's {@code padding="same"}: stride 1, the output as large as the input. The kernel's span
     * {@code dilation (kernel - 1)} is padded half before and half after, the odd one after (bottom,
     * right), as PyTorch does; an even span pads symmetrically.
     */
    public static ConvAttributes same(int[] kernel, int[] dilation, int groups) {
        int[] k = pair("kernel_size", kernel, 1);
        int[] d = pair("dilation", dilation, 1);
        return new ConvAttributes(k, new int[] {1, 1}, new int[] {d[0] * (k[0] - 1) / 2, d[1] * (k[1] - 1) / 2}, d,
                new int[] {0, 0}, groups, true);
    }

    /**
     * The padding as {@code {left, right, top, bottom}}: symmetric, or for {@link #same} with an odd
     * span one more on the right or bottom.
     */
    public int[] sides() {
        int right = same ? dilation[1] * (kernel[1] - 1) - padding[1] : padding[1];
        int bottom = same ? dilation[0] * (kernel[0] - 1) - padding[0] : padding[0];
        return new int[] {padding[1], right, padding[0], bottom};
    }

    /** Square kernel, equal strides, padding and dilation, no output padding. */
    public static ConvAttributes square(int kernel, int stride, int padding, int dilation, int groups) {
        return new ConvAttributes(new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {padding, padding},
                new int[] {dilation, dilation}, new int[] {0, 0}, groups);
    }

    /** The same attributes with another output padding. */
    public ConvAttributes withOutputPadding(int h, int w) {
        return new ConvAttributes(kernel, stride, padding, dilation, new int[] {h, w}, groups, same);
    }

    /** A copy of {@code v}, checked to be {@code [h, w]} with both at least {@code min}. */
    static int[] pair(String name, int[] v, int min) {
        if (v == null || v.length != 2 || v[0] < min || v[1] < min) {
            throw new IllegalArgumentException(name + " must be two ints >= " + min + ", got " + Arrays.toString(v));
        }
        return v.clone();
    }

    @Override
    public String toString() {
        return "kernel_size=" + Arrays.toString(kernel) + ", stride=" + Arrays.toString(stride) + ", padding="
                + (same ? "same" : Arrays.toString(padding)) + ", dilation=" + Arrays.toString(dilation)
                + (outputPadding[0] + outputPadding[1] > 0 ? ", output_padding=" + Arrays.toString(outputPadding) : "")
                + ", groups=" + groups;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConvAttributes a && Arrays.equals(kernel, a.kernel) && Arrays.equals(stride, a.stride)
                && Arrays.equals(padding, a.padding) && Arrays.equals(dilation, a.dilation)
                && Arrays.equals(outputPadding, a.outputPadding) && groups == a.groups && same == a.same;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(kernel) * 31 + Arrays.hashCode(stride) + 7 * Arrays.hashCode(padding) + groups;
    }
}
