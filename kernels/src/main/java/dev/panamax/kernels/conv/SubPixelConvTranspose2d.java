package dev.panamax.kernels.conv;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.parallel.WorkerPool;

/**
 * The forward pass of a strided transposed convolution as {@code sH x sW} ordinary stride-1
 * convolutions, one per output phase (sub-pixel decomposition), with no col2im scatter.
 *
 * <p>Output row {@code oy} receives {@code x[iy] w[ky]} for every tap with
 * {@code oy = iy s - p + ky d}. For the rows of one phase, {@code oy = r + s i}, only the taps
 * with {@code (r + p - ky d) mod s = 0} contribute, and for them {@code iy = i + t} with
 * {@code t = (r + p - ky d) / s}: a stride-1 correlation of x with those taps, in order of
 * increasing t (the kernel flipped), dilated by the step between consecutive t. So each phase is
 * a {@link Conv2d} (its own {@link Conv2dPlan}: implicit GEMM or direct) of a zero-bordered window
 * of x with a sub-kernel of about {@code k / s} taps per dimension, and its output is written to
 * every s-th pixel of y. The multiply-adds are those of the GEMM + col2im formulation; what goes
 * is the col2im, which added {@code k^2 / s^2} partial sums into every output pixel (a stride-2,
 * 4 x 4 upconv: four read-modify-writes per pixel).
 *
 * <p>Workspace, from the front: the sub-kernel, the zero-bordered windows of a chunk of images,
 * the phase outputs of that chunk, then the phase convolution's own workspace. Chunks are as many
 * images as fit (at least one).
 */
final class SubPixelConvTranspose2d {

    private SubPixelConvTranspose2d() {
    }

    /** One dimension of one phase: its taps in order of increasing input offset, and its sizes. */
    private record Phase(int taps, int firstOffset, int step, int[] kernelIndex, int outputs, int window) {

        /**
         * Residue {@code r} of an output of {@code out} positions from an input of {@code in},
         * kernel {@code k}, stride {@code s}, padding {@code p}, dilation {@code d}.
         */
        static Phase of(int r, int out, int k, int s, int p, int d) {
            int[] index = new int[k];
            int taps = 0;
            for (int ky = k - 1; ky >= 0; ky--) {          // t decreases as ky grows
                if (Math.floorMod(r + p - ky * d, s) == 0) {
                    index[taps++] = ky;
                }
            }
            int first = taps == 0 ? 0 : Math.floorDiv(r + p - index[0] * d, s);
            int step = taps < 2 ? 1 : Math.floorDiv(r + p - index[1] * d, s) - first;
            int outputs = r < out ? (out - r + s - 1) / s : 0;
            int window = outputs == 0 || taps == 0 ? 0 : outputs + step * (taps - 1);
            return new Phase(taps, first, step, java.util.Arrays.copyOf(index, taps), outputs, window);
        }

        boolean empty() {
            return window == 0;
        }
    }

    /** The phases of one dimension. */
    private static Phase[] phases(int out, int k, int s, int p, int d) {
        Phase[] phases = new Phase[s];
        for (int r = 0; r < s; r++) {
            phases[r] = Phase.of(r, out, k, s, p, d);
        }
        return phases;
    }

    /** Whether this path takes the shape: a stride above 1 in some dimension. */
    static boolean applies(ConvGeometry output) {
        return output.strideH() > 1 || output.strideW() > 1;
    }

    /** Floats of workspace one image needs beside the fixed part ({@link #fixedFloats}). */
    static long perImageFloats(ConvGeometry output, int inChannels) {
        long most = 0;
        for (Phase ph : phases(output.height(), output.kernelH(), output.strideH(), output.padH(), output.dilationH())) {
            for (Phase pw : phases(output.width(), output.kernelW(), output.strideW(), output.padW(), output.dilationW())) {
                if (!ph.empty() && !pw.empty()) {
                    most = Math.max(most, (long) inChannels * ph.window() * pw.window()
                            + (long) output.channels() * ph.outputs() * pw.outputs());
                }
            }
        }
        return most;
    }

