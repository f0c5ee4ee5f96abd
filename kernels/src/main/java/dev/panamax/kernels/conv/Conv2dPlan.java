package dev.panamax.kernels.conv;

import java.util.Locale;
import java.util.Objects;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.parallel.WorkerPool;

/**
 * How {@link Conv2d} computes one convolution shape: the algorithm of the forward pass, of the
 * input gradient and of the weight gradient, the threads, and the workspace that holds them.
 * Chosen once ({@link #of}) and reused for every call with that shape, so the choice and the
 * workspace size cannot drift apart: the thread count is fixed when planned, and a pool resized
 * afterwards changes neither the algorithms nor the workspace a call needs (a call uses at most
 * the planned threads). Tests and benchmarks force an algorithm ({@link #forced}) instead of
 * relying on the thresholds below.
 *
 * <p>The automatic choice, fastest first where it applies (measured on Zen 4, see each kernel):
 * <ul>
 * <li>{@link ConvAlgorithm#DEPTHWISE} for all three when groups = channels = output channels and the
 *     stride is 1;</li>
 * <li>{@link ConvAlgorithm#DIRECT} for all three at stride 1 with at most 32 channels in and out per
 *     group (LeNet), when its per-thread scratch fits the budget;</li>
 * <li>{@link ConvAlgorithm#POINTWISE_GEMM} for all three for a 1 x 1, stride-1, unpadded convolution:
 *     the image is the column matrix;</li>
 * <li>otherwise, for a 3 x 3 kernel at stride 1, {@link ConvAlgorithm#WINOGRAD} for each pass whose
 *     workspace fits the budget, except in a forward call over too few tiles, which runs the pass
 *     as it would be planned without Winograd ({@link #forward(int)});</li>
 * <li>then {@link ConvAlgorithm#IMPLICIT_GEMM} at stride 1 for each pass left whose workspace fits
 *     the budget, and {@link ConvAlgorithm#IM2COL_GEMM} for the rest.</li>
 * </ul>
 * A plan is immutable and may be shared between threads.
 */
public final class Conv2dPlan {

    private static final long BUDGET_FLOATS = Conv2d.WORKSPACE_BUDGET_BYTES / Float.BYTES;

    private final ConvGeometry image;
    private final ConvGeometry group;
    /** {@link ImplicitConv2d#adjoint} of the group geometry (null where there is none), made once rather than per call. */
    private final ConvGeometry adjointGroup;
    private final int groups;
    private final int outChannels;
    private final int threads;
    private final ConvAlgorithm forward;
    private final ConvAlgorithm inputGradient;
    private final ConvAlgorithm weightGradient;
    /**
     * What the forward pass runs instead of an automatically planned {@link ConvAlgorithm#WINOGRAD}
     * on too few tiles ({@link #forward(int)}); the planned algorithm where there is no such
     * alternative (a forced plan, or another algorithm planned).
     */
    private final ConvAlgorithm forwardFewTiles;
    private final long directSlice;
    private final long workspaceFloats;
    private final long minimumWorkspaceFloats;
    private final long winogradBlockBytes;

    private Conv2dPlan(ConvGeometry image, int groups, int outChannels, int threads, ConvAlgorithm forward,
                       ConvAlgorithm inputGradient, ConvAlgorithm weightGradient) {
        this(image, groups, outChannels, threads, forward, inputGradient, weightGradient, forward,
                WinogradConv2d.blockBytes(threads));
    }

    private Conv2dPlan(ConvGeometry image, int groups, int outChannels, int threads, ConvAlgorithm forward,
                       ConvAlgorithm inputGradient, ConvAlgorithm weightGradient, ConvAlgorithm forwardFewTiles,
                       long winogradBlockBytes) {
        this.image = image;
        this.group = Conv2d.perGroup(image, groups);
        this.adjointGroup = ImplicitConv2d.adjoint(group, outChannels / groups);
        this.groups = groups;
        this.outChannels = outChannels;
        this.threads = threads;
        this.forward = forward;
        this.inputGradient = inputGradient;
        this.weightGradient = weightGradient;
        this.forwardFewTiles = forwardFewTiles;
        this.winogradBlockBytes = winogradBlockBytes;
        // worked out once: a layer asks for them on every call, and each computation made objects
        this.directSlice = directSlice(group, outChannels);
        this.workspaceFloats = workspace(true, true, true, threads, false);
        this.minimumWorkspaceFloats = workspace(true, true, true, 1, true);
    }

