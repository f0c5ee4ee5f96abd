package dev.panamax.kernels.conv;

import java.util.Locale;
import java.util.Objects;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.parallel.WorkerPool;

/**
 * How {@link ConvTranspose2d} computes one transposed-convolution shape: the algorithm of the
 * forward pass, of the input gradient and of the weight gradient, the threads, and the workspace
 * that holds them, chosen once ({@link #of}) and reused for every call with that shape, as
 * {@link Conv2dPlan} is for a convolution.
 *
 * <p>A transposed convolution is the adjoint of a convolution with the same kernel
 * ({@link #adjoint()}: input {@code [C_out, H_out, W_out]}, {@code C_in} output channels), so each
 * of its passes is one of that convolution's: its forward pass the convolution's input gradient,
 * its input gradient the convolution's forward pass of dy, its weight gradient the convolution's
 * weight gradient with x and dy exchanged. The plan is therefore the adjoint convolution's plan,
 * whose algorithms it reports pass for pass, with one addition: a strided forward pass runs as
 * {@link ConvAlgorithm#SUB_PIXEL} (one stride-1 convolution per output phase, no col2im scatter).
 * The automatic choice:
 * <ul>
 * <li>forward: {@link ConvAlgorithm#SUB_PIXEL} with a stride above 1; otherwise the adjoint's
 *     input-gradient algorithm (implicit GEMM, direct or depthwise at stride 1: no col2im either);</li>
 * <li>input and weight gradients: the adjoint's forward and weight-gradient algorithms. Where both
 *     are im2col GEMMs one im2col of dy serves both.</li>
 * </ul>
 * A plan is immutable and may be shared between threads.
 */
public final class ConvTranspose2dPlan {

    private final Conv2dPlan adjoint;
    /** The forward pass by output phases, or null where the adjoint's input gradient computes it. */
    private final SubPixelConvTranspose2d subPixel;

    private ConvTranspose2dPlan(Conv2dPlan adjoint, boolean subPixel) {
        this.adjoint = adjoint;
        this.subPixel = subPixel ? SubPixelConvTranspose2d.of(adjoint.image(), adjoint.groups(), adjoint.outChannels(),
                adjoint.threads()) : null;
    }

    /** The automatic plan for the worker pool's current thread count. */
    public static ConvTranspose2dPlan of(ConvGeometry output, int groups, int inChannels) {
        return of(output, groups, inChannels, WorkerPool.threads());
    }

    /**
     * The automatic plan for {@code threads} threads.
     *
     * @param output     the output's geometry seen as a convolution's input ({@link ConvTranspose2d}):
     *                   {@code C_out} channels, {@code H_out x W_out}, the kernel, stride, padding, dilation
     * @param groups     channel groups (C_in and C_out divisible by it)
     * @param inChannels input channels C_in
     * @throws IllegalArgumentException for groups that do not divide the channels, or fewer than one thread
     */
    public static ConvTranspose2dPlan of(ConvGeometry output, int groups, int inChannels, int threads) {
        // the adjoint would name these by its own roles (C_in is its output): checked here by ours
        Checks.positive("groups", groups);
        Checks.positive("in channels", inChannels);
        if (inChannels % groups != 0) {
            throw new IllegalArgumentException("groups (" + groups + ") must divide the input channels (" + inChannels + ")");
        }
        if (output.channels() % groups != 0) {
            throw new IllegalArgumentException("groups (" + groups + ") must divide the output channels ("
                    + output.channels() + ")");
        }
        Conv2dPlan adjoint = Conv2dPlan.of(output, groups, inChannels, threads);
        return new ConvTranspose2dPlan(adjoint, SubPixelConvTranspose2d.applies(output));
    }

    /**
     * This shape with the given algorithms, whatever the thresholds say: the forward pass
     * {@link ConvAlgorithm#SUB_PIXEL} (stride above 1) or any algorithm the adjoint convolution's
     * input gradient may use, the input gradient any its forward pass may use, the weight gradient
     * any its weight gradient may use ({@link Conv2dPlan#forced}).
     *
     * @throws IllegalArgumentException when an algorithm does not apply to the shape, naming it
     *         and the reason
     */
    public ConvTranspose2dPlan forced(ConvAlgorithm forward, ConvAlgorithm inputGradient, ConvAlgorithm weightGradient) {
        Objects.requireNonNull(forward, "forward");
        boolean bySubPixel = forward == ConvAlgorithm.SUB_PIXEL;
        if (bySubPixel && !SubPixelConvTranspose2d.applies(adjoint.image())) {
            throw new IllegalArgumentException("forward: SUB_PIXEL does not apply to " + describeShape()
                    + ": it needs a stride above 1");
        }
        requireApplies("forward", bySubPixel ? null : forward, ConvPass.INPUT_GRADIENT);
        requireApplies("input gradient", inputGradient, ConvPass.FORWARD);
        requireApplies("weight gradient", weightGradient, ConvPass.WEIGHT_GRADIENT);
        // the adjoint's input gradient is unused beside a sub-pixel forward pass: any that applies
        ConvAlgorithm adjointInputGradient = bySubPixel ? ConvAlgorithm.IM2COL_GEMM : forward;
        return new ConvTranspose2dPlan(adjoint.forced(inputGradient, adjointInputGradient, weightGradient), bySubPixel);
    }