    /** The sub-kernel and the phase convolutions' workspace ({@code minimum}: on one thread). */
    static long fixedFloats(ConvGeometry output, int groups, int inChannels, boolean minimum) {
        long kernel = 0;
        long conv = 0;
        for (Phase ph : phases(output.height(), output.kernelH(), output.strideH(), output.padH(), output.dilationH())) {
            for (Phase pw : phases(output.width(), output.kernelW(), output.strideW(), output.padW(), output.dilationW())) {
                if (!ph.empty() && !pw.empty()) {
                    Conv2dPlan plan = Conv2dPlan.of(geometry(inChannels, ph, pw), groups, output.channels());
                    kernel = Math.max(kernel, (long) output.channels() * (inChannels / groups) * ph.taps() * pw.taps());
                    conv = Math.max(conv, minimum ? plan.minimumWorkspaceFloats() : plan.workspaceFloats());
                }
            }
        }
        return kernel + conv;
    }

    private static ConvGeometry geometry(int inChannels, Phase ph, Phase pw) {
        return new ConvGeometry(inChannels, ph.window(), pw.window(), ph.taps(), pw.taps(), 1, 1, 0, 0, ph.step(), pw.step());
    }

    /**
     * {@code y = conv_transpose2d(x, w)} without bias, arguments checked by the caller; the
     * workspace holds at least {@link #fixedFloats} (minimum) plus one image.
     */
    static void forward(int images, int groups, ConvGeometry output, int inChannels, MemorySegment x, long xOff,
                        MemorySegment w, long wOff, MemorySegment y, long yOff, MemorySegment work, long workOff) {
        int outChannels = output.channels();
        int h = output.outHeight();
        int wd = output.outWidth();
        int sh = output.strideH();
        int sw = output.strideW();
        Phase[] rows = phases(output.height(), output.kernelH(), sh, output.padH(), output.dilationH());
        Phase[] cols = phases(output.width(), output.kernelW(), sw, output.padW(), output.dilationW());
        long available = work.byteSize() / Float.BYTES - workOff;
        long perImage = perImageFloats(output, inChannels);
        long fixed = fixedFloats(output, groups, inChannels, false);
        if (available - fixed < perImage) {
            fixed = fixedFloats(output, groups, inChannels, true);     // the phase convolutions on fewer threads
        }
        int chunk = (int) Math.max(1, Math.min(images, (available - fixed) / Math.max(1, perImage)));
        boolean someEmpty = false;
        for (Phase ph : rows) {
            for (Phase pw : cols) {
                someEmpty |= ph.outputs() > 0 && pw.outputs() > 0 && (ph.empty() || pw.empty());
            }
        }
        if (someEmpty) {
            // pixels no tap reaches (kernel smaller than the stride) hold only the bias
            FloatLanes.fill(y, yOff, (long) images * output.imageSize(), 0f);
        }
        int coutG = outChannels / groups;
        int cinG = inChannels / groups;
        for (Phase ph : rows) {
            for (Phase pw : cols) {
                if (ph.empty() || pw.empty()) {
                    continue;
                }
                int r = phaseIndex(rows, ph);
                int c = phaseIndex(cols, pw);
                long kernelAt = workOff;
                long kernelFloats = (long) outChannels * cinG * ph.taps() * pw.taps();
                subKernel(groups, cinG, coutG, output.kernelH(), output.kernelW(), ph, pw, w, wOff, work, kernelAt);
                Conv2dPlan plan = Conv2dPlan.of(geometry(inChannels, ph, pw), groups, outChannels);
                long windowFloats = (long) inChannels * ph.window() * pw.window();
                long phaseFloats = (long) outChannels * ph.outputs() * pw.outputs();
                long windowsAt = kernelAt + kernelFloats;
                long outputsAt = windowsAt + chunk * windowFloats;
                long convAt = outputsAt + chunk * phaseFloats;
                int threads = WorkerPool.shareable(x, y, work) ? WorkerPool.threads() : 1;
                for (int n0 = 0; n0 < images; n0 += chunk) {
                    int first = n0;
                    int nb = Math.min(chunk, images - n0);
                    // the copies in and out are memory-bound: images over the pool, as the convolution
                    WorkerPool.run(Math.min(threads, nb), (index, count) -> {
                        for (int n = nb * index / count; n < nb * (index + 1) / count; n++) {
                            window(inChannels, h, wd, ph, pw, x, xOff + (long) (first + n) * inChannels * h * wd, work,
                                    windowsAt + n * windowFloats);
                        }
                    });
                    Conv2d.forward(plan, nb, work, windowsAt, work, kernelAt, null, 0, work, outputsAt, work, convAt);
                    WorkerPool.run(Math.min(threads, nb), (index, count) -> {
                        for (int n = nb * index / count; n < nb * (index + 1) / count; n++) {
                            scatter(outChannels, output, r, c, sh, sw, ph, pw, work, outputsAt + n * phaseFloats, y,
                                    yOff + (long) (first + n) * output.imageSize());
                        }
                    });
                }
            }
        }
    }

