package dev.panamax.kernels.conv;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.gemm.Gemm;

/**
 * Transposed 2-d convolution ({@code torch.nn.functional.conv_transpose2d}, the "upconv"): the
 * adjoint of {@link Conv2d} with the same kernel, stride, padding and dilation. Weights are
 * {@code [C_in, C_out/groups, kH, kW]}. Per image and group, GEMM then col2im:
 * {@code col = W_g^T [C_out/g kH kW, C_in/g] x x_g [C_in/g, H W]}, scattered onto the output.
 *
 * <p>The geometry passed is that of the <em>output</em> seen as a convolution's input:
 * {@code [C_out, H_out, W_out]} with {@code H_out = (H - 1) sH - 2 pH + dH (kH - 1) + opH + 1};
 * its convolution output size is then H (the input's), as long as {@code output_padding < stride}.
 */
public final class ConvTranspose2d {

    private ConvTranspose2d() {
    }

    /** Floats of workspace (one image-group's column matrix). */
    public static long workspaceFloats(ConvGeometry output, int groups) {
        ConvGeometry g = Conv2d.perGroup(output, groups);
        return g.colRows() * g.colCols();
    }

    /**
     * {@code y = conv_transpose2d(x, w) + bias}: x {@code [N, C_in, H, W]} with H, W the output
     * geometry's convolution output size, y {@code [N, C_out, H_out, W_out]} (written).
     */
    public static void forward(int images, int groups, ConvGeometry output, int inChannels,
                               MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment bias, long bOff,
                               MemorySegment y, long yOff, MemorySegment work, long workOff) {
        ConvGeometry g = check(images, groups, output, inChannels, x, xOff, w, wOff, y, yOff, work, workOff);
        int cg = inChannels / groups;
        long k = g.colRows();                // C_out/g kH kW
        long l = g.colCols();                // H W of the input
        FloatLanes.fill(y, yOff, (long) images * output.imageSize(), 0f);
        for (int n = 0; n < images; n++) {
            for (int q = 0; q < groups; q++) {
                long xAt = xOff + ((long) n * inChannels + (long) q * cg) * l;
                Gemm.sgemm(true, false, (int) k, (int) l, cg, 1f, w, wOff + (long) q * cg * k, k, x, xAt, l,
                        0f, work, workOff, l);
                Im2col.col2imAdd(g, work, workOff, y, yOff + (long) n * output.imageSize() + q * g.imageSize());
            }
        }
        if (bias != null) {
            Checks.floats("bias", bias, bOff, output.channels());
            ChannelBias.add(images, output.channels(), (long) output.height() * output.width(), bias, bOff, y, yOff);
        }
    }

    /** Gradients {@code dx}, {@code dw}, {@code db} (each written, or null) from {@code dy [N, C_out, H_out, W_out]}. */
    public static void backward(int images, int groups, ConvGeometry output, int inChannels,
                                MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment dy, long dyOff,
                                MemorySegment dx, long dxOff, MemorySegment dw, long dwOff, MemorySegment db, long dbOff,
                                MemorySegment work, long workOff) {
        ConvGeometry g = check(images, groups, output, inChannels, x, xOff, w, wOff, dy, dyOff, work, workOff);
        int cg = inChannels / groups;
        long k = g.colRows();
        long l = g.colCols();
        if (dx != null) {
            Checks.floats("dx", dx, dxOff, (long) images * inChannels * l);
        }
        if (dw != null) {
            Checks.floats("dw", dw, dwOff, (long) inChannels * k);
        }
        for (int n = 0; n < images; n++) {
            for (int q = 0; q < groups; q++) {
                Im2col.im2col(g, dy, dyOff + (long) n * output.imageSize() + q * g.imageSize(), work, workOff);
                long xAt = xOff + ((long) n * inChannels + (long) q * cg) * l;
                long wAt = wOff + (long) q * cg * k;
                if (dx != null) {
                    // dx_g = W_g [Cg, K] col(dy_g) [K, L]
                    Gemm.sgemm(false, false, cg, (int) l, (int) k, 1f, w, wAt, k, work, workOff, l,
                            0f, dx, dxOff + ((long) n * inChannels + (long) q * cg) * l, l);
                }
                if (dw != null) {
                    // dW_g += x_g [Cg, L] col^T [L, K]
                    Gemm.sgemm(false, true, cg, (int) k, (int) l, 1f, x, xAt, l, work, workOff, l,
                            n == 0 ? 0f : 1f, dw, wAt - wOff + dwOff, k);
                }
            }
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
        Checks.floats("x", x, xOff, (long) images * inChannels * g.colCols());
        Checks.floats("weight", w, wOff, (long) inChannels * g.colRows());
        Checks.floats("y", y, yOff, (long) images * output.imageSize());
        Checks.floats("workspace", work, workOff, workspaceFloats(output, groups));
        return g;
    }
}
