package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.random.RandomGenerator;

import dev.panamax.kernels.conv.ConvTranspose2dPlan;
import dev.panamax.nn.functional.Convolution;
import dev.panamax.nn.tensor.Tensor;

/**
 * Transposed 2-d convolution (the "upconv" of decoders), as {@code torch.nn.ConvTranspose2d}:
 * x {@code [N, C_in, H, W]} (or one image {@code [C_in, H, W]}, output {@code [C_out, H', W']}),
 * weight {@code [C_in, C_out/groups, kH, kW]}, bias {@code [C_out]}, output height
 * {@code (H - 1) sH - 2 pH + dH (kH - 1) + opH + 1}.
 */
public final class ConvTranspose2d extends WeightedLayer {

    private final long inChannels;
    private final long outChannels;
    private final ConvAttributes attrs;
    private Tensor x;
    /** Whether the last forward's input was one image, {@code [C, H, W]} (PyTorch's unbatched input). */
    private boolean unbatched;
    /**
     * The plan of the last input shape, reused while the shape and the pool's threads stay the
     * same; immutable, so threads sharing this layer for inference may race on it harmlessly.
     */
    private volatile ConvTranspose2dPlan plan;

    /** A square-kernel transposed convolution with bias and PyTorch's initialisation. */
    public ConvTranspose2d(long inChannels, long outChannels, int kernel, int stride, int padding) {
        this(inChannels, outChannels, ConvAttributes.square(kernel, stride, padding, 1, 1), true, Init.generator());
    }

    /** The general transposed convolution ({@code attrs.outputPadding()} included). */
    public ConvTranspose2d(long inChannels, long outChannels, ConvAttributes attrs, boolean bias, RandomGenerator rng) {
        if (inChannels <= 0 || outChannels <= 0 || inChannels % attrs.groups() != 0 || outChannels % attrs.groups() != 0) {
            throw new IllegalArgumentException("ConvTranspose2d channels must be > 0 and divisible by groups="
                    + attrs.groups() + ", got in=" + inChannels + ", out=" + outChannels);
        }
        if (attrs.same()) {
            throw new IllegalArgumentException("padding=\"same\" is Conv2d's; ConvTranspose2d takes explicit padding, as PyTorch's");
        }
        // PyTorch computes the fans of this layout as for conv2d: fan_in = weight.size(1) * kH * kW.
        super(new long[] {inChannels, outChannels / attrs.groups(), attrs.kernel()[0], attrs.kernel()[1]},
                bias ? outChannels : 0, rng);
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.attrs = attrs;
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        boolean single = unbatchedImage(x, inChannels, -1, -1);
        Tensor batch = asBatch(x, single);
        this.x = batch;
        this.unbatched = single;
        return asSample(Convolution.convTranspose2d(batch, weightValue(), biasValue(), plan(batch), arena), single);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        Tensor input = saved(x);
        Convolution.Grads g = Convolution.convTranspose2dBackward(input, weightValue(), hasBias(), asBatch(gy, unbatched),
                plan(input), inputGradientRequired(), arena);
        accumulate(g.weight(), g.bias());
        return asSample(g.x(), unbatched);
    }

    private ConvTranspose2dPlan plan(Tensor input) {
        ConvTranspose2dPlan p = Convolution.convTranspose2dPlan(input, weightValue(), attrs.stride(), attrs.padding(),
                attrs.outputPadding(), attrs.dilation(), attrs.groups(), plan);
        plan = p;
        return p;
    }

    /** The plan the last call used (null before the first): which algorithms, threads and workspace. */
    public ConvTranspose2dPlan plan() {
        return plan;
    }

    @Override
    public String toString() {
        return describe() + "(" + inChannels + ", " + outChannels + ", " + attrs + ", bias=" + (hasBias()) + ")";
    }

    @Override
    public String family() {
        return "convolution";
    }
}
