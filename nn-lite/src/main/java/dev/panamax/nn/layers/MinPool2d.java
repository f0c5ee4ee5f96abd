package dev.panamax.nn.layers;

/** Min pooling over NCHW windows: {@code -max_pool2d(-x)}, the minimum's position kept for backward. */
public final class MinPool2d extends MaxPool2d {

    /** A {@code kernel}×{@code kernel} window of stride {@code kernel}. */
    public MinPool2d(int kernel) {
        this(PoolWindow.of(kernel));
    }

    public MinPool2d(PoolWindow window) {
        super(true, window);
    }
}
