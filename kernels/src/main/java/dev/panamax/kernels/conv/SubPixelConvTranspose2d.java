package dev.panamax.kernels.conv;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ODD;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;
import static dev.panamax.kernels.FloatLanes.ZIP_HIGH;
import static dev.panamax.kernels.FloatLanes.ZIP_LOW;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;

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
 * <p>The phases are taken a row phase at a time: its column phases are convolved one after the
 * other and kept, then written to y together, so that with a column stride of 2 the two phases'
 * rows are interleaved in registers and stored as whole vectors (writing each phase on its own
 * strides every store, which was a fifth of the forward pass).
 *
 * <p>Two ways to run the phases. With few output channels ({@link #DIRECT_MAX_OUT_CHANNELS}) and
 * an image that fits a thread's scratch, {@link #forwardDirect}: every phase's window is a part
 * of one zero-bordered copy of the image (their row and column ranges overlap), so each image is
 * copied once onto the heap and each phase is {@link DirectConv2d#correlate}'s register blocks
 * over that copy, the phase's output on the copy's row length; no workspace. Otherwise each phase
 * is a {@link Conv2d} of its own window, through the workspace. From the front: the
 * sub-kernels of a row phase, the zero-bordered window of a chunk of images (one column phase at a
 * time), the outputs of every column phase for that chunk, then the phase convolution's own
 * workspace. Chunks are as many images as fit (at least one). An instance is the decomposition
 * of one shape, its phases and their convolution plans worked out once ({@link #of}); it holds
 * no data and may be shared.
 */
final class SubPixelConvTranspose2d {

    private final ConvGeometry output;
    private final int groups;
    private final int inChannels;
    private final int threads;
    private final Phase[] rows;
    private final Phase[] cols;
    /** The convolution of phase (r, c), null where no tap reaches it. */
    private final Conv2dPlan[][] plans;
    /** The sub-kernels of one row phase, one per column phase, {@link #kernelStride} floats apart. */
    private final long kernelFloats;
    private final long kernelStride;
    private final long convFloats;
    private final long convMinimumFloats;
    private final long perImageFloats;
    /** Whether some output pixels are reached by no tap (a kernel smaller than the stride). */
    private final boolean unreached;
    /** Whether the phases run as direct correlations of one shared copy of each image ({@link #forwardDirect}). */
    private final boolean direct;
    /** The shared copy: rows {@code [top, top + copyH)} and columns {@code [left, left + copyW)} of x, zero outside x. */
    private final int top;
    private final int left;
    private final int copyH;
    private final int copyW;
    /** Per phase {@code r cols + c}: where its sub-kernels start in the direct weights, and per group its tap rows in the copy. */
    private final int[] weightsAt;
    private final long[][][] tapRows;
    /**
     * Per phase: where its wide outputs start in the scratch (after the copy and the outputs of
     * the column phases before it in its row phase), and their row stride ({@link #paddedPositions}).
     */
    private final int[] outputsAt;
    private final int[] outputStride;
    /** The direct path's weights (every phase's sub-kernels), and its per-thread scratch (the copy, a row phase's outputs). */
    private final int directWeightsFloats;
    private final int directScratchFloats;

    private SubPixelConvTranspose2d(ConvGeometry output, int groups, int inChannels, int threads) {
        this.output = output;
        this.groups = groups;
        this.inChannels = inChannels;
        this.threads = threads;
        rows = phases(output.height(), output.kernelH(), output.strideH(), output.padH(), output.dilationH());
        cols = phases(output.width(), output.kernelW(), output.strideW(), output.padW(), output.dilationW());
        plans = new Conv2dPlan[rows.length][cols.length];
        long kernel = 0, conv = 0, convMinimum = 0, perImage = 0;
        for (int r = 0; r < rows.length; r++) {
            long window = 0, outputs = 0;
            for (int c = 0; c < cols.length; c++) {
                Phase ph = rows[r], pw = cols[c];
                if (ph.empty() || pw.empty()) {
                    continue;
                }
                Conv2dPlan plan = Conv2dPlan.of(new ConvGeometry(inChannels, ph.window(), pw.window(), ph.taps(), pw.taps(),
                        1, 1, 0, 0, ph.step(), pw.step()), groups, output.channels(), threads);
                plans[r][c] = plan;
                kernel = Math.max(kernel, (long) output.channels() * (inChannels / groups) * ph.taps() * pw.taps());
                conv = Math.max(conv, plan.workspaceFloats());
                convMinimum = Math.max(convMinimum, plan.minimumWorkspaceFloats());
                window = Math.max(window, windowFloats(ph, pw));
                outputs += outputFloats(ph, pw);
            }
            perImage = Math.max(perImage, window + outputs);
        }
        kernelFloats = cols.length * kernel;
        kernelStride = kernel;
        convFloats = conv;
        convMinimumFloats = convMinimum;
        perImageFloats = Math.max(1, perImage);
        boolean someEmpty = false;
        for (Phase ph : rows) {
            for (Phase pw : cols) {
                someEmpty |= ph.outputs() > 0 && pw.outputs() > 0 && (ph.empty() || pw.empty());
            }
        }
        unreached = someEmpty;
        int t = Integer.MAX_VALUE, b = Integer.MIN_VALUE, l = Integer.MAX_VALUE, rt = Integer.MIN_VALUE;
        for (int r = 0; r < rows.length; r++) {
            for (int c = 0; c < cols.length; c++) {
                if (plans[r][c] != null) {
                    t = Math.min(t, rows[r].firstOffset());
                    b = Math.max(b, rows[r].firstOffset() + rows[r].window());
                    l = Math.min(l, cols[c].firstOffset());
                    rt = Math.max(rt, cols[c].firstOffset() + cols[c].window());
                }
            }
        }
        boolean any = t != Integer.MAX_VALUE;
        top = any ? t : 0;
        left = any ? l : 0;
        copyH = any ? b - t : 0;
        copyW = any ? rt - l : 0;
        int coutG = output.channels() / groups;
        int cinG = inChannels / groups;
        long weights = 0, outputs = 0;
        for (int r = 0; r < rows.length; r++) {
            long rowOutputs = 0;
            for (int c = 0; c < cols.length; c++) {
                if (plans[r][c] != null) {
                    weights += (long) groups * evenRows(coutG) * cinG * rows[r].taps() * cols[c].taps();
                    rowOutputs += groups * evenRows(coutG) * paddedPositions(rows[r], cols[c]);
                }
            }
            outputs = Math.max(outputs, rowOutputs);
        }
        long scratch = (long) inChannels * copyH * copyW + LANES + outputs;
        direct = any && coutG <= DIRECT_MAX_OUT_CHANNELS && scratch + weights <= DirectConv2d.SCRATCH_MAX_FLOATS;
        directWeightsFloats = direct ? (int) weights : 0;
        directScratchFloats = direct ? (int) scratch : 0;
        weightsAt = new int[rows.length * cols.length];
        tapRows = new long[rows.length * cols.length][][];
        outputsAt = new int[rows.length * cols.length];
        outputStride = new int[rows.length * cols.length];
        int at = 0;
        for (int r = 0; direct && r < rows.length; r++) {
            int out = inChannels * copyH * copyW + LANES;
            for (int c = 0; c < cols.length; c++) {
                if (plans[r][c] != null) {
                    int phase = r * cols.length + c;
                    weightsAt[phase] = at;
                    at += groups * evenRows(coutG) * cinG * rows[r].taps() * cols[c].taps();
                    tapRows[phase] = tapRows(rows[r], cols[c], cinG);
                    outputsAt[phase] = out;
                    outputStride[phase] = (int) paddedPositions(rows[r], cols[c]);
                    out += groups * evenRows(coutG) * outputStride[phase];
                }
            }
        }
    }

    /** The offsets in the shared copy of phase (ph, pw)'s taps, per group: {@code [groups][cinG taps_h taps_w]}. */
    private long[][] tapRows(Phase ph, Phase pw, int cinG) {
        long[][] byGroup = new long[groups][cinG * ph.taps() * pw.taps()];
        for (int q = 0; q < groups; q++) {
            int i = 0;
            for (int ch = 0; ch < cinG; ch++) {
                for (int a = 0; a < ph.taps(); a++) {
                    for (int e = 0; e < pw.taps(); e++) {
                        byGroup[q][i++] = (long) (q * cinG + ch) * copyH * copyW
                                + (long) (ph.firstOffset() - top + a * ph.step()) * copyW + pw.firstOffset() - left
                                + e * pw.step();
                    }
                }
            }
        }
        return byGroup;
    }

    /**
     * The most output channels per group for which {@link #forwardDirect} is chosen: with few,
     * the phase convolutions' GEMMs packed a column matrix that as few rows of weights then used
     * (the 64 to 32 channel, 4 x 4 stride-2 upsampling of 28 x 28 images spent a fifth of its time
     * packing and another fifth copying windows and narrowing). With more, the GEMM repays its
     * packing, and large layers' copies outgrow the direct path's scratch.
     */
    static final int DIRECT_MAX_OUT_CHANNELS = 32;

    /** Output channels rounded up to the 2-row blocks of {@link DirectConv2d#correlate}. */
    private static int evenRows(int channels) {
        return (channels + 1) / 2 * 2;
    }

    /**
     * Wide positions of phase (ph, pw) on the shared copy (its output rows {@code copyW} apart), in
     * whole vectors: the row stride of the phase's outputs in the direct path's scratch.
     */
    private long paddedPositions(Phase ph, Phase pw) {
        long positions = (long) (ph.outputs() - 1) * copyW + pw.outputs();
        return (positions + LANES - 1) / LANES * LANES;
    }

    /** Whether the decomposition applies: a stride above 1 in some dimension. */
    static boolean applies(ConvGeometry output) {
        return output.strideH() > 1 || output.strideW() > 1;
    }

    /** The decomposition of a shape that {@link #applies}, its phase convolutions planned for {@code threads}. */
    static SubPixelConvTranspose2d of(ConvGeometry output, int groups, int inChannels, int threads) {
        return new SubPixelConvTranspose2d(output, groups, inChannels, threads);
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
            return new Phase(taps, first, step, Arrays.copyOf(index, taps), outputs, window);
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

    private long windowFloats(Phase ph, Phase pw) {
        return (long) inChannels * ph.window() * pw.window();
    }

    private long outputFloats(Phase ph, Phase pw) {
        return (long) output.channels() * ph.outputs() * pw.outputs();
    }

    /** Workspace for chunks of {@code images} images with every planned thread at work. */
    private long workspaceFloats(long images) {
        return kernelFloats + convFloats + images * perImageFloats;
    }

    /**
     * The workspace a plan gives it: chunks of two images per planned thread, fewer where that
     * would pass {@link Conv2d#WORKSPACE_BUDGET_BYTES}.
     */
    long workspaceFloats() {
        if (direct) {
            return 0;
        }
        long budget = Conv2d.WORKSPACE_BUDGET_BYTES / Float.BYTES;
        return workspaceFloats(Math.max(1, Math.min(2L * threads, (budget - workspaceFloats(0)) / perImageFloats)));
    }

    /** The least workspace {@link #forward} runs in: one image at a time, the phases on one thread. */
    long minimumWorkspaceFloats() {
        return direct ? 0 : kernelFloats + convMinimumFloats + perImageFloats;
    }

    /**
     * {@code y = conv_transpose2d(x, w) + bias} (bias {@code [C_out]} or null), arguments checked
     * by the caller; the workspace holds at least {@link #minimumWorkspaceFloats}. The bias is
     * added as the phases are scattered into y, which writes every pixel once, so it costs no
     * pass of its own over y.
     */
    void forward(int images, MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment bias, long bOff,
                 MemorySegment y, long yOff, MemorySegment work, long workOff) {
        int outChannels = output.channels();
        if (unreached) {
            // pixels no tap reaches (kernel smaller than the stride) hold only the bias
            long plane = (long) output.height() * output.width();
            for (long p = 0; p < (long) images * outChannels; p++) {
                FloatLanes.fill(y, yOff + p * plane, plane, bias == null ? 0f : FloatLanes.get(bias, bOff + p % outChannels));
            }
        }
        if (direct) {
            forwardDirect(images, x, xOff, w, wOff, bias, bOff, y, yOff);
            return;
        }
        long available = work.byteSize() / Float.BYTES - workOff;
        // the phase convolutions on every planned thread if that leaves room for an image, else on fewer
        long fixed = kernelFloats + (available - kernelFloats - convFloats >= perImageFloats ? convFloats : convMinimumFloats);
        int chunk = (int) Math.max(1, Math.min(images, (available - fixed) / perImageFloats));
        int threads = WorkerPool.shareable(x, y, work) ? Math.min(this.threads, WorkerPool.threads()) : 1;
        float[] subKernels = WEIGHTS.atLeast((int) kernelStride);
        for (int r = 0; r < rows.length; r++) {
            Phase ph = rows[r];
            long windowAt = workOff + kernelFloats;
            long window = 0;
            for (int c = 0; c < cols.length; c++) {
                if (plans[r][c] != null) {
                    int coutG = outChannels / groups;
                    subKernel(coutG, coutG, inChannels / groups, ph, cols[c], w, wOff, subKernels, 0);
                    MemorySegment.copy(subKernels, 0, work, FloatLanes.FLOAT, (workOff + c * kernelStride) * Float.BYTES,
                            outChannels * (inChannels / groups) * ph.taps() * cols[c].taps());
                    window = Math.max(window, windowFloats(ph, cols[c]));
                }
            }
            long outputsAt = windowAt + chunk * window;
            long convAt = outputsAt(r, cols.length, outputsAt, chunk);
            for (int n0 = 0; n0 < images; n0 += chunk) {
                int nb = Math.min(chunk, images - n0);
                for (int c = 0; c < cols.length; c++) {
                    Conv2dPlan plan = plans[r][c];
                    if (plan == null) {
                        continue;
                    }
                    // the copies in and out are memory-bound: images over the pool, as the convolution
                    WorkerPool.run(Math.min(threads, nb), Copies.claim(c, this, r, n0, nb, x, xOff, bias, bOff, y, yOff,
                            work, windowAt, outputsAt, chunk));
                    Conv2d.forward(plan, nb, work, windowAt, work, workOff + c * kernelStride, null, 0, work,
                            outputsAt(r, c, outputsAt, chunk), work, convAt);
                }
                WorkerPool.run(Math.min(threads, nb), Copies.claim(-1, this, r, n0, nb, x, xOff, bias, bOff, y, yOff,
                        work, windowAt, outputsAt, chunk));
            }
        }
    }

    /**
     * The forward pass with each phase a {@link DirectConv2d#correlate} of one zero-bordered copy
     * of the image on the heap: an image is copied once, not once per phase, the correlation's
     * register blocks read the copy where it lies (no column matrix is packed) and the scatter
     * reads the phases' wide outputs (nothing is narrowed). Images over the pool, or images by
     * row phase where there are fewer images than threads; the sub-kernels are made once per call
     * on the calling thread and only read by the others.
     */
    private void forwardDirect(int images, MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment bias,
                               long bOff, MemorySegment y, long yOff) {
        int coutG = output.channels() / groups;
        float[] weights = WEIGHTS.atLeast(directWeightsFloats);
        for (int r = 0; r < rows.length; r++) {
            for (int c = 0; c < cols.length; c++) {
                if (plans[r][c] != null) {
                    subKernel(coutG, evenRows(coutG), inChannels / groups, rows[r], cols[c], w, wOff, weights,
                            weightsAt[r * cols.length + c]);
                }
            }
        }
        int threads = WorkerPool.shareable(x, y, bias) ? Math.min(this.threads, WorkerPool.threads()) : 1;
        int split = images >= threads ? 1 : rows.length;
        WorkerPool.run(Math.min(threads, images * split), DirectPhases.claim(this, images, split, x, xOff, weights, bias,
                bOff, y, yOff));
    }

    /** Images (by row phase where {@code split} is the row stride) split over the pool: see {@link #forwardDirect}. */
    private static final class DirectPhases extends ConvJob {
        private static final WorkerPool.PerThread<DirectPhases> JOBS = new WorkerPool.PerThread<>(DirectPhases::new);

        SubPixelConvTranspose2d owner;
        int split;
        float[] weights;

        static DirectPhases claim(SubPixelConvTranspose2d owner, int images, int split, MemorySegment x, long xOff,
                                  float[] weights, MemorySegment bias, long bOff, MemorySegment y, long yOff) {
            DirectPhases job = JOBS.claim();
            job.owner = owner;
            job.problem(images, owner.output, null, 0);
            job.operands(x, xOff, null, 0, y, yOff);
            job.bias = bias;
            job.bOff = bOff;
            job.split = split;
            job.weights = weights;
            return job;
        }

        @Override
        public void run(int index, int count) {
            SubPixelConvTranspose2d o = owner;
            int units = images * split;
            float[] scratch = SCRATCH.atLeast(o.directScratchFloats);
            for (int u = units * index / count; u < units * (index + 1) / count; u++) {
                int n = u / split;
                int r0 = split == 1 ? 0 : u % split;
                int r1 = split == 1 ? o.rows.length : r0 + 1;
                o.copyImage(x, xOff + (long) n * o.inChannels * o.output.outHeight() * o.output.outWidth(), scratch);
                for (int r = r0; r < r1; r++) {
                    o.correlateRowPhase(r, weights, scratch);
                    o.scatterDirect(r, scratch, bias, bOff, y, yOff + (long) n * o.output.imageSize());
                }
            }
        }

        @Override
        protected void clear() {
            super.clear();
            owner = null;
            weights = null;
        }
    }

    /** Image {@code [C_in, H_in, W_in]} at xAt into the shared copy at the front of scratch, zero outside x, slack zeroed. */
    private void copyImage(MemorySegment x, long xAt, float[] dst) {
        int h = output.outHeight();
        int w = output.outWidth();
        // the columns of a copy row that fall inside x: [b0, b1)
        int b0 = Math.max(0, -left);
        int b1 = Math.min(copyW, w - left);
        for (int c = 0; c < inChannels; c++) {
            for (int a = 0; a < copyH; a++) {
                int to = (c * copyH + a) * copyW;
                int iy = a + top;
                if (iy < 0 || iy >= h || b0 >= b1) {
                    Arrays.fill(dst, to, to + copyW, 0f);
                    continue;
                }
                for (int t = 0; t < b0; t++) {
                    dst[to + t] = 0f;
                }
                MemorySegment.copy(x, FloatLanes.FLOAT, (xAt + ((long) c * h + iy) * w + b0 + left) * Float.BYTES, dst, to + b0,
                        b1 - b0);
                for (int t = b1; t < copyW; t++) {
                    dst[to + t] = 0f;
                }
            }
        }
        Arrays.fill(dst, inChannels * copyH * copyW, inChannels * copyH * copyW + LANES, 0f);
    }

    /** Every column phase of row phase r, each group, into the wide outputs in scratch (column phase after column phase). */
    private void correlateRowPhase(int r, float[] weights, float[] scratch) {
        int rowsPerGroup = evenRows(output.channels() / groups);
        for (int c = 0; c < cols.length; c++) {
            if (plans[r][c] == null) {
                continue;
            }
            int phase = r * cols.length + c;
            int k = inChannels / groups * rows[r].taps() * cols[c].taps();
            int nPad = outputStride[phase];
            for (int q = 0; q < groups; q++) {
                DirectConv2d.correlate(rowsPerGroup, nPad, 0, nPad, k, weights, weightsAt[phase] + q * rowsPerGroup * k,
                        scratch, tapRows[phase][q], scratch, outputsAt[phase] + q * rowsPerGroup * nPad);
            }
        }
    }

    /**
     * {@link #scatter} from the direct path's wide outputs: {@code y[co, r + sH i, c + sW j] =
     * out_c[co, i copyW + j] + bias[co]} for one image, every column phase c of row phase r.
     */
    private void scatterDirect(int r, float[] src, MemorySegment bias, long bOff, MemorySegment y, long yAt) {
        Phase ph = rows[r];
        int width = output.width();
        int sh = output.strideH();
        int coutG = output.channels() / groups;
        int rowsPerGroup = evenRows(coutG);
        boolean pairs = cols.length == 2 && plans[r][0] != null && plans[r][1] != null;
        int first = r * cols.length;
        int n1 = cols[1 % cols.length].outputs();
        for (int co = 0; co < output.channels(); co++) {
            float b = bias == null ? 0f : FloatLanes.get(bias, bOff + co);
            FloatVector bv = FloatVector.broadcast(SPECIES, b);
            int row = co / coutG * rowsPerGroup + co % coutG;
            for (int i = 0; i < ph.outputs(); i++) {
                long to = yAt + ((long) co * output.height() + r + (long) sh * i) * width;
                int j = 0;
                if (pairs && n1 >= LANES) {
                    // column phase 0 has as many outputs as phase 1, or one more (left to the loop below)
                    int from0 = outputsAt[first] + row * outputStride[first] + i * copyW;
                    int from1 = outputsAt[first + 1] + row * outputStride[first + 1] + i * copyW;
                    for (int e = 0; e < n1; e += LANES) {
                        // the last vector overlaps the one before it, which wrote the same sums
                        j = Math.min(e, n1 - LANES);
                        FloatVector v0 = FloatVector.fromArray(SPECIES, src, from0 + j).add(bv);
                        FloatVector v1 = FloatVector.fromArray(SPECIES, src, from1 + j).add(bv);
                        long at = (to + 2L * j) * Float.BYTES;
                        v0.rearrange(ZIP_LOW).blend(v1.rearrange(ZIP_LOW), ODD).intoMemorySegment(y, at, ORDER);
                        v0.rearrange(ZIP_HIGH).blend(v1.rearrange(ZIP_HIGH), ODD)
                                .intoMemorySegment(y, at + LANES * Float.BYTES, ORDER);
                    }
                    j = n1;
                }
                for (int c = 0; c < cols.length; c++) {
                    if (plans[r][c] == null) {
                        continue;
                    }
                    int at = outputsAt[first + c] + row * outputStride[first + c] + i * copyW;
                    for (int jj = j; jj < cols[c].outputs(); jj++) {
                        FloatLanes.set(y, to + c + (long) output.strideW() * jj, src[at + jj] + b);
                    }
                }
            }
        }
    }

    /** The calling thread's sub-kernels (both paths). */
    private static final PerThreadArray<float[]> WEIGHTS = new PerThreadArray<>(float[]::new, a -> a.length, 1024);
    /** Each thread's copy and wide outputs ({@link #forwardDirect}). */
    private static final PerThreadArray<float[]> SCRATCH = new PerThreadArray<>(float[]::new, a -> a.length, 1024);

    /** Where column phase c's outputs for a chunk of row phase r start: after those of the phases before it. */
    private long outputsAt(int r, int c, long outputsAt, int chunk) {
        long at = outputsAt;
        for (int k = 0; k < c; k++) {
            at += plans[r][k] == null ? 0 : chunk * outputFloats(rows[r], cols[k]);
        }
        return at;
    }

    /**
     * A chunk's copies for row phase r split by images (see {@link WorkerPool.Job}): into the
     * zero-bordered windows of column phase {@code window}, or (window -1) out of every column
     * phase's outputs into y, bias added.
     */
    private static final class Copies extends ConvJob {
        private static final WorkerPool.PerThread<Copies> JOBS = new WorkerPool.PerThread<>(Copies::new);

        int window;
        SubPixelConvTranspose2d owner;
        int r;
        int first;
        long windowAt;
        long outputsAt;
        int chunk;

        static Copies claim(int window, SubPixelConvTranspose2d owner, int r, int first, int images,
                            MemorySegment x, long xOff, MemorySegment bias, long bOff, MemorySegment y, long yOff,
                            MemorySegment work, long windowAt, long outputsAt, int chunk) {
            Copies job = JOBS.claim();
            job.owner = owner;
            job.problem(images, owner.output, work, 0);
            job.operands(x, xOff, null, 0, y, yOff);
            job.bias = bias;
            job.bOff = bOff;
            job.window = window;
            job.r = r;
            job.first = first;
            job.windowAt = windowAt;
            job.outputsAt = outputsAt;
            job.chunk = chunk;
            return job;
        }

        @Override
        public void run(int index, int count) {
            ConvGeometry output = owner.output;
            Phase ph = owner.rows[r];
            for (int n = images * index / count; n < images * (index + 1) / count; n++) {
                if (window >= 0) {
                    Phase pw = owner.cols[window];
                    int h = output.outHeight();
                    int wd = output.outWidth();
                    window(owner.inChannels, h, wd, ph, pw, x, xOff + (long) (first + n) * owner.inChannels * h * wd, work,
                            windowAt + n * owner.windowFloats(ph, pw));
                } else {
                    owner.scatter(r, n, work, outputsAt, chunk, bias, bOff, y, yOff + (long) (first + n) * output.imageSize());
                }
            }
        }

        @Override
        protected void clear() {
            super.clear();
            owner = null;
        }
    }

    /**
     * The phase's convolution weight {@code [C_out, C_in/groups, taps_h, taps_w]} from the
     * transposed convolution's {@code [C_in, C_out/groups, kH, kW]}: taps in order of increasing
     * input offset, which flips the kernel. Each group's rows start {@code rowsPerGroup} rows
     * apart (the direct path's blocks take an even count), rows past {@code coutG} zero.
     */
    private void subKernel(int coutG, int rowsPerGroup, int cinG, Phase ph, Phase pw, MemorySegment w, long wOff,
                           float[] dst, int dstOff) {
        int kh = output.kernelH();
        int kw = output.kernelW();
        int taps = ph.taps() * pw.taps();
        for (int q = 0; q < groups; q++) {
            for (int co = 0; co < coutG; co++) {
                for (int ci = 0; ci < cinG; ci++) {
                    long from = wOff + ((long) (q * cinG + ci) * coutG + co) * kh * kw;
                    int to = dstOff + ((q * rowsPerGroup + co) * cinG + ci) * taps;
                    for (int a = 0; a < ph.taps(); a++) {
                        for (int b = 0; b < pw.taps(); b++) {
                            dst[to + a * pw.taps() + b] = FloatLanes.get(w, from + (long) ph.kernelIndex()[a] * kw
                                    + pw.kernelIndex()[b]);
                        }
                    }
                }
            }
            int zeroFrom = dstOff + (q * rowsPerGroup + coutG) * cinG * taps;
            Arrays.fill(dst, zeroFrom, zeroFrom + (rowsPerGroup - coutG) * cinG * taps, 0f);
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
                // the borders are a float or two: set one by one, a fill per border was 8 % of the forward pass
                for (int t = 0; t < b0; t++) {
                    FloatLanes.set(dst, to + t, 0f);
                }
                MemorySegment.copy(x, (xAt + ((long) c * h + iy) * w + b0 + pw.firstOffset()) * Float.BYTES, dst,
                        (to + b0) * Float.BYTES, (long) (b1 - b0) * Float.BYTES);
                for (int t = b1; t < ww; t++) {
                    FloatLanes.set(dst, to + t, 0f);
                }
            }
        }
    }

    /**
     * {@code y[co, r + sH i, c + sW j] = phase_c[co, i, j] + bias[co]} for image n of the chunk,
     * every column phase c of row phase r (bias null: 0). Two column phases (stride 2) are
     * interleaved a vector of each at a time: two vectors of y's row, plain stores. Rows shorter
     * than a vector, and other strides, go one by one.
     */
    private void scatter(int r, int n, MemorySegment work, long outputsAt, int chunk, MemorySegment bias, long bOff,
                         MemorySegment y, long yAt) {
        Phase ph = rows[r];
        int width = output.width();
        int sh = output.strideH();
        boolean pairs = cols.length == 2 && plans[r][0] != null && plans[r][1] != null;
        long phase0 = pairs ? outputsAt + n * outputFloats(ph, cols[0]) : 0;
        long phase1 = pairs ? outputsAt(r, 1, outputsAt, chunk) + n * outputFloats(ph, cols[1]) : 0;
        for (int co = 0; co < output.channels(); co++) {
            float b = bias == null ? 0f : FloatLanes.get(bias, bOff + co);
            FloatVector bv = FloatVector.broadcast(SPECIES, b);
            for (int i = 0; i < ph.outputs(); i++) {
                long to = yAt + ((long) co * output.height() + r + (long) sh * i) * width;
                int j = 0;
                int n1 = cols[1 % cols.length].outputs();
                if (pairs && n1 >= LANES) {
                    // column phase 0 has as many outputs as phase 1, or one more (left to the loop below)
                    long from0 = phase0 + ((long) co * ph.outputs() + i) * cols[0].outputs();
                    long from1 = phase1 + ((long) co * ph.outputs() + i) * n1;
                    for (int k = 0; k < n1; k += LANES) {
                        // the last vector overlaps the one before it, which wrote the same sums
                        j = Math.min(k, n1 - LANES);
                        FloatVector v0 = FloatVector.fromMemorySegment(SPECIES, work, (from0 + j) * Float.BYTES, ORDER).add(bv);
                        FloatVector v1 = FloatVector.fromMemorySegment(SPECIES, work, (from1 + j) * Float.BYTES, ORDER).add(bv);
                        long at = (to + 2L * j) * Float.BYTES;
                        v0.rearrange(ZIP_LOW).blend(v1.rearrange(ZIP_LOW), ODD).intoMemorySegment(y, at, ORDER);
                        v0.rearrange(ZIP_HIGH).blend(v1.rearrange(ZIP_HIGH), ODD)
                                .intoMemorySegment(y, at + LANES * Float.BYTES, ORDER);
                    }
                    j = n1;
                }
                for (int c = 0; c < cols.length; c++) {
                    Phase pw = cols[c];
                    if (plans[r][c] == null) {
                        continue;
                    }
                    long from = outputsAt(r, c, outputsAt, chunk) + n * outputFloats(ph, pw)
                            + ((long) co * ph.outputs() + i) * pw.outputs();
                    for (int jj = j; jj < pw.outputs(); jj++) {
                        FloatLanes.set(y, to + c + (long) output.strideW() * jj, FloatLanes.get(work, from + jj) + b);
                    }
                }
            }
        }
    }
}
