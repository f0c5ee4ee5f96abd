package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.random.RandomGenerator;

import dev.panamax.kernels.conv.Conv2dPlan;
import dev.panamax.kernels.pad.PadMode;
import dev.panamax.nn.functional.Convolution;
import dev.panamax.nn.functional.Padding;
import dev.panamax.nn.tensor.Tensor;

/**
 * 1-d convolution, as {@code torch.nn.Conv1d}: x {@code [N, C_in, L]} (or one sequence
 * {@code [C_in, L]}), weight {@code [C_out, C_in/groups, k]} (PyTorch's shape, so its state dict
 * loads as it is), bias {@code [C_out]}, {@code L_out = floor((L + 2p - d (k - 1) - 1) / s) + 1}.
 * It runs as the 2-d convolution of a height-1 image ({@code [N, C, 1, L]}, kernel {@code 1 x k},
 * views of the same memory), so it takes that convolution's planned kernels; {@code padding_mode}
 * reflect, replicate or circular pads the sequence first, as PyTorch's, and so does
 * {@code padding="same"} ({@link #same}) where its two sides differ.
 */
public final class Conv1d extends WeightedLayer {

    private final long inChannels;
    private final long outChannels;
    private final int kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final int groups;
    private final PadMode paddingMode;
    /** Whether this is PyTorch's {@code padding="same"}. */
    private final boolean same;
    /** {@code {left, right}} for {@link Padding#pad} when the padding is explicit, else null. */
    private final int[] explicitPad;
    private Tensor x;
    private Tensor padded;
    private boolean unbatched;
    private volatile Conv2dPlan plan;
    private Convolution.Grads grads;
    /** The weight as {@code [C_out, C_in/groups, 1, k]}: a view made once, the parameter's memory. */
    private final Tensor weight4;

    /** Stride 1, no padding, dilation 1, bias. */
    public Conv1d(long inChannels, long outChannels, int kernel) {
        this(inChannels, outChannels, kernel, 1, 0, 1, 1, true, PadMode.CONSTANT, Init.generator());
    }

    /**
     * @param paddingMode {@link PadMode#CONSTANT} for PyTorch's "zeros", else reflect, replicate or circular
     */
    public Conv1d(long inChannels, long outChannels, int kernel, int stride, int padding, int dilation, int groups,
                  boolean bias, PadMode paddingMode, RandomGenerator rng) {
        this(inChannels, outChannels, kernel, stride, padding, padding, dilation, groups, bias, paddingMode, rng, false);
    }

    /**
     * PyTorch's {@code padding="same"} (stride 1): the output as long as the input, the kernel's span
     * {@code dilation (kernel - 1)} padded half before and half after, the odd one after, as PyTorch
     * does (an odd span by an explicit pad, in {@code paddingMode}).
     */
    public static Conv1d same(long inChannels, long outChannels, int kernel, int dilation, int groups, boolean bias,
                              PadMode paddingMode, RandomGenerator rng) {
        if (kernel < 1 || dilation < 1) {
            throw new IllegalArgumentException("Conv1d needs kernel and dilation >= 1, got " + kernel + ", " + dilation);
        }
        int span = dilation * (kernel - 1);
        return new Conv1d(inChannels, outChannels, kernel, 1, span / 2, span - span / 2, dilation, groups, bias,
                paddingMode, rng, true);
    }

    private Conv1d(long inChannels, long outChannels, int kernel, int stride, int left, int right, int dilation, int groups,
                   boolean bias, PadMode paddingMode, RandomGenerator rng, boolean same) {
        if (inChannels <= 0 || outChannels <= 0 || groups < 1 || inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException("Conv1d channels must be > 0 and divisible by groups=" + groups + ", got in="
                    + inChannels + ", out=" + outChannels);
        }
        if (kernel < 1 || stride < 1 || left < 0 || dilation < 1 || paddingMode == null) {
            throw new IllegalArgumentException("Conv1d needs kernel, stride, dilation >= 1, padding >= 0 and a padding mode, got "
                    + kernel + ", " + stride + ", " + dilation + ", " + left + ", " + paddingMode);
        }
        super(new long[] {outChannels, inChannels / groups, kernel}, bias ? outChannels : 0, rng);
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernel = kernel;
        this.stride = new int[] {1, stride};
        this.dilation = new int[] {1, dilation};
        this.groups = groups;
        this.paddingMode = paddingMode;
        this.same = same;
        // zeros on both sides alike stay inside the convolution's kernels; anything else is padded first
        boolean explicit = (paddingMode != PadMode.CONSTANT && left + right > 0) || left != right;
        this.padding = new int[] {0, explicit ? 0 : left};
        this.explicitPad = explicit ? new int[] {left, right} : null;
        this.weight4 = weightValue().unsqueeze(2);
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        boolean single = sequence(x);
        Tensor batch = single ? x.unsqueeze(0) : x;
        Tensor input = explicitPad != null ? Padding.pad(batch, explicitPad, paddingMode, 0f, arena) : batch;
        Tensor image = input.unsqueeze(2);
        Tensor y = Convolution.conv2d(image, weight4, biasValue(), plan(image), arena).squeeze(2);
        this.x = batch;
        this.padded = explicitPad != null ? input : null;
        this.unbatched = single;
        return single ? y.squeeze(0) : y;
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        Tensor original = saved(x);
        Tensor image = (padded != null ? padded : original).unsqueeze(2);
        Tensor g4 = (unbatched ? gy.unsqueeze(0) : gy).unsqueeze(2);
        Convolution.Grads g = Convolution.conv2dBackward(image, weight4, hasBias(), g4, plan(image), inputGradientRequired(),
                grads, arena);
        grads = g;
        accumulate(g.weight(), g.bias());
        if (g.x() == null) {
            return null;
        }
        Tensor gx = g.x().squeeze(2);
        if (padded != null) {
            gx = Padding.padBackward(original, gx, explicitPad, paddingMode, arena);
        }
        return unbatched ? gx.squeeze(0) : gx;
    }

    /** Whether x is one sequence {@code [C_in, L]} rather than a batch {@code [N, C_in, L]}. */
    private boolean sequence(Tensor x) {
        return unbatchedSequence(describe(), inChannels, x);
    }

    /**
     * Whether {@code x} is one sequence {@code [C, L]} rather than a batch {@code [N, C, L]} of
     * {@code channels} channels; anything else is refused, naming {@code layer}.
     */
    static boolean unbatchedSequence(String layer, long channels, Tensor x) {
        if (x.rank() == 3 && x.size(1) == channels) {
            return false;
        }
        if (x.rank() == 2 && x.size(0) == channels) {
            return true;
        }
        throw new IllegalArgumentException(layer + " expects input [*, " + channels + ", *] or, unbatched, [" + channels
                + ", *], got " + java.util.Arrays.toString(x.shape()));
    }

    private Conv2dPlan plan(Tensor image) {
        Conv2dPlan p = Convolution.conv2dPlan(image, weight4, stride, padding, dilation, groups, plan);
        plan = p;
        return p;
    }

    @Override
    public String toString() {
        return describe() + "(" + inChannels + ", " + outChannels + ", kernel_size=" + kernel + ", stride=" + stride[1]
                + ", padding=" + (same ? "same" : explicitPad != null ? explicitPad[0] : padding[1]) + ", dilation=" + dilation[1]
                + ", groups=" + groups + ", bias=" + hasBias()
                + (paddingMode != PadMode.CONSTANT ? ", padding_mode=" + paddingMode.pytorchName() : "") + ")";
    }

    @Override
    public String family() {
        return "convolution";
    }
}
