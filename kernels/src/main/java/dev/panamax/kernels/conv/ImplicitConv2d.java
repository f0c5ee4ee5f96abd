package dev.panamax.kernels.conv;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.gemm.Sgemm;

/**
 * Stride-1 convolution as an implicit GEMM: no column matrix is written.
 *
 * <p>The trick: with stride 1, the column-matrix row of tap {@code (c, r, s)} is the (padded)
 * image plane of channel c read from offset {@code r dH Wp + s dW}, if outputs are laid out on
 * the padded width {@code Wp} instead of {@code Wout} ("wide" output: position
 * {@code p = i Wp + j}; the {@code Wp - Wout} extra columns of each row are computed and
 * dropped). Every row of B is then a contiguous run of the image, and the GEMM's packing routine
 * reads it directly ({@link Sgemm#sgemmGathered}). The price is the wasted columns
 * ({@code Wp / Wout}: 4 % on a padded 56x56 3x3, 40 % on LeNet's unpadded 14x14 5x5), against
 * im2col's write and re-read of a matrix {@code kH kW} times the image: LeNet conv1 forward
 * went from 0.97 to 0.63 ms, the ResNet 3x3 from 25.5 to 23.2 ms (1 thread, JMH).
 */
final class ImplicitConv2d {

    private ImplicitConv2d() {
    }

    /**
     * Whether this path applies: stride 1 (any padding, dilation, groups), and a wide output
     * ({@link #wideFloats}) whose length a GEMM's int dimension holds.
     */
    static boolean applies(ConvGeometry g) {
        return g.strideH() == 1 && g.strideW() == 1 && rowFloats(g) <= Integer.MAX_VALUE
                && wideFloats(g) <= Integer.MAX_VALUE;
    }

    // The wide layout: the image padded to wp(g) columns, the output computed at every column of
    // it (wideLength(g) floats per channel, the padding columns discarded by WideLayout.narrow). Functions of the geometry rather than a record made per call: the
    // record escaped where a caller was not inlined (32 B per transposed-convolution call).

    /** The padded image's row length (of a geometry this path {@link #applies} to). */
    private static int wp(ConvGeometry g) {
        return (int) rowFloats(g);
    }

    /** {@link #wp} in long, as {@link #applies} needs it. */
    private static long rowFloats(ConvGeometry g) {
        return (long) g.width() + 2L * g.padW();
    }

    /** The padded image's plane: {@code (H + 2 padH) wp}. */
    private static long plane(ConvGeometry g) {
        return ((long) g.height() + 2L * g.padH()) * wp(g);
    }

    /**
     * The wide output's length per channel: every output row at the padded row length. In long:
     * for a plane past 2^31 floats (which {@link #applies} refuses) the int wrapped negative, and
     * a workspace sized from it was taken as large enough.
     */
    private static long wideFloats(ConvGeometry g) {
        return ((long) g.outHeight() - 1) * rowFloats(g) + g.outWidth();
    }

    /** {@link #wideFloats} of a geometry this path {@link #applies} to. */
    private static int wideLength(ConvGeometry g) {
        return (int) wideFloats(g);
    }

    private static boolean padded(ConvGeometry g) {
        return g.padH() > 0 || g.padW() > 0;
    }

    /** Workspace floats of the image's zero-bordered copy: C padded planes, none without padding. */
    private static long paddedImageFloats(ConvGeometry g) {
        return padded(g) ? g.channels() * plane(g) : 0;
    }

    /**
     * Where the image the GEMMs read starts: x itself, or, with padding, its zero-bordered copy
     * written here at {@code at} in work ({@code C} padded planes).
     */
    private static long imageAt(ConvGeometry g, MemorySegment x, long xAt, MemorySegment work, long at) {
        if (!padded(g)) {
            return xAt;
        }
        WideLayout.padInto(g.channels(), g.height(), g.width(), g.padH(), g.padW(), x, xAt, work, at,
                g.channels() * plane(g));
        return at;
    }

    /**
     * Workspace of {@link #forward} for one group geometry {@code g} and {@code og} output
     * channels, with room for the weights by tap where {@link #byTaps} applies (reserved whatever
     * the groups: the geometry of one group does not say how many there are, and the caller takes
     * that path only with one).
     */
    static long forwardFloats(ConvGeometry g, int og) {
        return paddedImageFloats(g) + og * wideFloats(g) + (byTaps(g, og) ? og * g.colRows() : 0);
    }

