package dev.panamax.nn.curvature;

import java.util.List;

import dev.panamax.nn.tensor.Tensor;

/**
 * {@code H v} for the Hessian {@code H} of a loss with respect to a model's parameters: one
 * tensor per parameter, in the order and shapes of {@code model.parameters()}, and how it was
 * computed.
 *
 * @param values {@code (H v)} split as the parameters are
 * @param method {@link Method#R_OPERATOR} (exact up to float rounding) or
 *               {@link Method#CENTRAL_DIFFERENCES} (of two gradients, with a truncation error)
 * @param reason for the central differences, what the R-operator could not handle (a layer or a
 *               loss); empty for the R-operator
 */
public record HessianVectorProduct(List<Tensor> values, Method method, String reason) {

    /** How {@code H v} was obtained. */
    public enum Method {
        /**
         * Pearlmutter's R-operator: a forward pass of directional derivatives {@code R{.}} beside
         * the ordinary forward, then the backward pass differentiated along {@code v}; costs
         * about two gradients and has no step size.
         */
        R_OPERATOR,
        /** {@code (grad(theta + e v) - grad(theta - e v)) / 2e}: any differentiable model, error O(e^2). */
        CENTRAL_DIFFERENCES
    }

    public HessianVectorProduct {
        values = List.copyOf(values);
    }

    /** The values as one flat array, parameters in order. */
    public float[] flat() {
        return Hessians.flatten(values);
    }
}
