package dev.panamax.kernels.conv;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.parallel.WorkerPool;

/**
 * Transposed 2-d convolution ({@code torch.nn.functional.conv_transpose2d}, the "upconv"): the
 * adjoint of {@link Conv2d} with the same kernel, stride, padding and dilation. Weights are
 * {@code [C_in, C_out/groups, kH, kW]}. It is the convolution's backward pass run forwards: its
 * forward is that convolution's input gradient, its input gradient that convolution's forward,
 * and its weight gradient the same weight gradient with the roles of x and dy exchanged. The
 * gradients run through {@link Im2colConvolution} (bounded workspace, images over threads); the
 * forward pass of a strided one as one stride-1 convolution per output phase
 * ({@link SubPixelConvTranspose2d}: no col2im scatter; the stride-2 4 x 4 upconv of
 * {@code ConvBench}, 8 images, 9.1 to 6.9-7.5 ms on one thread, 5.2 to 5.9 on two), the others by
 * GEMM and col2im, as when the workspace is too small for a sub-pixel phase.
 *
 * <p>The geometry passed is that of the <em>output</em> seen as a convolution's input:
 * {@code [C_out, H_out, W_out]} with {@code H_out = (H - 1) sH - 2 pH + dH (kH - 1) + opH + 1};
 * its convolution output size is then H (the input's), as long as {@code output_padding < stride}.
 */
public final class ConvTranspose2d {

    private ConvTranspose2d() {
    }

    /** Floats of workspace {@link #forward} and {@link #backward} use (see {@link Conv2d#WORKSPACE_BUDGET_BYTES}). */
    public static long workspaceFloats(ConvGeometry output, int groups, int inChannels) {
        ConvGeometry g = Conv2d.perGroup(output, groups);
        long need = Im2colConvolution.workspaceFloats(g, inChannels, Im2colConvolution.pointwise(g), WorkerPool.threads());
        SubPixelConvTranspose2d subPixel = SubPixelConvTranspose2d.of(output, groups, inChannels);
        if (subPixel != null) {
            // the sub-pixel forward: two images per thread, within the budget
            long budget = Conv2d.WORKSPACE_BUDGET_BYTES / Float.BYTES;
            long images = Math.max(1, Math.min(2L * WorkerPool.threads(),
                    (budget - subPixel.workspaceFloats(0)) / subPixel.perImageFloats()));
            need = Math.max(need, subPixel.workspaceFloats(images));
        }
        return need;
    }

    /** The least workspace {@link #forward} and {@link #backward} accept (one output row at a time). */
    public static long minimumWorkspaceFloats(ConvGeometry output, int groups, int inChannels) {
        ConvGeometry g = Conv2d.perGroup(output, groups);
        return Im2colConvolution.minimumFloats(g, inChannels, Im2colConvolution.pointwise(g));
    }

    /**
     * {@code y = conv_transpose2d(x, w) + bias}: x {@code [N, C_in, H, W]} with H, W the output
     * geometry's convolution output size, y {@code [N, C_out, H_out, W_out]} (written).
     */
    public static void forward(int images, int groups, ConvGeometry output, int inChannels,
                               MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment bias, long bOff,
                               MemorySegment y, long yOff, MemorySegment work, long workOff) {
        ConvGeometry g = check(images, groups, output, inChannels, x, xOff, w, wOff, y, yOff, work, workOff);
        if (bias != null) {
            Checks.floats("bias", bias, bOff, output.channels());
        }
        SubPixelConvTranspose2d subPixel = SubPixelConvTranspose2d.of(output, groups, inChannels);
        if (subPixel != null && work.byteSize() / Float.BYTES - workOff >= subPixel.minimumWorkspaceFloats()) {
            subPixel.forward(images, x, xOff, w, wOff, y, yOff, work, workOff);
        } else {
            Im2colConvolution.backward(images, groups, output, g, inChannels, Im2colConvolution.pointwise(g),
                    WorkerPool.threads(), null, 0, w, wOff, x, xOff, y, yOff, null, 0, null, 0, work, workOff);
        }
        if (bias != null) {
            ChannelBias.add(images, output.channels(), (long) output.height() * output.width(), bias, bOff, y, yOff);
        }
    }

    /** Gradients {@code dx}, {@code dw}, {@code db} (each written, or null) from {@code dy [N, C_out, H_out, W_out]}. */
    public static void backward(int images, int groups, ConvGeometry output, int inChannels,
                                MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment dy, long dyOff,
                                MemorySegment dx, long dxOff, MemorySegment dw, long dwOff, MemorySegment db, long dbOff,
                                MemorySegment work, long workOff) {
        ConvGeometry g = check(images, groups, output, inChannels, x, xOff, w, wOff, dy, dyOff, work, workOff);
        if (dx != null) {
            Checks.floats("dx", dx, dxOff, Checks.elements(images, inChannels, g.colCols()));
        }
        if (dw != null) {
            Checks.floats("dw", dw, dwOff, Checks.elements(inChannels, g.colRows()));
        }
        if (dx != null || dw != null) {
            // one im2col of dy serves both: dx is the convolution's forward of dy, dw its weight
            // gradient with the roles of x and dy exchanged
            Im2colConvolution.backward(images, groups, output, g, inChannels, Im2colConvolution.pointwise(g),
                    WorkerPool.threads(), dy, dyOff, w, wOff, x, xOff, null, 0, dw, dwOff, dx, dxOff, work, workOff);
        }
        if (db != null) {
            Checks.floats("db", db, dbOff, output.channels());
            ChannelBias.gradient(images, output.channels(), (long) output.height() * output.width(), dy, dyOff, db, dbOff);
        }
    }

    private static ConvGeometry check(int images, int groups, ConvGeometry output, int inChannels,
                                      MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment y, long yOff,
                                      MemorySegment work, long workOff) {
        Checks.nonNegative("N", images);
        ConvGeometry g = Conv2d.perGroup(output, groups);
        Checks.positive("in channels", inChannels);
        if (inChannels % groups != 0) {
            throw new IllegalArgumentException("groups (" + groups + ") must divide the input channels (" + inChannels + ")");
        }
        Checks.floats("x", x, xOff, Checks.elements(images, inChannels, g.colCols()));
        Checks.floats("weight", w, wOff, Checks.elements(inChannels, g.colRows()));
        Checks.floats("y", y, yOff, Checks.elements(images, output.imageSize()));
        Checks.floats("workspace", work, workOff, minimumWorkspaceFloats(output, groups, inChannels));
        return g;
    }
}
