package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.random.RandomGenerator;

import dev.panamax.kernels.conv.Conv2dPlan;
import dev.panamax.kernels.pad.PadMode;
import dev.panamax.nn.functional.Convolution;
import dev.panamax.nn.functional.Padding;
import dev.panamax.nn.tensor.Tensor;

/**
 * 2-d convolution, as {@code torch.nn.Conv2d}: x {@code [N, C_in, H, W]} (or one image
 * {@code [C_in, H, W]}, whose output is then {@code [C_out, H', W']}), weight
 * {@code [C_out, C_in/groups, kH, kW]}, bias {@code [C_out]}. Depthwise ({@code groups = C_in})
 * and 1×1 convolutions take their fast paths automatically. PyTorch's {@code padding_mode}: zeros
 * (the default, inside the convolution's kernels) or, as there, an explicit reflect, replicate or
 * circular pad of {@code padding} rows and columns followed by an unpadded convolution; and its
 * {@code padding="same"} ({@link ConvAttributes#same}), whose odd spans pad one more row or column
 * at the bottom or right, explicitly.
 */
public final class Conv2d extends WeightedLayer {

    private final long inChannels;
    private final long outChannels;
    private final ConvAttributes attrs;
    /** {@link PadMode#CONSTANT} for zeros (in the kernels), else the mode of an explicit pad before the convolution. */
    private final PadMode paddingMode;
    /** The convolution's padding as {@link Padding#pad}'s {@code {left, right, top, bottom}} ({@link ConvAttributes#sides}). */
    private final int[] explicitPad;
    private Tensor x;
    /** The last input as padded explicitly (the convolution's input), or null for zero padding. */
    private Tensor padded;
    /** Whether the last forward's input was one image, {@code [C_in, H, W]} (PyTorch's unbatched input). */
    private boolean unbatched;
    /**
     * The plan of the last input shape, reused while the shape and the pool's threads stay the
     * same; immutable, so threads sharing this layer for inference may race on it harmlessly.
     */
    private volatile Conv2dPlan plan;
    /** The last backward's gradients, handed back when a reusing arena gives the same tensors again. */
    private Convolution.Grads grads;

    /** A square-kernel convolution with stride 1, no padding, bias, PyTorch's initialisation. */
    public Conv2d(long inChannels, long outChannels, int kernel) {
        this(inChannels, outChannels, kernel, 1, 0);
    }

    /** A square-kernel convolution with bias. */
    public Conv2d(long inChannels, long outChannels, int kernel, int stride, int padding) {
        this(inChannels, outChannels, ConvAttributes.square(kernel, stride, padding, 1, 1), true, Init.generator());
    }

    /** The general convolution, zero padding. */
    public Conv2d(long inChannels, long outChannels, ConvAttributes attrs, boolean bias, RandomGenerator rng) {
        this(inChannels, outChannels, attrs, bias, rng, PadMode.CONSTANT);
    }

    /**
     * The general convolution with PyTorch's {@code padding_mode}: {@link PadMode#CONSTANT} is
     * {@code "zeros"}; {@link PadMode#REFLECT}, {@link PadMode#REPLICATE} and {@link PadMode#CIRCULAR}
     * pad the input by {@code attrs.padding()} that way first.
     */
    public Conv2d(long inChannels, long outChannels, ConvAttributes attrs, boolean bias, RandomGenerator rng,
                  PadMode paddingMode) {
        if (inChannels <= 0 || outChannels <= 0 || inChannels % attrs.groups() != 0 || outChannels % attrs.groups() != 0) {
            throw new IllegalArgumentException("Conv2d channels must be > 0 and divisible by groups=" + attrs.groups()
                    + ", got in=" + inChannels + ", out=" + outChannels);
        }
        super(new long[] {outChannels, inChannels / attrs.groups(), attrs.kernel()[0], attrs.kernel()[1]},
                bias ? outChannels : 0, rng);
        if (paddingMode == null) {
            throw new IllegalArgumentException("padding_mode must not be null");
        }
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.attrs = attrs;
        this.paddingMode = paddingMode;
        this.explicitPad = attrs.sides();
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        boolean single = unbatchedImage(x, inChannels, -1, -1);
        Tensor batch = asBatch(x, single);
        Tensor input = explicitlyPadded() ? Padding.pad(batch, explicitPad, paddingMode, 0f, arena) : batch;
        this.x = batch;
        this.padded = explicitlyPadded() ? input : null;
        this.unbatched = single;
        return asSample(Convolution.conv2d(input, weightValue(), biasValue(), plan(input), arena), single);
    }

    /**
     * Whether the input is padded before the convolution: a padding_mode other than zeros, or
     * "same" padding one more on the right or bottom (the kernels pad symmetrically).
     */
    private boolean explicitlyPadded() {
        int[] p = explicitPad;
        boolean any = p[0] + p[1] + p[2] + p[3] > 0;
        return any && (paddingMode != PadMode.CONSTANT || p[0] != p[1] || p[2] != p[3]);
    }

    /**
     * {@code max_pool2d(relu(forward(x)), 2)}, or {@code avg_pool2d} when {@code average}, in one
     * pass, for {@link Sequential}'s inference (this layer, ReLU and {@code MaxPool2d(2)} or
     * {@code AvgPool2d(2)} in a row, in {@link InferenceMode}); null where the plan for x does not
     * fuse ({@link Convolution#fusesReluPool}), and the three layers then run one by one.
     */
    Tensor forwardReluPool(Tensor x, boolean average, Arena arena) {
        if (unbatchedImage(x, inChannels, -1, -1) || explicitlyPadded()) {
            return null;
        }
        Conv2dPlan p = plan(x);
        if (!Convolution.fusesReluPool(p)) {
            return null;
        }
        this.x = x;
        this.padded = null;
        this.unbatched = false;
        return Convolution.conv2dReluPool(x, weightValue(), biasValue(), p, average, arena);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        Tensor original = saved(x);
        Tensor input = padded != null ? padded : original;
        Convolution.Grads g = Convolution.conv2dBackward(input, weightValue(), hasBias(), asBatch(gy, unbatched),
                plan(input), inputGradientRequired(), grads, arena);
        grads = g;
        accumulate(g.weight(), g.bias());
        Tensor gx = padded != null && g.x() != null ? Padding.padBackward(original, g.x(), explicitPad, paddingMode, arena)
                : g.x();
        return asSample(gx, unbatched);
    }

    private static final int[] NO_PADDING = {0, 0};

    private Conv2dPlan plan(Tensor input) {
        Conv2dPlan p = Convolution.conv2dPlan(input, weightValue(), attrs.stride(),
                explicitlyPadded() ? NO_PADDING : attrs.padding(), attrs.dilation(), attrs.groups(), plan);
        plan = p;
        return p;
    }

    /** The plan the last call used (null before the first): which algorithms, threads and workspace. */
    public Conv2dPlan plan() {
        return plan;
    }

    @Override
    public String toString() {
        return describe() + "(" + inChannels + ", " + outChannels + ", " + attrs + ", bias=" + (hasBias())
                + (paddingMode != PadMode.CONSTANT ? ", padding_mode=" + paddingMode.pytorchName() : "") + ")";
    }

    @Override
    public String family() {
        return "convolution";
    }
}