    /**
     * Whether the forward pass runs as one GEMM per tap that reads the image in place
     * ({@link #forwardByTaps}) rather than one GEMM over all taps whose packing gathers the
     * image's rows: where the GEMM of a tap, {@code og} rows deep in C channels, takes the
     * unpacked path ({@link Sgemm#readsBInPlace}), for kernels of at most four taps. The packing
     * cost about as much per element of B as the few rows of A that use it: the 2 x 2 phases of a
     * 4 x 4, stride-2 transposed convolution (64 channels in, 32 out, 28 to 56, 8 images) spent
     * 15 % of their time there. By taps, its forward pass went from 4.53-4.55 to 3.77-3.78 ms on
     * two threads, and from 6.61-6.68 to 6.82-6.90 on one (C, the wide output, is read and written
     * once per tap). Larger kernels write C more often and were not measured: they keep the
     * gathered GEMM. That was Zen 4; on Zen 5 the gathered GEMM ran that transposed convolution
     * faster on one thread and as fast on two, and B is now read in place for at most 16 rows
     * ({@code SmallGemm.skinny}), so its 32 output channels take the gathered form.
     */
    static boolean byTaps(ConvGeometry g, int og) {
        long taps = (long) g.kernelH() * g.kernelW();
        return taps > 1 && taps <= 4 && Sgemm.readsBInPlace(og, wideLength(g), g.channels());
    }

    /**
     * The weights of one group by tap, {@code wt [taps][og][C]} from {@code w [og, C, kH, kW]}:
     * the A of each tap's GEMM in {@link #forwardByTaps}. Once per call and thread.
     */
    static void weightsByTap(ConvGeometry g, int og, MemorySegment w, long wAt, MemorySegment wt, long wtAt) {
        int c = g.channels();
        int taps = g.kernelH() * g.kernelW();
        for (int o = 0; o < og; o++) {
            for (int ch = 0; ch < c; ch++) {
                long from = wAt + ((long) o * c + ch) * taps;
                for (int t = 0; t < taps; t++) {
                    FloatLanes.set(wt, wtAt + ((long) t * og + o) * c + ch, FloatLanes.get(w, from + t));
                }
            }
        }
    }

    /** Where the weights by tap sit in a slice of {@link #forwardFloats}: at its end. */
    static long weightsByTapAt(ConvGeometry g, int og, long slice) {
        return slice + forwardFloats(g, og) - og * g.colRows();
    }

    /**
     * {@link #forward} as one GEMM per tap {@code (r, s)}: {@code y_wide += wt[tap] X_tap}, where
     * {@code X_tap} is the (padded) image read from the tap's offset, channel c its row c (the
     * rows a plane apart). No packing of B; C, the wide output, is read and written once per tap.
     */
    static void forwardByTaps(ConvGeometry g, int og, MemorySegment x, long xAt, MemorySegment wt, long wtAt,
                              MemorySegment y, long yAt, MemorySegment work, long workOff) {
        int wp = wp(g);
        long plane = plane(g);
        int n = wideLength(g);
        int c = g.channels();
        MemorySegment src = padded(g) ? work : x;
        long srcAt = imageAt(g, x, xAt, work, workOff);
        long at = workOff + paddedImageFloats(g);
        int t = 0;
        for (int r = 0; r < g.kernelH(); r++) {
            for (int s = 0; s < g.kernelW(); s++, t++) {
                long tap = (long) r * g.dilationH() * wp + (long) s * g.dilationW();
                Sgemm.sgemm(false, false, og, n, c, 1f, wt, wtAt + (long) t * og * c, c, src, srcAt + tap,
                        plane, t == 0 ? 0f : 1f, work, at, n);
            }
        }
        WideLayout.narrow(og, g.outHeight(), g.outWidth(), wp, n, work, at, y, yAt);
    }

    /** {@code y_g [og, oh, ow] = w_g [og, K] * col(x_g)} for one image and group (no bias). */
    static void forward(ConvGeometry g, int og, MemorySegment x, long xAt, MemorySegment w, long wAt,
                        MemorySegment y, long yAt, MemorySegment work, long workOff, long[] rows) {
        int wp = wp(g);
        long plane = plane(g);
        int n = wideLength(g);
        MemorySegment src = padded(g) ? work : x;
        long srcAt = imageAt(g, x, xAt, work, workOff);
        long at = workOff + paddedImageFloats(g);
        WideLayout.taps(g.channels(), g.kernelH(), g.kernelW(), plane, wp, g.dilationH(), g.dilationW(), srcAt, rows);
        int k = (int) g.colRows();
        Sgemm.sgemmGathered(false, false, og, n, k, 1f, w, wAt, k, src, rows, 0f, work, at, n);
        WideLayout.narrow(og, g.outHeight(), g.outWidth(), wp, n, work, at, y, yAt);
    }

