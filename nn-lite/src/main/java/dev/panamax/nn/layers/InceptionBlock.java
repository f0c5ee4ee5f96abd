package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.kernels.activation.Activation;
import dev.panamax.nn.tensor.Tensor;

/**
 * An Inception module (Szegedy et al., "Going deeper with convolutions"): four branches over one
 * input {@code [N, C, H, W]}, concatenated along channels at the same {@code H x W}:
 * <ol>
 * <li>{@code branch1}: a 1×1 convolution;</li>
 * <li>{@code branch2}: a 1×1 reduction, then a 3×3;</li>
 * <li>{@code branch3}: a 1×1 reduction, then a 5×5, or two 3×3s (same receptive field, 18/25 of
 *     the cost: {@link Factorization#STACKED_3X3}, Inception-v2);</li>
 * <li>{@code branch4}: a 3×3 max pool (stride 1, padding 1), then a 1×1 projection.</li>
 * </ol>
 * Every convolution is a unit of convolution, optional batch norm and ReLU, torchvision's
 * {@code BasicConv2d} (named {@code conv}, {@code bn}; the convolution has no bias when batch norm
 * follows, and batch norm uses eps 0.001), and the names match torchvision's {@code Inception}
 * ({@code branch2.0.conv.weight}, {@code branch4.1.bn.running_mean}, ...), so its
 * {@code state_dict} loads. With {@link Factorization#ASYMMETRIC} every 3×3 is factorized
 * further into a 1×3 and a 3×1 unit (Inception-v3), 6/9 of the cost again.
 */
public final class InceptionBlock extends Layer {

    /** Output channels of each branch and of the reductions ({@code ch1x1, ch3x3red, ...} in torchvision). */
    public record Channels(long c1x1, long c3x3Reduce, long c3x3, long c5x5Reduce, long c5x5, long poolProjection) {

        public Channels {
            for (long c : new long[] {c1x1, c3x3Reduce, c3x3, c5x5Reduce, c5x5, poolProjection}) {
                if (c <= 0) {
                    throw new IllegalArgumentException("every branch needs channels > 0, got " + this);
                }
            }
        }

        /** The block's output channels: the four branches' together. */
        public long out() {
            return c1x1 + c3x3 + c5x5 + poolProjection;
        }
    }

    /** How the large convolutions are built. */
    public enum Factorization {
        /** A 3×3 and a 5×5, as in GoogLeNet. */
        NONE,
        /** The 5×5 as two 3×3s. */
        STACKED_3X3,
        /** As {@link #STACKED_3X3}, with every 3×3 as a 1×3 then a 3×1. */
        ASYMMETRIC
    }

    private final Concat branches;
    private final long inChannels;

    /** A block with batch norm after every convolution and the 5×5 branch as GoogLeNet's. */
    public InceptionBlock(long inChannels, Channels channels) {
        this(inChannels, channels, Factorization.NONE, true);
    }

    /** A block with ReLU after every convolution (and its batch norm). */
    public InceptionBlock(long inChannels, Channels c, Factorization factorization, boolean batchNorm) {
        this(inChannels, c, factorization, batchNorm, Activation.RELU);
    }

    /** A block with {@code activation} after every convolution instead of ReLU. */
    public InceptionBlock(long inChannels, Channels c, Factorization factorization, boolean batchNorm,
                          Activation activation) {
        this.inChannels = inChannels;
        Layer big3 = factorization == Factorization.ASYMMETRIC ? factorized(c.c3x3Reduce(), c.c3x3(), 3, batchNorm, activation)
                : unit(c.c3x3Reduce(), c.c3x3(), 3, 3, batchNorm, activation);
        Sequential branch3 = new Sequential().add(unit(inChannels, c.c5x5Reduce(), 1, 1, batchNorm, activation));
        switch (factorization) {
            case NONE -> branch3.add(unit(c.c5x5Reduce(), c.c5x5(), 5, 5, batchNorm, activation));
            case STACKED_3X3 -> branch3.add(unit(c.c5x5Reduce(), c.c5x5(), 3, 3, batchNorm, activation))
                    .add(unit(c.c5x5(), c.c5x5(), 3, 3, batchNorm, activation));
            case ASYMMETRIC -> branch3.add(factorized(c.c5x5Reduce(), c.c5x5(), 3, batchNorm, activation))
                    .add(factorized(c.c5x5(), c.c5x5(), 3, batchNorm, activation));
        }
        branches = new Concat(1)
                .add("branch1", unit(inChannels, c.c1x1(), 1, 1, batchNorm, activation))
                .add("branch2", new Sequential().add(unit(inChannels, c.c3x3Reduce(), 1, 1, batchNorm, activation)).add(big3))
                .add("branch3", branch3)
                .add("branch4", new Sequential().add(new MaxPool2d(PoolWindow.of(3, 1, 1)))
                        .add(unit(inChannels, c.poolProjection(), 1, 1, batchNorm, activation)));
        adoptChildren(branches);
    }

    /**
     * Convolution ({@code kh x kw}, stride 1, "same" padding), batch norm when asked, and ReLU:
     * torchvision's {@code BasicConv2d}.
     */
    public static Sequential unit(long in, long out, int kh, int kw, boolean batchNorm) {
        return unit(in, out, kh, kw, batchNorm, Activation.RELU);
    }

    /** {@link #unit(long, long, int, int, boolean)} with another activation. */
    public static Sequential unit(long in, long out, int kh, int kw, boolean batchNorm, Activation activation) {
        ConvAttributes same = new ConvAttributes(new int[] {kh, kw}, new int[] {1, 1}, new int[] {kh / 2, kw / 2},
                new int[] {1, 1}, new int[] {0, 0}, 1);
        Sequential s = new Sequential().add("conv", new Conv2d(in, out, same, !batchNorm, Init.generator()));
        if (batchNorm) {
            s.add("bn", new BatchNorm2d(out, 1e-3f, 0.1f, true));
        }
        return s.add(activation.equals(Activation.RELU) ? "relu" : "act", new ActivationLayer(activation));
    }

    /**
     * A {@code k x k} convolution factorized as a {@code 1 x k} unit then a {@code k x 1} unit:
     * the same receptive field with {@code 2k} instead of {@code k^2} weights per channel pair, and
     * one more non-linearity.
     */
    public static Sequential factorized(long in, long out, int k, boolean batchNorm, Activation activation) {
        return new Sequential().add(unit(in, out, 1, k, batchNorm, activation)).add(unit(out, out, k, 1, batchNorm, activation));
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        requireInput(x, -1, inChannels, -1, -1);
        return branches.forward(x, arena);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        return branches.backward(gy, arena);
    }

    @Override
    public InceptionBlock requireInputGradient(boolean required) {
        super.requireInputGradient(required);
        branches.requireInputGradient(required);
        return this;
    }

    @Override
    public String family() {
        return "inception block";
    }

    /** True when every child's is (see {@link Layer#samplesIndependent()}). */
    @Override
    public boolean samplesIndependent() {
        return childrenSamplesIndependent();
    }
}