    /** The automatic plan for the worker pool's current thread count. */
    public static Conv2dPlan of(ConvGeometry image, int groups, int outChannels) {
        return of(image, groups, outChannels, WorkerPool.threads());
    }

    /**
     * The automatic plan for {@code threads} threads.
     *
     * @param image       geometry of one image with all C channels
     * @param groups      channel groups (C and outChannels divisible by it)
     * @param outChannels output channels O
     * @throws IllegalArgumentException for groups that do not divide the channels, or fewer than one thread
     */
    public static Conv2dPlan of(ConvGeometry image, int groups, int outChannels, int threads) {
        Checks.positive("threads", threads);
        ConvGeometry g = Conv2d.perGroup(image, groups);
        checkOutChannels(groups, outChannels);
        int og = outChannels / groups;
        ConvAlgorithm all = null;
        if (DepthwiseConv2d.applies(image, groups, outChannels)) {
            all = ConvAlgorithm.DEPTHWISE;
        } else if (Im2colConvolution.pointwise(g)) {
            all = ConvAlgorithm.POINTWISE_GEMM;
        } else if (DirectConv2d.applies(g, og)
                && threads * (DirectConv2d.scratchFloats(g, og) + directSlice(g, outChannels)) <= BUDGET_FLOATS) {
            all = ConvAlgorithm.DIRECT;
        }
        if (all != null) {
            return new Conv2dPlan(image, groups, outChannels, threads, all, all, all);
        }
        ConvGeometry adjoint = ImplicitConv2d.adjoint(g, og);
        long block = WinogradConv2d.blockBytes(threads);
        // the forward pass as it would be planned without Winograd: what it runs on too few tiles
        ConvAlgorithm fwdOther = ImplicitConv2d.applies(g) && threads * ImplicitConv2d.forwardFloats(g, og) <= BUDGET_FLOATS
                ? ConvAlgorithm.IMPLICIT_GEMM : ConvAlgorithm.IM2COL_GEMM;
        ConvAlgorithm fwd = WinogradConv2d.applies(g) && winogradFloats(groups, g, og, block, threads) <= BUDGET_FLOATS
                ? ConvAlgorithm.WINOGRAD : fwdOther;
        ConvAlgorithm dx = adjoint != null && WinogradConv2d.applies(adjoint)
                && winogradFloats(groups, adjoint, g.channels(), block, threads) <= BUDGET_FLOATS
                ? ConvAlgorithm.WINOGRAD
                : adjoint != null && implicitDxFloats(g, adjoint, outChannels, threads) <= BUDGET_FLOATS
                ? ConvAlgorithm.IMPLICIT_GEMM : ConvAlgorithm.IM2COL_GEMM;
        ConvAlgorithm dw = WinogradConv2d.applies(g) && threads * WinogradConv2d.gradientSliceFloats(groups, g, og, block) <= BUDGET_FLOATS
                ? ConvAlgorithm.WINOGRAD
                : adjoint != null && threads * ImplicitConv2d.weightGradientFloats(g, og, outChannels) <= BUDGET_FLOATS
                ? ConvAlgorithm.IMPLICIT_GEMM : ConvAlgorithm.IM2COL_GEMM;
        return new Conv2dPlan(image, groups, outChannels, threads, fwd, dx, dw, fwdOther, block);
    }