    /**
     * Workspace of {@link #weightGradient} on one thread: the padded image of a group, dy of a
     * group transposed onto the wide layout, then the thread's {@code dW^T} of every group
     * ({@code outChannels x colRows}, summed over threads by the caller).
     */
    static long weightGradientFloats(ConvGeometry g, int og, int outChannels) {
        return paddedImageFloats(g) + wideFloats(g) * og + (long) outChannels * g.colRows();
    }

    /**
     * {@code dWt [C_g kH kW, O_g] += (x_g dy_g^T)^T} for one image and group (row
     * {@code c kH kW + t}: channel c, tap t, as {@link Im2colConvolution}'s), with no column matrix:
     * the weight gradient of tap {@code t} is {@code X_t [C_g, n] dyT [n, O_g]}, where {@code X_t}
     * is the padded image read from the tap's offset (row c: the plane of c, so the row stride is
     * the plane) and {@code dyT} is dy transposed onto the wide layout (zero in the extra columns,
     * so the positions that are no output add nothing). Nine GEMMs for a 3 x 3, each reading the
     * image in place; against im2col, the only copies are the padding and the transposed dy, 1/9
     * and 1/9 of the column matrix's size.
     *
     * @param slice where this thread's workspace of {@link #weightGradientFloats} starts
     * @param dwt   where this group's {@code dW^T} starts (inside the slice's last part)
     */
    static void weightGradient(ConvGeometry g, int og, MemorySegment x, long xAt, MemorySegment dy, long dyAt,
                               MemorySegment work, long slice, long dwt) {
        int wp = wp(g);
        long plane = plane(g);
        int n = wideLength(g);
        int c = g.channels();
        MemorySegment src = padded(g) ? work : x;
        long srcAt = imageAt(g, x, xAt, work, slice);
        long at = slice + paddedImageFloats(g);
        WideLayout.transposeWide(og, g.outHeight(), g.outWidth(), wp, n, dy, dyAt, work, at);
        int taps = g.kernelH() * g.kernelW();
        for (int r = 0; r < g.kernelH(); r++) {
            for (int t = 0; t < g.kernelW(); t++) {
                long tap = (long) r * g.dilationH() * wp + (long) t * g.dilationW();
                Sgemm.sgemm(false, false, c, og, n, 1f, src, srcAt + tap, plane, work, at, og,
                        1f, work, dwt + (long) (r * g.kernelW() + t) * og, (long) taps * og);
            }
        }
    }

    /**
     * The geometry whose forward convolution is this one's input gradient: with stride 1,
     * {@code dx [C, H, W]} is {@code dy [O, Hout, Wout]} padded by {@code d (k - 1) - p} and
     * correlated with the kernel transposed (input and output channels exchanged) and turned by
     * 180 degrees ({@link #flip}). So dx runs on this implicit GEMM too, with no column matrix and
     * no col2im. Null where that padding would be negative (dx would need cropping).
     */
    static ConvGeometry adjoint(ConvGeometry g, int og) {
        int ph = g.dilationH() * (g.kernelH() - 1) - g.padH();
        int pw = g.dilationW() * (g.kernelW() - 1) - g.padW();
        if (!applies(g) || ph < 0 || pw < 0) {
            return null;
        }
        ConvGeometry adjoint = new ConvGeometry(og, g.outHeight(), g.outWidth(), g.kernelH(), g.kernelW(), 1, 1, ph, pw,
                g.dilationH(), g.dilationW());
        return applies(adjoint) ? adjoint : null;
    }

    /** {@code wf [C_g, O_g, kH, kW]} from {@code w [O_g, C_g, kH, kW]}: {@code wf[c, o, r, s] = w[o, c, kH-1-r, kW-1-s]}. */
    static void flip(int og, int cg, int kh, int kw, MemorySegment w, long wAt, MemorySegment wf, long wfAt) {
        for (int o = 0; o < og; o++) {
            for (int c = 0; c < cg; c++) {
                for (int r = 0; r < kh; r++) {
                    for (int t = 0; t < kw; t++) {
                        float v = FloatLanes.get(w, wAt + (((long) o * cg + c) * kh + (kh - 1 - r)) * kw + (kw - 1 - t));
                        FloatLanes.set(wf, wfAt + (((long) c * og + o) * kh + r) * kw + t, v);
                    }
                }
            }
        }
    }
}
