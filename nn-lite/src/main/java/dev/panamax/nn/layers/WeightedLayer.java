package dev.panamax.nn.layers;

import java.util.random.RandomGenerator;

import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.Tensor;

/**
 * A layer with a {@code weight} and an optional {@code bias}, initialised as PyTorch initialises
 * Linear and the convolutions ({@link Init#torchDefault}): the common part of {@link Linear},
 * {@link Conv1d}, {@link Conv2d} and {@link ConvTranspose2d}.
 */
public abstract sealed class WeightedLayer extends Layer permits Linear, Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d {

    private final Parameter weight;
    private final Parameter bias;

    /** Registers {@code weight} of {@code weightShape} and, when {@code biasSize > 0}, {@code bias}. */
    WeightedLayer(long[] weightShape, long biasSize, RandomGenerator rng) {
        this.weight = parameter("weight", weightShape);
        this.bias = biasSize > 0 ? parameter("bias", biasSize) : null;
        Init.torchDefault(weight.value(), bias == null ? null : bias.value(), rng);
    }

    /**
     * Uses another layer's parameter as this layer's weight (weight tying): one tensor, one
     * gradient that both layers add into; {@code bias} is new and initialised as PyTorch does.
     */
    WeightedLayer(Parameter tied, long biasSize, RandomGenerator rng) {
        this.weight = parameter("weight", tied.value(), tied.grad());
        this.bias = biasSize > 0 ? parameter("bias", biasSize) : null;
        if (bias != null) {
            double bound = 1 / Math.sqrt(Init.fans(tied.value())[0]);
            Init.uniform(bias.value(), -bound, bound, rng);
        }
    }

    public final Parameter weight() {
        return weight;
    }

    /** The bias, or null. */
    public final Parameter bias() {
        return bias;
    }

    final Tensor weightValue() {
        return weight.value();
    }

    /** The bias tensor, or null. */
    final Tensor biasValue() {
        return bias == null ? null : bias.value();
    }

    final boolean hasBias() {
        return bias != null;
    }

    /** Adds this step's gradients into the weight's and the bias's. */
    final void accumulate(Tensor weightGrad, Tensor biasGrad) {
        accumulate(weight, bias, weightGrad, biasGrad);
    }

    /** Each sample's output depends on that sample alone (see {@link Layer#samplesIndependent()}). */
    @Override
    public boolean samplesIndependent() {
        return true;
    }
}