    /** Refuses {@code algorithm} for {@code pass} unless it computes the adjoint's {@code adjointPass}. */
    private void requireApplies(String pass, ConvAlgorithm algorithm, ConvPass adjointPass) {
        String reason = algorithm == null ? null : adjoint.reasonNot(algorithm, adjointPass);
        if (reason != null) {
            throw new IllegalArgumentException(pass + ": " + algorithm + " does not apply to " + describeShape() + ": " + reason);
        }
    }

    /** This plan for another thread count, its algorithms kept. */
    public ConvTranspose2dPlan withThreads(int threads) {
        Checks.positive("threads", threads);
        return new ConvTranspose2dPlan(adjoint.withThreads(threads), subPixel != null);
    }

    /**
     * Whether {@code algorithm} can compute {@code pass} of this shape: as it can the adjoint
     * convolution's input gradient (forward), forward pass (input gradient) or weight gradient,
     * and {@link ConvAlgorithm#SUB_PIXEL} only the forward pass of a strided one.
     */
    public boolean applies(ConvAlgorithm algorithm, ConvPass pass) {
        return switch (pass) {
            case FORWARD -> algorithm == ConvAlgorithm.SUB_PIXEL ? SubPixelConvTranspose2d.applies(adjoint.image())
                    : adjoint.applies(algorithm, ConvPass.INPUT_GRADIENT);
            case INPUT_GRADIENT -> adjoint.applies(algorithm, ConvPass.FORWARD);
            case WEIGHT_GRADIENT -> adjoint.applies(algorithm, ConvPass.WEIGHT_GRADIENT);
        };
    }

    /** The algorithm of the forward pass. */
    public ConvAlgorithm forward() {
        return subPixel != null ? ConvAlgorithm.SUB_PIXEL : adjoint.inputGradient();
    }

    /** The algorithm of the input gradient dx. */
    public ConvAlgorithm inputGradient() {
        return adjoint.forward();
    }

    /** The algorithm of the weight gradient dW. */
    public ConvAlgorithm weightGradient() {
        return adjoint.weightGradient();
    }

    /** The convolution whose adjoint this is, planned with the algorithms it runs for this plan's passes. */
    public Conv2dPlan adjoint() {
        return adjoint;
    }

    /** The threads the workspace is sized for; a call uses at most this many. */
    public int threads() {
        return adjoint.threads();
    }

    /** The output's geometry, seen as the adjoint convolution's input. */
    public ConvGeometry output() {
        return adjoint.image();
    }

    /** Channel groups. */
    public int groups() {
        return adjoint.groups();
    }

    /** Input channels C_in (the adjoint convolution's output channels). */
    public int inChannels() {
        return adjoint.outChannels();
    }

    SubPixelConvTranspose2d subPixel() {
        return subPixel;
    }

    /**
     * Floats of workspace for {@link ConvTranspose2d#forward} and {@link ConvTranspose2d#backward}
     * with every planned thread at work: the largest pass.
     */
    public long workspaceFloats() {
        return Math.max(subPixel != null ? subPixel.workspaceFloats() : 0,
                adjoint.workspace(true, subPixel == null, true, adjoint.threads(), false));
    }

    /**
     * The least workspace the plan runs in (one thread; for a sub-pixel forward pass, one image at
     * a time). A workspace between this and {@link #workspaceFloats} runs on fewer threads.
     */
    public long minimumWorkspaceFloats() {
        return Math.max(subPixel != null ? subPixel.minimumWorkspaceFloats() : 0,
                adjoint.workspace(true, subPixel == null, true, 1, true));
    }

    private String describeShape() {
        ConvGeometry o = adjoint.image();
        return String.format(Locale.ROOT, "a transposed convolution %d -> %d channels, %d groups, %dx%d kernel, stride %dx%d, "
                + "padding %dx%d", adjoint.outChannels(), o.channels(), adjoint.groups(), o.kernelH(), o.kernelW(),
                o.strideH(), o.strideW(), o.padH(), o.padW());
    }

    @Override
    public String toString() {
        return "ConvTranspose2dPlan[" + describeShape() + ": forward " + forward() + ", input gradient " + inputGradient()
                + ", weight gradient " + weightGradient() + ", " + threads() + " threads, workspace " + workspaceFloats()
                + " floats]";
    }
}