    /**
     * This shape with the given algorithms, whatever the thresholds say (its workspace may then
     * exceed {@link Conv2d#WORKSPACE_BUDGET_BYTES}).
     *
     * @throws IllegalArgumentException when an algorithm does not apply to the shape, naming it
     *         and the reason
     */
    public Conv2dPlan forced(ConvAlgorithm forward, ConvAlgorithm inputGradient, ConvAlgorithm weightGradient) {
        requireApplies(ConvPass.FORWARD, forward);
        requireApplies(ConvPass.INPUT_GRADIENT, inputGradient);
        requireApplies(ConvPass.WEIGHT_GRADIENT, weightGradient);
        boolean depthwise = forward == ConvAlgorithm.DEPTHWISE;
        if (depthwise != (inputGradient == ConvAlgorithm.DEPTHWISE) || depthwise != (weightGradient == ConvAlgorithm.DEPTHWISE)) {
            throw new IllegalArgumentException("DEPTHWISE computes both gradients together with its forward pass: "
                    + "force it for all three or none, got " + forward + ", " + inputGradient + ", " + weightGradient);
        }
        return new Conv2dPlan(image, groups, outChannels, threads, forward, inputGradient, weightGradient, forward,
                winogradBlockBytes);
    }

    /** This plan for another thread count, its algorithms kept. */
    public Conv2dPlan withThreads(int threads) {
        Checks.positive("threads", threads);
        return new Conv2dPlan(image, groups, outChannels, threads, forward, inputGradient, weightGradient, forwardFewTiles,
                WinogradConv2d.blockBytes(threads));
    }

    /**
     * This plan with {@link ConvAlgorithm#WINOGRAD}'s blocks of tile rows sized for
     * {@code bytes} of transformed tiles each (at least one tile row), instead of the size chosen
     * from the caches and the thread count: for tests that need an image cut into several blocks,
     * and for tuning.
     */
    public Conv2dPlan withWinogradBlockBytes(long bytes) {
        Checks.positive("Winograd block bytes", bytes);
        return new Conv2dPlan(image, groups, outChannels, threads, forward, inputGradient, weightGradient, forwardFewTiles,
                bytes);
    }

    /** Whether {@code algorithm} can compute {@code pass} of this shape. */
    public boolean applies(ConvAlgorithm algorithm, ConvPass pass) {
        return reasonNot(algorithm, pass) == null;
    }

    private void requireApplies(ConvPass pass, ConvAlgorithm algorithm) {
        String name = pass.name().toLowerCase(Locale.ROOT).replace('_', ' ');
        Objects.requireNonNull(algorithm, name);
        String reason = reasonNot(algorithm, pass);
        if (reason != null) {
            throw new IllegalArgumentException(name + ": " + algorithm + " does not apply to " + this.describeShape()
                    + ": " + reason);
        }
    }

    /** Why {@code algorithm} cannot compute {@code pass} of this shape, or null where it can. */
    String reasonNot(ConvAlgorithm algorithm, ConvPass pass) {
        int og = outChannels / groups;
        return switch (algorithm) {
            case DEPTHWISE -> DepthwiseConv2d.applies(image, groups, outChannels) ? null
                    : "it needs groups = channels = output channels, stride 1 and padded planes under 2^31 floats";
            case DIRECT -> DirectConv2d.applies(group, og) && !Im2colConvolution.pointwise(group) ? null
                    : "it needs stride 1, a kernel larger than 1 x 1 or padding, and at most 32 channels in and out per group";
            case POINTWISE_GEMM -> Im2colConvolution.pointwise(group) ? null
                    : "it needs a 1 x 1 kernel, stride 1 and no padding";
            case IMPLICIT_GEMM -> ImplicitConv2d.applies(group) && adjointGroup != null
                    && !Im2colConvolution.pointwise(group) ? null
                    : "it needs stride 1, a kernel larger than 1 x 1 or padding, and a padded plane under 2^31 floats";
            case WINOGRAD -> !WinogradConv2d.applies(group) ? "it needs a 3 x 3 kernel, stride 1 and no dilation"
                    : pass == ConvPass.INPUT_GRADIENT && adjointGroup == null
                    ? "its input gradient needs a padding of at most 2" : null;
            case IM2COL_GEMM -> null;
            case SUB_PIXEL -> "it computes only a strided transposed convolution's forward pass (ConvTranspose2dPlan)";
        };
    }

