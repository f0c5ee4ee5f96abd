package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.random.RandomGenerator;

import dev.panamax.nn.tensor.Tensor;

/**
 * MobileNet's depthwise-separable convolution: a depthwise {@code k×k} convolution
 * ({@code groups = C_in}, named {@code depthwise}) followed by a 1×1 convolution to
 * {@code C_out} channels ({@code pointwise}); both run on their direct fast paths.
 */
public final class DepthwiseSeparableConv2d extends Layer {

    private final Conv2d depthwise;
    private final Conv2d pointwise;

    /** Square kernel, with biases and PyTorch's initialisation. */
    public DepthwiseSeparableConv2d(long inChannels, long outChannels, int kernel, int stride, int padding) {
        this(inChannels, outChannels, kernel, stride, padding, true, Init.generator());
    }

    public DepthwiseSeparableConv2d(long inChannels, long outChannels, int kernel, int stride, int padding, boolean bias,
                                    RandomGenerator rng) {
        this.depthwise = child("depthwise", new Conv2d(inChannels, inChannels,
                ConvAttributes.square(kernel, stride, padding, 1, Math.toIntExact(inChannels)), bias, rng));
        this.pointwise = child("pointwise", new Conv2d(inChannels, outChannels, ConvAttributes.square(1, 1, 0, 1, 1), bias, rng));
    }

    @Override
    public DepthwiseSeparableConv2d requireInputGradient(boolean required) {
        super.requireInputGradient(required);
        depthwise.requireInputGradient(required);
        return this;
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        return pointwise.forward(depthwise.forward(x, arena), arena);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        return depthwise.backward(pointwise.backward(gy, arena), arena);
    }

    @Override
    public String family() {
        return "convolution";
    }

    /** Each sample's output depends on that sample alone (see {@link Layer#samplesIndependent()}). */
    @Override
    public boolean samplesIndependent() {
        return true;
    }
}
