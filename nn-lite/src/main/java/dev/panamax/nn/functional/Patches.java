package dev.panamax.nn.functional;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.kernels.conv.ConvGeometry;
import dev.panamax.kernels.conv.Im2col;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * Sliding local blocks, as {@code torch.nn.functional.unfold} and {@code fold}: {@link #unfold}
 * extracts every block a 2-d kernel covers ({@code [N, C, H, W] -> [N, C kH kW, L]}, L blocks,
 * zero padding) and {@link #fold} sums blocks back into an image ({@code [N, C kH kW, L] ->
 * [N, C, H, W]}, overlapping values added). The two are adjoint, so each is the other's backward.
 * Row {@code (c, r, s)} of a block matrix holds tap {@code (r, s)} of channel c at every block
 * position, row-major, as PyTorch's; an unbatched input drops the N. Attributes are {@code {h, w}}
 * pairs: kernel size, dilation, padding, stride.
 */
public final class Patches {

    private Patches() {
    }

    /** The blocks of {@code x} ({@code [N, C, H, W]} or {@code [C, H, W]}) as {@code [N, C kH kW, L]} (or {@code [C kH kW, L]}). */
    public static Tensor unfold(Tensor x, int[] kernel, int[] dilation, int[] padding, int[] stride, Arena arena) {
        Layouts.requireType("input", x, DType.FLOAT32);
        if (x.rank() != 3 && x.rank() != 4) {
            throw new IllegalArgumentException("unfold takes an input [N, C, H, W] or [C, H, W], got " + Arrays.toString(x.shape()));
        }
        boolean batched = x.rank() == 4;
        long n = batched ? x.size(0) : 1;
        ConvGeometry g = geometry(Math.toIntExact(x.size(-3)), x.size(-2), x.size(-1), kernel, dilation, padding, stride);
        Tensor in = x.contiguous(arena);
        long rows = g.colRows();
        long blocks = g.colCols();
        Tensor out = batched ? Tensor.empty(arena, n, rows, blocks) : Tensor.empty(arena, rows, blocks);
        for (long i = 0; i < n; i++) {
            Im2col.im2col(g, in.segment(), in.offset() + i * g.imageSize(), out.segment(), out.offset() + i * rows * blocks);
        }
        return out;
    }

    /**
     * The image of size {@code outputSize} ({@code {H, W}}) whose blocks, summed where they
     * overlap, are {@code blocks} ({@code [N, C kH kW, L]} or {@code [C kH kW, L]}); L must be the
     * number of blocks such an image has.
     */
    public static Tensor fold(Tensor blocks, int[] outputSize, int[] kernel, int[] dilation, int[] padding, int[] stride,
                              Arena arena) {
        Layouts.requireType("input", blocks, DType.FLOAT32);
        if (blocks.rank() != 2 && blocks.rank() != 3) {
            throw new IllegalArgumentException("fold takes blocks [N, C kH kW, L] or [C kH kW, L], got "
                    + Arrays.toString(blocks.shape()));
        }
        int[] k = pair("kernel_size", kernel);
        int[] size = pair("output_size", outputSize);
        long rows = blocks.size(-2);
        long taps = (long) k[0] * k[1];
        if (rows % taps != 0) {
            throw new IllegalArgumentException("fold: the blocks' size " + rows + " (dimension " + (blocks.rank() - 2)
                    + ") must be a multiple of the kernel's " + k[0] + " x " + k[1] + " = " + taps + " taps");
        }
        boolean batched = blocks.rank() == 3;
        long n = batched ? blocks.size(0) : 1;
        ConvGeometry g = geometry(Math.toIntExact(rows / taps), size[0], size[1], k, dilation, padding, stride);
        if (blocks.size(-1) != g.colCols()) {
            throw new IllegalArgumentException("fold: an output of " + size[0] + " x " + size[1] + " with these attributes has "
                    + g.outHeight() + " x " + g.outWidth() + " = " + g.colCols() + " blocks, got " + blocks.size(-1)
                    + " (the last dimension)");
        }
        Tensor in = blocks.contiguous(arena);
        Tensor out = batched ? Tensor.zeros(arena, n, g.channels(), size[0], size[1])
                : Tensor.zeros(arena, g.channels(), size[0], size[1]);
        for (long i = 0; i < n; i++) {
            Im2col.col2imAdd(g, in.segment(), in.offset() + i * rows * g.colCols(), out.segment(), out.offset() + i * g.imageSize());
        }
        return out;
    }

    private static ConvGeometry geometry(int channels, long height, long width, int[] kernel, int[] dilation, int[] padding,
                                         int[] stride) {
        int[] k = pair("kernel_size", kernel);
        int[] d = pair("dilation", dilation);
        int[] p = pair("padding", padding);
        int[] s = pair("stride", stride);
        if (height > Integer.MAX_VALUE || width > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("an image of " + height + " x " + width + " exceeds " + Integer.MAX_VALUE
                    + " rows or columns");
        }
        return new ConvGeometry(channels, (int) height, (int) width, k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1]);
    }

    private static int[] pair(String name, int[] v) {
        if (v == null || v.length != 2) {
            throw new IllegalArgumentException(name + " must be a pair {h, w}, got " + Arrays.toString(v));
        }
        return v.clone();
    }
}