    /** The output channels against the groups ({@link Conv2d#perGroup} checks the input's). */
    private static void checkOutChannels(int groups, int outChannels) {
        Checks.positive("out channels", outChannels);
        if (outChannels % groups != 0) {
            throw new IllegalArgumentException("groups (" + groups + ") must divide the output channels (" + outChannels + ")");
        }
    }

    /** The algorithm of the forward pass. */
    public ConvAlgorithm forward() {
        return forward;
    }

    /**
     * The algorithm a forward call over {@code images} images runs: {@link #forward()}, but for an
     * automatically planned {@link ConvAlgorithm#WINOGRAD} over too few tiles (a small batch of small
     * images with many channels, {@link WinogradConv2d#pays}), the algorithm planned without it.
     * Winograd transforms and packs every filter at every call, which a few tiles do not repay
     * (measurements at {@link WinogradConv2d#pays}). The gradients keep Winograd: in the same call, dW took 8.1-8.8 ms of forward+backward by
     * Winograd against 8.9-12.5 by implicit GEMM, dx 8.1 by implicit against 8.8 (one image) but
     * 23.6 against 21.5 (four), and from 128 channels on 28 x 28 Winograd was ahead at one image.
     * A forced plan runs what it was given.
     */
    public ConvAlgorithm forward(int images) {
        return forward == ConvAlgorithm.WINOGRAD && !WinogradConv2d.pays(group, images) ? forwardFewTiles : forward;
    }

    /** The algorithm of the input gradient dx. */
    public ConvAlgorithm inputGradient() {
        return inputGradient;
    }

    /** The algorithm of the weight gradient dW. */
    public ConvAlgorithm weightGradient() {
        return weightGradient;
    }

    /** The threads the workspace is sized for; a call uses at most this many. */
    public int threads() {
        return threads;
    }

    /** Geometry of one image with all channels. */
    public ConvGeometry image() {
        return image;
    }

    /** Channel groups. */
    public int groups() {
        return groups;
    }

    /** Output channels. */
    public int outChannels() {
        return outChannels;
    }

    ConvGeometry group() {
        return group;
    }

    /** The geometry whose forward pass is the input gradient ({@link ImplicitConv2d#adjoint}), or null. */
    ConvGeometry adjointGroup() {
        return adjointGroup;
    }

    /**
     * Floats of workspace for {@link Conv2d#forward} and {@link Conv2d#backward} with every planned
     * thread at work: a slice per thread for each algorithm in the plan (the few-tile alternative
     * of {@link #forward(int)} included), the largest of them.
     */
    public long workspaceFloats() {
        return workspaceFloats;
    }

    /**
     * The least workspace the plan runs in: one thread's slice (and for im2col, one output row per
     * chunk). A workspace between this and {@link #workspaceFloats} runs on fewer threads.
     */
    public long minimumWorkspaceFloats() {
        return minimumWorkspaceFloats;
    }

    /**
     * The workspace of the passes asked for on {@code parts} threads, or ({@code least}) the least
     * they run in: a transposed convolution uses some passes of its adjoint's plan and not others
     * ({@link ConvTranspose2dPlan}).
     */
    long workspace(boolean forwardPass, boolean inputGradientPass, boolean weightGradientPass, int parts, boolean least) {
        long forwardFloats = forwardPass ? Math.max(workspace(forward, ConvPass.FORWARD, parts, least),
                workspace(forwardFewTiles, ConvPass.FORWARD, parts, least)) : 0;
        return Math.max(forwardFloats,
                Math.max(inputGradientPass ? workspace(inputGradient, ConvPass.INPUT_GRADIENT, parts, least) : 0,
                        weightGradientPass ? workspace(weightGradient, ConvPass.WEIGHT_GRADIENT, parts, least) : 0));
    }

