package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.random.RandomGenerator;

import dev.panamax.kernels.conv.ConvTranspose2dPlan;
import dev.panamax.nn.functional.Convolution;
import dev.panamax.nn.tensor.Tensor;

/**
 * Transposed 1-d convolution (a 1-d decoder's upsampling, a vocoder's), as
 * {@code torch.nn.ConvTranspose1d}: x {@code [N, C_in, L]} (or one sequence {@code [C_in, L]}),
 * weight {@code [C_in, C_out/groups, k]} (PyTorch's shape, so its state dict loads as it is), bias
 * {@code [C_out]}, {@code L_out = (L - 1) s - 2 p + d (k - 1) + output_padding + 1}. It runs as the
 * transposed 2-d convolution of a height-1 image ({@code [N, C, 1, L]}, kernel {@code 1 x k}, views of
 * the same memory), on that convolution's planned kernels.
 */
public final class ConvTranspose1d extends WeightedLayer {

    private final long inChannels;
    private final long outChannels;
    private final ConvAttributes attrs;
    /** The weight as {@code [C_in, C_out/groups, 1, k]}: a view made once, the parameter's memory. */
    private final Tensor weight4;
    private Tensor x;
    private boolean unbatched;
    private volatile ConvTranspose2dPlan plan;

    /** Output padding 0, dilation 1, one group, bias, PyTorch's initialisation. */
    public ConvTranspose1d(long inChannels, long outChannels, int kernel, int stride, int padding) {
        this(inChannels, outChannels, kernel, stride, padding, 0, 1, 1, true, Init.generator());
    }

    /**
     * @param outputPadding extra positions at the end of the output, below stride or dilation (as PyTorch requires)
     */
    public ConvTranspose1d(long inChannels, long outChannels, int kernel, int stride, int padding, int outputPadding,
                           int dilation, int groups, boolean bias, RandomGenerator rng) {
        if (inChannels <= 0 || outChannels <= 0 || groups < 1 || inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException("ConvTranspose1d channels must be > 0 and divisible by groups=" + groups
                    + ", got in=" + inChannels + ", out=" + outChannels);
        }
        ConvAttributes a = new ConvAttributes(new int[] {1, kernel}, new int[] {1, stride}, new int[] {0, padding},
                new int[] {1, dilation}, new int[] {0, outputPadding}, groups);
        super(new long[] {inChannels, outChannels / groups, kernel}, bias ? outChannels : 0, rng);
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.attrs = a;
        this.weight4 = weightValue().unsqueeze(2);
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        boolean single = sequence(x);
        Tensor batch = single ? x.unsqueeze(0) : x;
        Tensor image = batch.unsqueeze(2);
        Tensor y = Convolution.convTranspose2d(image, weight4, biasValue(), plan(image), arena).squeeze(2);
        this.x = batch;
        this.unbatched = single;
        return single ? y.squeeze(0) : y;
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        Tensor image = saved(x).unsqueeze(2);
        Tensor g4 = (unbatched ? gy.unsqueeze(0) : gy).unsqueeze(2);
        Convolution.Grads g = Convolution.convTranspose2dBackward(image, weight4, hasBias(), g4, plan(image),
                inputGradientRequired(), arena);
        accumulate(g.weight(), g.bias());
        if (g.x() == null) {
            return null;
        }
        Tensor gx = g.x().squeeze(2);
        return unbatched ? gx.squeeze(0) : gx;
    }

    /** Whether x is one sequence {@code [C_in, L]} rather than a batch {@code [N, C_in, L]}. */
    private boolean sequence(Tensor x) {
        return Conv1d.unbatchedSequence(describe(), inChannels, x);
    }

    private ConvTranspose2dPlan plan(Tensor image) {
        ConvTranspose2dPlan p = Convolution.convTranspose2dPlan(image, weight4, attrs.stride(), attrs.padding(),
                attrs.outputPadding(), attrs.dilation(), attrs.groups(), plan);
        plan = p;
        return p;
    }

    @Override
    public String toString() {
        return describe() + "(" + inChannels + ", " + outChannels + ", kernel_size=" + attrs.kernel()[1] + ", stride="
                + attrs.stride()[1] + ", padding=" + attrs.padding()[1] + ", output_padding=" + attrs.outputPadding()[1]
                + ", dilation=" + attrs.dilation()[1] + ", groups=" + attrs.groups() + ", bias=" + hasBias() + ")";
    }

    @Override
    public String family() {
        return "convolution";
    }
}
