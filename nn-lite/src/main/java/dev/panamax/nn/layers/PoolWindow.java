package dev.panamax.nn.layers;

import java.util.Arrays;

/**
 * The window of a 2-d pooling layer, each {@code [h, w]}: kernel, stride (PyTorch's default is
 * the kernel) and zero padding, and PyTorch's {@code ceil_mode}.
 *
 * @param kernel   window size
 * @param stride   step between windows
 * @param padding  implicit padding on each side (at most half the kernel, as PyTorch requires)
 * @param ceilMode whether the output size rounds up, adding a window clipped at the bottom and
 *                 right edges where the strides do not fit the input exactly (each window still
 *                 starts inside the input or its left padding)
 * @param dilation spacing between the window's taps (max and min pooling only, as in PyTorch)
 */
public record PoolWindow(int[] kernel, int[] stride, int[] padding, boolean ceilMode, int[] dilation) {

    /** Without ceil_mode, PyTorch's default. */
    public PoolWindow(int[] kernel, int[] stride, int[] padding) {
        this(kernel, stride, padding, false);
    }

    /** Without dilation, PyTorch's default. */
    public PoolWindow(int[] kernel, int[] stride, int[] padding, boolean ceilMode) {
        this(kernel, stride, padding, ceilMode, new int[] {1, 1});
    }

    /** Validates sizes ≥ 1 and {@code padding <= kernel / 2}. */
    public PoolWindow {
        kernel = ConvAttributes.pair("kernel_size", kernel, 1);
        stride = ConvAttributes.pair("stride", stride, 1);
        padding = ConvAttributes.pair("padding", padding, 0);
        dilation = ConvAttributes.pair("dilation", dilation, 1);
        if (padding[0] > kernel[0] / 2 || padding[1] > kernel[1] / 2) {
            throw new IllegalArgumentException("padding " + Arrays.toString(padding) + " must be at most half the kernel "
                    + Arrays.toString(kernel));
        }
    }

    /** A square window of stride equal to the kernel and no padding. */
    public static PoolWindow of(int kernel) {
        return of(kernel, kernel, 0);
    }

    /** A square window. */
    public static PoolWindow of(int kernel, int stride, int padding) {
        return new PoolWindow(new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {padding, padding});
    }

    /** This window with {@code ceil_mode} set as given. */
    public PoolWindow withCeilMode(boolean ceil) {
        return new PoolWindow(kernel, stride, padding, ceil, dilation);
    }

    /** This window with taps {@code h} rows and {@code w} columns apart ({@code MaxPool2d}'s {@code dilation}). */
    public PoolWindow withDilation(int h, int w) {
        return new PoolWindow(kernel, stride, padding, ceilMode, new int[] {h, w});
    }

    /** Whether the taps are next to each other (dilation 1), as average pooling requires. */
    public boolean undilated() {
        return dilation[0] == 1 && dilation[1] == 1;
    }

    @Override
    public String toString() {
        return "kernel_size=" + Arrays.toString(kernel) + ", stride=" + Arrays.toString(stride) + ", padding="
                + Arrays.toString(padding) + (undilated() ? "" : ", dilation=" + Arrays.toString(dilation))
                + (ceilMode ? ", ceil_mode=True" : "");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PoolWindow w && Arrays.equals(kernel, w.kernel) && Arrays.equals(stride, w.stride)
                && Arrays.equals(padding, w.padding) && ceilMode == w.ceilMode && Arrays.equals(dilation, w.dilation);
    }

    @Override
    public int hashCode() {
        return ((Arrays.hashCode(kernel) * 961 + Arrays.hashCode(stride) * 31 + Arrays.hashCode(padding)) * 31
                + Arrays.hashCode(dilation)) * 2 + (ceilMode ? 1 : 0);
    }
}