    private static int phaseIndex(Phase[] phases, Phase phase) {
        for (int i = 0; i < phases.length; i++) {
            if (phases[i] == phase) {
                return i;
            }
        }
        throw new AssertionError();
    }

    /**
     * The phase's convolution weight {@code [C_out, C_in/groups, taps_h, taps_w]} from the
     * transposed convolution's {@code [C_in, C_out/groups, kH, kW]}: taps in order of increasing
     * input offset, which flips the kernel.
     */
    private static void subKernel(int groups, int cinG, int coutG, int kh, int kw, Phase ph, Phase pw,
                                  MemorySegment w, long wOff, MemorySegment dst, long dstOff) {
        int taps = ph.taps() * pw.taps();
        for (int q = 0; q < groups; q++) {
            for (int co = 0; co < coutG; co++) {
                for (int ci = 0; ci < cinG; ci++) {
                    long from = wOff + ((long) (q * cinG + ci) * coutG + co) * kh * kw;
                    long to = dstOff + ((long) (q * coutG + co) * cinG + ci) * taps;
                    for (int a = 0; a < ph.taps(); a++) {
                        for (int b = 0; b < pw.taps(); b++) {
                            FloatLanes.set(dst, to + (long) a * pw.taps() + b,
                                    FloatLanes.get(w, from + (long) ph.kernelIndex()[a] * kw + pw.kernelIndex()[b]));
                        }
                    }
                }
            }
        }
    }

    /** The phase's input window of one image: rows and columns of x from the first offset, zero outside x. */
    private static void window(int channels, int h, int w, Phase ph, Phase pw, MemorySegment x, long xAt,
                               MemorySegment dst, long dstAt) {
        int ww = pw.window();
        // the columns of a window row that fall inside x: [b0, b1)
        int b0 = Math.max(0, -pw.firstOffset());
        int b1 = Math.min(ww, w - pw.firstOffset());
        for (int c = 0; c < channels; c++) {
            for (int a = 0; a < ph.window(); a++) {
                long to = dstAt + ((long) c * ph.window() + a) * ww;
                int iy = a + ph.firstOffset();
                if (iy < 0 || iy >= h || b0 >= b1) {
                    FloatLanes.fill(dst, to, ww, 0f);
                    continue;
                }
                if (b0 > 0) {
                    FloatLanes.fill(dst, to, b0, 0f);
                }
                MemorySegment.copy(x, (xAt + ((long) c * h + iy) * w + b0 + pw.firstOffset()) * Float.BYTES, dst,
                        (to + b0) * Float.BYTES, (long) (b1 - b0) * Float.BYTES);
                if (b1 < ww) {
                    FloatLanes.fill(dst, to + b1, ww - b1, 0f);
                }
            }
        }
    }

    /** {@code y[co, r + sH i, c + sW j] = phase[co, i, j]} for one image. */
    private static void scatter(int channels, ConvGeometry output, int r, int c, int sh, int sw, Phase ph, Phase pw,
                                MemorySegment phase, long phaseAt, MemorySegment y, long yAt) {
        int width = output.width();
        for (int co = 0; co < channels; co++) {
            for (int i = 0; i < ph.outputs(); i++) {
                long from = phaseAt + ((long) co * ph.outputs() + i) * pw.outputs();
                long to = yAt + ((long) co * output.height() + r + (long) sh * i) * width + c;
                for (int j = 0; j < pw.outputs(); j++) {
                    FloatLanes.set(y, to + (long) sw * j, FloatLanes.get(phase, from + j));
                }
            }
        }
    }
}
