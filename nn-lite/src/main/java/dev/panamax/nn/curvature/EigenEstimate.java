package dev.panamax.nn.curvature;

/**
 * The dominant Hessian eigenvalue found by power iteration.
 *
 * @param value       the eigenvalue of largest magnitude (a Rayleigh quotient {@code v^T H v})
 * @param vector      its eigenvector, unit length, flat over the parameters in {@code model.parameters()} order
 *                    ({@link Hessians#split} shapes it)
 * @param iterations  Hessian-vector products used
 * @param converged   whether successive estimates agreed within the tolerance before the limit
 * @param method      how each product was computed
 */
public record EigenEstimate(double value, float[] vector, int iterations, boolean converged,
                            HessianVectorProduct.Method method) {

    public EigenEstimate {
        vector = vector.clone();
    }

    @Override
    public float[] vector() {
        return vector.clone();
    }

    /**
     * The largest learning rate at which gradient descent is stable on the quadratic model of the
     * loss here: {@code 2 / lambda} (along the top eigenvector a step multiplies the error by
     * {@code 1 - lr lambda}). Infinite when the curvature is not positive.
     */
    public double largestStableLearningRate() {
        return value > 0 ? 2 / value : Double.POSITIVE_INFINITY;
    }
}
