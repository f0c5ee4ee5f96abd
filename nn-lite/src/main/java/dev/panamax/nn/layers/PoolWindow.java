package dev.panamax.nn.layers;

import java.util.Arrays;

/**
 * The window of a 2-d pooling layer, each {@code [h, w]}: kernel, stride (PyTorch's default is
 * the kernel) and zero padding.
 *
 * @param kernel  window size
 * @param stride  step between windows
 * @param padding implicit padding on each side (at most half the kernel, as PyTorch requires)
 */
public record PoolWindow(int[] kernel, int[] stride, int[] padding) {

    /** Validates sizes ≥ 1 and {@code padding <= kernel / 2}. */
    public PoolWindow {
        kernel = ConvAttributes.pair("kernel_size", kernel, 1);
        stride = ConvAttributes.pair("stride", stride, 1);
        padding = ConvAttributes.pair("padding", padding, 0);
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

    @Override
    public String toString() {
        return "kernel_size=" + Arrays.toString(kernel) + ", stride=" + Arrays.toString(stride) + ", padding="
                + Arrays.toString(padding);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PoolWindow w && Arrays.equals(kernel, w.kernel) && Arrays.equals(stride, w.stride)
                && Arrays.equals(padding, w.padding);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(kernel) * 961 + Arrays.hashCode(stride) * 31 + Arrays.hashCode(padding);
    }
}