    /**
     * The workspace of one pass on {@code parts} threads. Im2col's least is one output row per
     * chunk, which a one-thread plan was once given as its workspace: a transposed convolution's
     * backward pass (64 -> 32 channels, 4 x 4, stride 2, 28 to 56, 8 images) then multiplied
     * 28-column chunks, its weights read in place rather than packed, 2 ms slower than in chunks
     * of 18 rows (Zen 5).
     */
    private long workspace(ConvAlgorithm algorithm, ConvPass pass, int parts, boolean least) {
        ConvGeometry g = group;
        int og = outChannels / groups;
        boolean pointwise = algorithm == ConvAlgorithm.POINTWISE_GEMM;
        return switch (algorithm) {
            case DEPTHWISE -> 0;                  // its padded planes are per-thread arrays
            case DIRECT -> pass == ConvPass.WEIGHT_GRADIENT ? parts * directSlice : 0;
            case POINTWISE_GEMM, IM2COL_GEMM -> least ? Im2colConvolution.minimumFloats(g, outChannels, pointwise)
                    : Im2colConvolution.workspaceFloats(g, outChannels, pointwise, parts);
            case IMPLICIT_GEMM -> switch (pass) {
                case FORWARD -> parts * ImplicitConv2d.forwardFloats(g, og);
                case INPUT_GRADIENT -> implicitDxFloats(g, adjointGroup, outChannels, parts);
                case WEIGHT_GRADIENT -> parts * ImplicitConv2d.weightGradientFloats(g, og, outChannels);
            };
            case WINOGRAD -> switch (pass) {
                case FORWARD -> winogradFloats(groups, g, og, winogradBlockBytes, parts);
                case INPUT_GRADIENT -> winogradFloats(groups, adjointGroup, g.channels(), winogradBlockBytes, parts);
                case WEIGHT_GRADIENT -> parts * WinogradConv2d.gradientSliceFloats(groups, g, og, winogradBlockBytes);
            };
            case SUB_PIXEL -> throw new IllegalStateException("a convolution plan never holds SUB_PIXEL");
        };
    }

    /**
     * The Winograd path's workspace for geometry {@code g} (the forward pass's, or the adjoint's for
     * the input gradient) with {@code outs} output channels per group: the transformed filters of
     * every group, then a slice for each of {@code parts} threads, its blocks of {@code blockBytes}.
     */
    static long winogradFloats(int groups, ConvGeometry g, int outs, long blockBytes, int parts) {
        return WinogradConv2d.filterFloats(groups, outs, g.channels()) + parts * WinogradConv2d.sliceFloats(g, outs, blockBytes);
    }

    /** The bytes of V and M a Winograd block takes ({@link WinogradConv2d#blockBytes} unless set). */
    long winogradBlockBytes() {
        return winogradBlockBytes;
    }

    /** {@link #directSlice(ConvGeometry, int)} of this plan's shape. */
    long directSliceFloats() {
        return directSlice;
    }

    /**
     * One thread's share of the direct path's workspace: a private weight gradient that is summed
     * into dW at the end (its scratch is on the heap, {@link DirectConv2d#scratchFloats}).
     */
    static long directSlice(ConvGeometry g, int outChannels) {
        return outChannels * g.colRows();
    }

    /** The flipped kernels of all groups, then one implicit-GEMM slice per thread. */
    static long implicitDxFloats(ConvGeometry g, ConvGeometry adjoint, int outChannels, int threads) {
        return outChannels * g.colRows() + threads * ImplicitConv2d.forwardFloats(adjoint, g.channels());
    }

    private String describeShape() {
        return String.format(Locale.ROOT, "%d -> %d channels, %d groups, %dx%d kernel, stride %dx%d, padding %dx%d",
                image.channels(), outChannels, groups, image.kernelH(), image.kernelW(), image.strideH(), image.strideW(),
                image.padH(), image.padW());
    }

    @Override
    public String toString() {
        String fewTiles = forward == forwardFewTiles ? ""
                : " (" + forwardFewTiles + " below " + WinogradConv2d.MIN_TILES + " tiles)";
        return "Conv2dPlan[" + describeShape() + ": forward " + forward + fewTiles + ", input gradient " + inputGradient
                + ", weight gradient " + weightGradient + ", " + threads + " threads, workspace " + workspaceFloats()
                + " floats]";
    }
}
