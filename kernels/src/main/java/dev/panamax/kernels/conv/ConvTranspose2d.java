package dev.panamax.kernels.conv;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.parallel.WorkerPool;

/**
 * Transposed 2-d convolution ({@code torch.nn.functional.conv_transpose2d}, the "upconv"): the
 * adjoint of {@link Conv2d} with the same kernel, stride, padding and dilation. Weights are
 * {@code [C_in, C_out/groups, kH, kW]}. It is the convolution's backward pass run forwards: its
 * forward is that convolution's input gradient, its input gradient that convolution's forward,
 * and its weight gradient the same weight gradient with the roles of x and dy exchanged. Which
 * algorithm runs each pass is a {@link ConvTranspose2dPlan}'s choice: a strided forward pass as one
 * stride-1 convolution per output phase ({@link SubPixelConvTranspose2d}: no col2im scatter; the
 * stride-2 4 x 4 upconv of {@code ConvBench}, 8 images, 9.1 to 6.9-7.5 ms on one thread), the
 * rest through the adjoint convolution's own plan.
 *
 * <p>The geometry passed is that of the <em>output</em> seen as a convolution's input:
 * {@code [C_out, H_out, W_out]} with {@code H_out = (H - 1) sH - 2 pH + dH (kH - 1) + opH + 1};
 * its convolution output size is then H (the input's), as long as {@code output_padding < stride}.
 * A larger output padding (PyTorch allows one below the dilation) lengthens that convolution's
 * output by one row per stride it holds: x then takes as many rows of zeros at its end, which add
 * nothing to y (nn-lite's {@code Convolution.convTranspose2d} appends them).
 */
public final class ConvTranspose2d {

    private ConvTranspose2d() {
    }

    /** Floats of workspace the automatic plan uses ({@link ConvTranspose2dPlan#workspaceFloats}). */
    public static long workspaceFloats(ConvGeometry output, int groups, int inChannels) {
        return ConvTranspose2dPlan.of(output, groups, inChannels).workspaceFloats();
    }

    /** The least workspace the automatic plan accepts ({@link ConvTranspose2dPlan#minimumWorkspaceFloats}). */
    public static long minimumWorkspaceFloats(ConvGeometry output, int groups, int inChannels) {
        return ConvTranspose2dPlan.of(output, groups, inChannels).minimumWorkspaceFloats();
    }

    /** {@link #forward(ConvTranspose2dPlan, int, MemorySegment, long, MemorySegment, long, MemorySegment, long, MemorySegment, long, MemorySegment, long)} by the automatic plan. */
    public static void forward(int images, int groups, ConvGeometry output, int inChannels,
                               MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment bias, long bOff,
                               MemorySegment y, long yOff, MemorySegment work, long workOff) {
        forward(ConvTranspose2dPlan.of(output, groups, inChannels), images, x, xOff, w, wOff, bias, bOff, y, yOff, work,
                workOff);
    }

    /**
     * {@code y = conv_transpose2d(x, w) + bias} as {@code plan} says: x {@code [N, C_in, H, W]}
     * with H, W the output geometry's convolution output size, w {@code [C_in, C_out/groups, kH, kW]},
     * bias {@code [C_out]} or null, y {@code [N, C_out, H_out, W_out]} (written), all contiguous; a
     * workspace of at least {@link ConvTranspose2dPlan#minimumWorkspaceFloats} floats from {@code workOff}.
     */
    public static void forward(ConvTranspose2dPlan plan, int images, MemorySegment x, long xOff, MemorySegment w, long wOff,
                               MemorySegment bias, long bOff, MemorySegment y, long yOff, MemorySegment work, long workOff) {
        ConvGeometry output = check(plan, images, w, wOff, y, yOff, work, workOff);
        Checks.notNull("x", x);
        Checks.floats("x", x, xOff, Checks.elements(images, plan.inChannels(), plan.adjoint().group().colCols()));
        if (bias != null) {
            Checks.floats("bias", bias, bOff, output.channels());
        }
        if (plan.subPixel() != null) {
            plan.subPixel().forward(images, x, xOff, w, wOff, bias, bOff, y, yOff, work, workOff);
            return;
        }
        // the adjoint convolution's input gradient with dy = x
        Conv2d.backward(plan.adjoint(), images, null, 0, w, wOff, x, xOff, y, yOff, null, 0, null, 0, work, workOff);
        if (bias != null) {
            ChannelBias.add(images, output.channels(), (long) output.height() * output.width(), bias, bOff, y, yOff);
        }
    }

