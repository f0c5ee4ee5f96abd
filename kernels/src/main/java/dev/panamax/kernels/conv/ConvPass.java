package dev.panamax.kernels.conv;

/**
 * One of the three computations of a convolution layer: what a {@link Conv2dPlan} or
 * {@link ConvTranspose2dPlan} chooses a {@link ConvAlgorithm} for.
 */
public enum ConvPass {
    /** y from x and the weight. */
    FORWARD,
    /** dx from dy and the weight. */
    INPUT_GRADIENT,
    /** dW from x and dy. */
    WEIGHT_GRADIENT
}