    /** {@link #backward(ConvTranspose2dPlan, int, MemorySegment, long, MemorySegment, long, MemorySegment, long, MemorySegment, long, MemorySegment, long, MemorySegment, long, MemorySegment, long)} by the automatic plan. */
    public static void backward(int images, int groups, ConvGeometry output, int inChannels,
                                MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment dy, long dyOff,
                                MemorySegment dx, long dxOff, MemorySegment dw, long dwOff, MemorySegment db, long dbOff,
                                MemorySegment work, long workOff) {
        backward(ConvTranspose2dPlan.of(output, groups, inChannels), images, x, xOff, w, wOff, dy, dyOff, dx, dxOff, dw,
                dwOff, db, dbOff, work, workOff);
    }

    /**
     * Gradients as {@code plan} says: {@code dx [N, C_in, H, W]}, {@code dw} and {@code db [C_out]}
     * (each written, or null) from {@code dy [N, C_out, H_out, W_out]}; x is read only for dw.
     */
    public static void backward(ConvTranspose2dPlan plan, int images, MemorySegment x, long xOff, MemorySegment w, long wOff,
                                MemorySegment dy, long dyOff, MemorySegment dx, long dxOff, MemorySegment dw, long dwOff,
                                MemorySegment db, long dbOff, MemorySegment work, long workOff) {
        ConvGeometry output = check(plan, images, w, wOff, dy, dyOff, work, workOff);
        Conv2dPlan adjoint = plan.adjoint();
        ConvGeometry g = adjoint.group();
        int inChannels = plan.inChannels();
        if (dx != null) {
            Checks.floats("dx", dx, dxOff, Checks.elements(images, inChannels, g.colCols()));
        }
        if (dw != null) {
            Checks.notNull("x (dW needs it)", x);
            Checks.floats("x", x, xOff, Checks.elements(images, inChannels, g.colCols()));
            Checks.floats("dw", dw, dwOff, Checks.elements(inChannels, g.colRows()));
        }
        boolean sharedIm2col = adjoint.forward() == adjoint.weightGradient()
                && (adjoint.forward() == ConvAlgorithm.IM2COL_GEMM || adjoint.forward() == ConvAlgorithm.POINTWISE_GEMM);
        if (dx != null && dw != null && sharedIm2col && images > 0 && output.channels() > 0) {
            // one im2col of dy serves both: dx is the adjoint's forward of dy, dw its weight
            // gradient with the roles of x and dy exchanged
            Im2colConvolution.backward(images, plan.groups(), output, g, inChannels,
                    adjoint.forward() == ConvAlgorithm.POINTWISE_GEMM, adjoint.threads(), dy, dyOff, w, wOff, x, xOff,
                    null, 0, dw, dwOff, dx, dxOff, work, workOff);
        } else {
            if (dx != null) {
                Conv2d.forward(adjoint, images, dy, dyOff, w, wOff, null, 0, dx, dxOff, work, workOff);
            }
            if (dw != null) {
                Conv2d.backward(adjoint, images, dy, dyOff, w, wOff, x, xOff, null, 0, dw, dwOff, null, 0, work, workOff);
            }
        }
        if (db != null) {
            Checks.floats("db", db, dbOff, output.channels());
            ChannelBias.gradient(Math.min(adjoint.threads(), WorkerPool.threads()), images, output.channels(), (long) output.height() * output.width(), dy, dyOff, db, dbOff);
        }
    }

    /** Checks the weight, the output-shaped y or dy and the workspace; returns the output geometry. */
    private static ConvGeometry check(ConvTranspose2dPlan plan, int images, MemorySegment w, long wOff, MemorySegment y,
                                      long yOff, MemorySegment work, long workOff) {
        Objects.requireNonNull(plan, "plan");
        Checks.nonNegative("N", images);
        ConvGeometry output = plan.output();
        ConvGeometry g = plan.adjoint().group();
        int inChannels = plan.inChannels();
        Checks.floats("weight", w, wOff, Checks.elements(inChannels, g.colRows()));
        Checks.floats("y", y, yOff, Checks.elements(images, output.imageSize()));
        Checks.floats("workspace", work, workOff, plan.minimumWorkspaceFloats());
        return output;
    }
}
