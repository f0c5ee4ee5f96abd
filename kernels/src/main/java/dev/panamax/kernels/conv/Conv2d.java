package dev.panamax.kernels.conv;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.gemm.Blas1;
import dev.panamax.kernels.gemm.PackedMatrixA;
import dev.panamax.kernels.parallel.WorkerPool;

/**
 * 2-d convolution (cross-correlation, {@code torch.nn.functional.conv2d}) over NCHW data with
 * OIHW weights, stride, zero padding, dilation and groups, forward and backward. How a shape is
 * computed (depthwise, direct, pointwise GEMM, implicit GEMM or im2col and GEMM, per pass) and
 * the workspace that takes are a {@link Conv2dPlan}: made once per layer and input shape and
 * passed to {@link #forward(Conv2dPlan, int, MemorySegment, long, MemorySegment, long, MemorySegment, long,
 * MemorySegment, long, MemorySegment, long) forward} and {@link #backward(Conv2dPlan, int, MemorySegment, long,
 * MemorySegment, long, MemorySegment, long, MemorySegment, long, MemorySegment, long, MemorySegment, long,
 * MemorySegment, long) backward}. The entry points without a plan make the automatic one at each call.
 *
 * <p>Workspace: {@link Conv2dPlan#workspaceFloats} floats, provided by the caller and reused by
 * every call (a fresh buffer per call would cost page faults); any workspace down to
 * {@link Conv2dPlan#minimumWorkspaceFloats} works, on fewer threads and smaller im2col chunks.
 */
public final class Conv2d {

    /** The bound on the default workspace of one convolution (all threads): 32 MiB. */
    public static final long WORKSPACE_BUDGET_BYTES = Im2colConvolution.BUDGET_BYTES;

    private Conv2d() {
    }

    /**
     * The workspace of the automatic plan ({@link Conv2dPlan#of}) for the pool's current threads.
     *
     * @param image   geometry of one image with all C channels
     * @param groups  channel groups (C and outChannels divisible by it)
     * @return at most {@link #WORKSPACE_BUDGET_BYTES} unless even one output row at a time needs more
     */
    public static long workspaceFloats(ConvGeometry image, int groups, int outChannels) {
        return Conv2dPlan.of(image, groups, outChannels).workspaceFloats();
    }

    /** The least workspace the automatic plan accepts ({@link Conv2dPlan#minimumWorkspaceFloats}). */
    public static long minimumWorkspaceFloats(ConvGeometry image, int groups, int outChannels) {
        return Conv2dPlan.of(image, groups, outChannels).minimumWorkspaceFloats();
    }

    /** Threads a call may use: the plan's, and no more than the pool has now. */
    private static int threads(Conv2dPlan plan) {
        return Math.min(plan.threads(), WorkerPool.threads());
    }

    /** dx by {@link ImplicitConv2d#adjoint}, images over the pool. */
    private static void implicitBackward(int images, int groups, ConvGeometry image, ConvGeometry g, ConvGeometry a,
                                         int outChannels, int og, int threads, MemorySegment w, long wOff,
                                         MemorySegment dy, long dyOff, MemorySegment dx, long dxOff, MemorySegment work,
                                         long workOff) {
        int cg = g.channels();
        long k = g.colRows();
        long l = g.colCols();
        for (int q = 0; q < groups; q++) {
            ImplicitConv2d.flip(og, cg, g.kernelH(), g.kernelW(), w, wOff + q * og * k, work, workOff + q * og * k);
        }
        implicitOverImages(images, groups, a, cg, threads, dy, dyOff, (long) outChannels * l, og * l, work, workOff, og * k,
                dx, dxOff, image.imageSize(), g.imageSize(), work, workOff + outChannels * k);
    }

    /**
     * dW by {@link ImplicitConv2d#weightGradient}: images over the pool, each thread summing into
     * a {@code dW^T [groups][C_g kH kW][O_g]} of its own at the end of its workspace slice; the
     * slices are then added and transposed into {@code dw [O, C_g, kH, kW]}. With fewer images than
     * threads the GEMMs themselves run in parallel.
     */
    private static void implicitWeightGradient(int images, int groups, ConvGeometry image, ConvGeometry g, int outChannels,
                                               int og, int threads, MemorySegment x, long xOff, MemorySegment dy,
                                               long dyOff, MemorySegment dw, long dwOff, MemorySegment work, long workOff) {
        long k = g.colRows();
        long l = g.colCols();
        long grad = outChannels * k;
        long slice = ImplicitConv2d.weightGradientFloats(g, og, outChannels);
        int parts = WorkerPool.shareable(x, dy, work)
                ? (int) Math.max(1, Math.min(Math.min(threads, images), slices(work, workOff, slice))) : 1;
        ImplicitImages job = IMPLICIT_IMAGES.claim();
        job.weightGradient = true;
        job.problem(images, g, work, workOff);
        job.operands(x, xOff, null, 0, dy, dyOff);
        job.layout(groups, og, image.imageSize(), g.imageSize(), 0, (long) outChannels * l, og * l, slice);
        job.grad = grad;
        job.k = k;
        WorkerPool.run(parts, job);
        Im2colConvolution.sumTransposed(parts, slice, groups, og, (int) k, work, workOff + slice - grad, dw, dwOff);
    }

    /**
     * {@link ImplicitConv2d#forward} of geometry {@code g} for every image and group, images split
     * over the pool with a workspace slice each from {@code slicesAt}: one GEMM per image on one
     * thread scales better than every GEMM split in two (ResNet 3x3 forward, 2 threads: 12.5 ms
     * with the GEMMs split, 10.8 this way). Strides in floats: per image and per group of x and y,
     * per group of w.
     */
    private static void implicitOverImages(int images, int groups, ConvGeometry g, int og, int threads,
                                           MemorySegment x, long xOff, long xImage, long xGroup,
                                           MemorySegment w, long wOff, long wGroup,
                                           MemorySegment y, long yOff, long yImage, long yGroup,
                                           MemorySegment work, long slicesAt) {
        long slice = ImplicitConv2d.forwardFloats(g, og);
        long available = work.byteSize() / Float.BYTES - slicesAt;
        int parts = (int) Math.min(Math.min(threads, images), available / slice);
        ImplicitImages job = IMPLICIT_IMAGES.claim();
        job.weightGradient = false;
        job.problem(images, g, work, slicesAt);
        job.operands(x, xOff, w, wOff, y, yOff);
        job.layout(groups, og, xImage, xGroup, wGroup, yImage, yGroup, slice);
        WorkerPool.run(WorkerPool.shareable(x, w, y, work) ? parts : 1, job);
    }

    private static final WorkerPool.PerThread<ImplicitImages> IMPLICIT_IMAGES = new WorkerPool.PerThread<>(ImplicitImages::new);

    /**
     * An implicit-GEMM call split by images (see {@link WorkerPool.Job}): block {@code index} takes
     * its share of the images and workspace slice {@code index}; forward ({@link #implicitOverImages})
     * or the weight gradient ({@link #implicitWeightGradient}, y holding dy). Strides in floats, per
     * image and per group of x and y, per group of w.
     */
    private static final class ImplicitImages extends ConvJob {
        boolean weightGradient;
        int groups;
        int og;
        long xImage;
        long xGroup;
        long wGroup;
        long yImage;
        long yGroup;
        long slice;
        /** Weight gradient: floats of a slice's dW^T, and the rows of each group's. */
        long grad;
        long k;

        void layout(int groups, int og, long xImage, long xGroup, long wGroup, long yImage, long yGroup, long slice) {
            this.groups = groups;
            this.og = og;
            this.xImage = xImage;
            this.xGroup = xGroup;
            this.wGroup = wGroup;
            this.yImage = yImage;
            this.yGroup = yGroup;
            this.slice = slice;
        }

        @Override
        public void run(int index, int count) {
            long at = workOff + index * slice;
            if (weightGradient) {
                long gradAt = at + slice - grad;
                FloatLanes.fill(work, gradAt, grad, 0f);
                for (int n = images * index / count; n < images * (index + 1) / count; n++) {
                    for (int q = 0; q < groups; q++) {
                        ImplicitConv2d.weightGradient(g, og, x, xOff + n * xImage + q * xGroup, y, yOff + n * yImage + q * yGroup,
                                work, at, gradAt + q * og * k);
                    }
                }
                return;
            }
            if (groups == 1 && ImplicitConv2d.byTaps(g, og)) {
                // the weights by tap once per thread, at the end of its slice
                long wt = ImplicitConv2d.weightsByTapAt(g, og, at);
                ImplicitConv2d.weightsByTap(g, og, w, wOff, work, wt);
                for (int n = images * index / count; n < images * (index + 1) / count; n++) {
                    ImplicitConv2d.forwardByTaps(g, og, x, xOff + n * xImage, work, wt, y, yOff + n * yImage, work, at);
                }
                return;
            }
            long[] rows = tapRows(g);
            for (int n = images * index / count; n < images * (index + 1) / count; n++) {
                for (int q = 0; q < groups; q++) {
                    ImplicitConv2d.forward(g, og, x, xOff + n * xImage + q * xGroup, w, wOff + q * wGroup,
                            y, yOff + n * yImage + q * yGroup, work, at, rows);
                }
            }
        }
    }

    /**
     * {@link WinogradConv2d} of geometry {@code g} (per group) for every image and group: the
     * filters of every group transformed once at the workspace's head (those of the input gradient
     * with {@code adjoint}, w being the forward pass's) and packed for the GEMMs, then every
     * (image, group, block of tile rows of {@code blockBytes}) a task, the tasks split over the
     * pool, each thread in a workspace slice of its own.
     * A batch-1 image keeps both threads busy this way. Strides in floats: per image and per group
     * of x and y.
     */
    private static void winograd(int images, int groups, ConvGeometry g, int outs, boolean adjoint, long blockBytes,
                                 int threads,
                                 MemorySegment x, long xOff, long xImage, long xGroup, MemorySegment w, long wOff,
                                 MemorySegment y, long yOff, long yImage, long yGroup, MemorySegment work, long workOff) {
        int ins = g.channels();
        long filters = WinogradConv2d.filterFloats(1, outs, ins);
        for (int q = 0; q < groups; q++) {
            WinogradConv2d.transformFilters(outs, ins, adjoint, w, wOff + q * outs * ins * 9L, work, workOff + q * filters);
        }
        blockBytes = WinogradConv2d.blockBytesForTasks(blockBytes, images, groups, g, outs, threads);
        long slice = WinogradConv2d.sliceFloats(g, outs, blockBytes);
        long slicesAt = workOff + groups * filters;
        WinogradBlocks job = WINOGRAD_BLOCKS.claim();
        WinogradConv2d.Tiling tiling = WinogradConv2d.Tiling.of(job.tiling, g, outs, blockBytes);
        long tasks = (long) images * groups * tiling.blocks();
        int parts = (int) Math.max(1, Math.min(Math.min(threads, tasks), slices(work, slicesAt, slice)));
        WinogradConv2d.packFilters(groups, outs, ins, work, workOff, job.packedFilters(groups * WinogradConv2d.POINTS));
        job.weightGradient = false;
        job.problem(images, g, work, slicesAt);
        job.operands(x, xOff, null, 0, y, yOff);
        job.layout(groups, outs, tiling, filters, slice, xImage, xGroup, yImage, yGroup);
        WorkerPool.run(WorkerPool.shareable(x, y, work) ? parts : 1, job);
    }

    /**
     * dW by {@link WinogradConv2d#block}: the (image, group, block of tile rows)
     * tasks split over the pool, each thread summing a {@code dU [groups][16][O_g][C_g]} of its own
     * at the end of its slice; the slices' dU are then added into the first and turned into dW
     * ({@link WinogradConv2d#gradientToFilters}).
     */
    private static void winogradWeightGradient(int images, int groups, ConvGeometry image, ConvGeometry g, int outChannels,
                                               int og, long blockBytes, int threads, MemorySegment x, long xOff,
                                               MemorySegment dy, long dyOff, MemorySegment dw, long dwOff,
                                               MemorySegment work, long workOff) {
        int cg = g.channels();
        long l = g.colCols();
        long filters = WinogradConv2d.filterFloats(1, og, cg);
        blockBytes = WinogradConv2d.blockBytesForTasks(blockBytes, images, groups, g, og, threads);
        long slice = WinogradConv2d.gradientSliceFloats(groups, g, og, blockBytes);
        WinogradBlocks job = WINOGRAD_BLOCKS.claim();
        WinogradConv2d.Tiling tiling = WinogradConv2d.Tiling.of(job.tiling, g, og, blockBytes);
        long tasks = (long) images * groups * tiling.blocks();
        // one part where the pool cannot reach the segments (a confined arena's): every slice
        // counted here is summed below, so a part that did not run would add a slice never written
        int parts = WorkerPool.shareable(x, dy, work)
                ? (int) Math.max(1, Math.min(Math.min(threads, tasks), slices(work, workOff, slice))) : 1;
        job.weightGradient = true;
        job.problem(images, g, work, workOff);
        job.operands(x, xOff, null, 0, dy, dyOff);
        job.layout(groups, og, tiling, filters, slice, image.imageSize(), g.imageSize(), (long) outChannels * l,
                og * l);
        WorkerPool.run(parts, job);
        long grads = groups * filters;
        long first = workOff + slice - grads;
        for (int index = 1; index < parts; index++) {
            Blas1.saxpy(grads, 1f, work, first + index * slice, work, first);
        }
        for (int q = 0; q < groups; q++) {
            WinogradConv2d.gradientToFilters(og, cg, work, first + q * filters, dw, dwOff + q * og * cg * 9L);
        }
    }

    private static final WorkerPool.PerThread<WinogradBlocks> WINOGRAD_BLOCKS = new WorkerPool.PerThread<>(WinogradBlocks::new);

    /**
     * A Winograd call's tasks: the forward pass or input gradient ({@link #winograd}, the
     * transformed filters packed in the job) or the weight gradient
     * ({@link #winogradWeightGradient}, y holding dy). Block {@code index} takes its share of the
     * (image, group, block of tile rows) tasks in that order.
     */
    private static final class WinogradBlocks extends ConvJob {
        boolean weightGradient;
        int groups;
        int outs;
        /**
         * Worked out once per call, and the last call's kept where it is the same: made in each
         * block, or in each call, it was an object that escape analysis did not remove (a ResNet
         * 3x3 forward of eight images allocated 361 B per call, then 96, now none).
         */
        WinogradConv2d.Tiling tiling;
        /**
         * The forward pass's filters packed for its GEMMs ({@link WinogradConv2d#packFilters}), by
         * the calling thread before the tasks start; kept with the job, so that the same shape on
         * the same thread packs into the same arrays again.
         */
        private PackedMatrixA[] packed = new PackedMatrixA[0];
        long filters;
        long slice;
        long xImage;
        long xGroup;
        long yImage;
        long yGroup;

        /** The tasks' shape, the workspace slices, and the strides in floats per image and per group of x and y. */
        void layout(int groups, int outs, WinogradConv2d.Tiling tiling, long filters, long slice, long xImage, long xGroup,
                    long yImage, long yGroup) {
            this.groups = groups;
            this.outs = outs;
            this.tiling = tiling;
            this.filters = filters;
            this.slice = slice;
            this.xImage = xImage;
            this.xGroup = xGroup;
            this.yImage = yImage;
            this.yGroup = yGroup;
        }

        /** At least {@code count} packings, grown (and kept) as needed. */
        PackedMatrixA[] packedFilters(int count) {
            if (packed.length < count) {
                PackedMatrixA[] grown = Arrays.copyOf(packed, count);
                for (int i = packed.length; i < count; i++) {
                    grown[i] = new PackedMatrixA();
                }
                packed = grown;
            }
            return packed;
        }

        @Override
        public void run(int index, int count) {
            int blocks = tiling.blocks();
            long tasks = (long) images * groups * blocks;
            long at = workOff + index * slice;
            long grads = weightGradient ? groups * filters : 0;
            if (weightGradient) {
                FloatLanes.fill(work, at + slice - grads, grads, 0f);
            }
            for (long task = tasks * index / count; task < tasks * (index + 1) / count; task++) {
                int block = (int) (task % blocks);
                int q = (int) (task / blocks % groups);
                long n = task / ((long) blocks * groups);
                long xAt = xOff + n * xImage + q * xGroup;
                long yAt = yOff + n * yImage + q * yGroup;
                // the forward pass reads the packed filters; the weight gradient sums into its own dU
                WinogradConv2d.block(g, outs, tiling, block, x, xAt, weightGradient ? null : packed,
                        q * WinogradConv2d.POINTS, work, at + slice - grads + q * filters, y, yAt, work, at);
            }
        }
    }

    /**
     * Threads that split each image (its output channels, or its output rows: see
     * {@link #splitRows}), when there are fewer images than threads (batch-1 inference): as many
     * parts as the pool and the kernel's pairs of channels allow; 1 when the images alone keep
     * the pool busy.
     */
    private static int imageParts(int images, int outChannels, int threads, MemorySegment x, MemorySegment w,
                                    MemorySegment y) {
        if (images >= threads) {
            return 1;
        }
        int parts = Math.min(threads, (outChannels + 1) / 2);
        return parts > 1 && WorkerPool.shareable(x, w, y) ? parts : 1;
    }

    /** How many workspace slices of {@code slice} floats fit in {@code work} from {@code workOff}. */
    private static long slices(MemorySegment work, long workOff, long slice) {
        return (work.byteSize() / Float.BYTES - workOff) / slice;
    }

    /**
     * Whether one image splits over {@code parts} threads by its output rows rather than its
     * output channels: when the kernel's pairs of channels do not divide evenly (LeNet-5's 6
     * channels on two threads split 2 : 4, and 3 : 3 would cost 4 : 4, the kernel's blocks being
     * 4 and 2 channels). Split by rows, each thread pads the whole image and reads all the weights.
     */
    private static boolean splitRows(int outChannels, int parts, int outHeight) {
        return (outChannels + 1) / 2 % parts != 0 && outHeight >= parts;
    }

    /**
     * The direct path one image at a time, each image's output channels or output rows split over
     * {@code parts} threads: a convolution with a subset of the output channels is the same
     * convolution of the same input with those rows of the weight, a subset of the output rows
     * is the same sums at those positions, and every output element is summed in the same order
     * whichever block computes it, so the result is the same as unsplit, bit for bit. Each thread
     * adds the bias of its outputs: left to the calling thread afterwards, the bias took longer
     * than the convolution had saved (the workers spin beside it on this machine's cores).
     */
    private static void directOverImage(int images, DirectBlocks.Split split, int parts, ConvGeometry image,
                                        ConvGeometry g, int outChannels, MemorySegment x, long xOff, MemorySegment w,
                                        long wOff, MemorySegment bias, long bOff, MemorySegment y, long yOff,
                                        DirectConv2d.Epilogue epilogue) {
        for (int n = 0; n < images; n++) {
            DirectBlocks job = DIRECT_BLOCKS.claim();
            job.split = split;
            job.epilogue = epilogue;
            job.problem(1, g, null, 0);
            job.outChannels = outChannels;
            job.operands(x, xOff + (long) n * image.imageSize(), w, wOff, y,
                    yOff + (long) n * outChannels * outPlane(g, epilogue));
            job.bias = bias;
            job.bOff = bOff;
            WorkerPool.run(parts, job);
        }
    }

    /** Block {@code index} of {@code count} of {@link #directOverImage} by channels, for one image. */
    private static void directChannels(int index, int count, ConvGeometry g, int outChannels, MemorySegment x, long xAt,
                                       MemorySegment w, long wOff, MemorySegment bias, long bOff, MemorySegment y, long yAt,
                                       DirectConv2d.Epilogue epilogue) {
        long k = g.colRows();
        int pairs = (outChannels + 1) / 2;
        int from = 2 * (pairs * index / count);
        int to = Math.min(outChannels, 2 * (pairs * (index + 1) / count));
        if (from < to) {
            DirectConv2d.forwardRows(g, to - from, 0, convRows(g, epilogue), x, xAt, w, wOff + from * k, bias,
                    bOff + from, y, yAt + from * outPlane(g, epilogue), DirectConv2d.tapRows(g, to - from), epilogue);
        }
    }

    /** Block {@code index} of {@code count} of {@link #directOverImage} by output rows, for one image. */
    private static void directRows(int index, int count, ConvGeometry g, int outChannels, MemorySegment x, long xAt,
                                   MemorySegment w, long wOff, MemorySegment bias, long bOff, MemorySegment y, long yAt,
                                   DirectConv2d.Epilogue epilogue) {
        // pooled, each part computes whole pairs of output rows
        int unit = epilogue == DirectConv2d.Epilogue.NONE ? 1 : 2;
        int units = g.outHeight() / unit;
        int from = unit * (units * index / count);
        int to = unit * (units * (index + 1) / count);
        if (from < to) {
            DirectConv2d.forwardRows(g, outChannels, from, to, x, xAt, w, wOff, bias, bOff, y, yAt,
                    DirectConv2d.tapRows(g, outChannels), epilogue);
        }
    }

    /**
     * Block {@code index} of {@code count} of the direct forward pass: its share of the images.
     * Called directly when one block does all the work, and by {@link DirectBlocks} when the pool
     * shares it.
     */
    private static void directImages(int index, int count, int images, int groups, ConvGeometry image, ConvGeometry g,
                                     int outChannels, int og, MemorySegment x, long xOff, MemorySegment w, long wOff,
                                     MemorySegment bias, long bOff, MemorySegment y, long yOff, DirectConv2d.Epilogue epilogue) {
        long k = g.colRows();
        long l = outPlane(g, epilogue);
        long[] rows = DirectConv2d.tapRows(g, og);
        for (int n = images * index / count; n < images * (index + 1) / count; n++) {
            for (int q = 0; q < groups; q++) {
                DirectConv2d.forwardRows(g, og, 0, convRows(g, epilogue), x,
                        xOff + (long) n * image.imageSize() + q * g.imageSize(), w, wOff + (long) q * og * k, bias,
                        bOff + (long) q * og, y, yOff + ((long) n * outChannels + (long) q * og) * l, rows, epilogue);
            }
        }
    }

    /** Floats of one output plane: the convolution's, or, pooled, the 2 x 2 pool's of it. */
    private static long outPlane(ConvGeometry g, DirectConv2d.Epilogue epilogue) {
        return epilogue == DirectConv2d.Epilogue.NONE ? g.colCols() : (long) (g.outHeight() / 2) * (g.outWidth() / 2);
    }

    /** The output rows computed: all, or, pooled, those the pool reads (a last odd row it drops is not). */
    private static int convRows(ConvGeometry g, DirectConv2d.Epilogue epilogue) {
        return epilogue == DirectConv2d.Epilogue.NONE ? g.outHeight() : g.outHeight() / 2 * 2;
    }

    /** Row starts for the implicit GEMM of one group: one per tap of the input. */
    private static long[] tapRows(ConvGeometry g) {
        return WideLayout.rowStarts((int) g.colRows());
    }

    /**
     * {@code y = conv2d(x, w) + bias} by the automatic plan: x {@code [N, C, H, W]}, w
     * {@code [O, C/groups, kH, kW]}, bias {@code [O]} or null, y {@code [N, O, Hout, Wout]}
     * (written), all contiguous.
     */
    public static void forward(int images, int groups, ConvGeometry image, int outChannels,
                               MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment bias, long bOff,
                               MemorySegment y, long yOff, MemorySegment work, long workOff) {
        forward(Conv2dPlan.of(image, groups, outChannels), images, x, xOff, w, wOff, bias, bOff, y, yOff, work, workOff);
    }

    /**
     * {@code y = conv2d(x, w) + bias} as {@code plan} says, for {@code images} images of the
     * plan's shape: x {@code [N, C, H, W]}, w {@code [O, C/groups, kH, kW]}, bias {@code [O]} or
     * null, y {@code [N, O, Hout, Wout]} (written), all contiguous; a workspace of at least
     * {@link Conv2dPlan#minimumWorkspaceFloats} floats from {@code workOff}.
     */
    public static void forward(Conv2dPlan plan, int images, MemorySegment x, long xOff, MemorySegment w, long wOff,
                               MemorySegment bias, long bOff, MemorySegment y, long yOff, MemorySegment work, long workOff) {
        ConvGeometry image = plan.image();
        int groups = plan.groups();
        int outChannels = plan.outChannels();
        Checks.notNull("x", x);
        ConvGeometry g = check(plan, images, x, xOff, w, wOff, bias, bOff, y, yOff, work, workOff);
        if (images == 0) {
            return;         // no output, and no kernel's scratch (a depthwise plane) is worth taking for it
        }
        if (image.channels() == 0) {
            // no input channels: an empty sum, so the bias alone (PyTorch allows in_channels = 0)
            FloatLanes.fill(y, yOff, (long) images * outChannels * g.colCols(), 0f);
            if (bias != null) {
                ChannelBias.add(images, outChannels, g.colCols(), bias, bOff, y, yOff);
            }
            return;
        }
        int threads = threads(plan);
        int og = outChannels / groups;
        long k = g.colRows();
        long l = g.colCols();
        ConvAlgorithm by = plan.forward(images);
        switch (by) {
            case DEPTHWISE -> {
                DepthwiseConv2d.forward(images, image, threads, x, xOff, w, wOff, bias, bOff, y, yOff);
                return;
            }
            case DIRECT -> {
                direct(images, groups, image, g, outChannels, threads, x, xOff, w, wOff, bias, bOff, y, yOff,
                        DirectConv2d.Epilogue.NONE);
                return;     // the bias went with the narrowing of each block
            }
            case IMPLICIT_GEMM -> implicitOverImages(images, groups, g, og, threads, x, xOff, image.imageSize(),
                    g.imageSize(), w, wOff, og * k, y, yOff, (long) outChannels * l, og * l, work, workOff);
            case WINOGRAD -> winograd(images, groups, g, og, false, plan.winogradBlockBytes(), threads, x, xOff,
                    image.imageSize(), g.imageSize(), w, wOff, y, yOff, (long) outChannels * l, og * l, work, workOff);
            case POINTWISE_GEMM, IM2COL_GEMM -> Im2colConvolution.forward(images, groups, image, g, outChannels,
                    by == ConvAlgorithm.POINTWISE_GEMM, threads, x, xOff, w, wOff, y, yOff, work, workOff);
        }
        if (bias != null) {
            ChannelBias.add(images, outChannels, l, bias, bOff, y, yOff);
        }
    }

    /**
     * The direct path's forward, the bias added as each block narrows its outputs, or, with
     * a pooling epilogue, {@code max_pool2d(relu(conv + bias), 2)} or {@code avg_pool2d} written
     * instead ({@link #forwardReluPool}).
     */
    private static void direct(int images, int groups, ConvGeometry image, ConvGeometry g, int outChannels, int threads,
                               MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment bias, long bOff,
                               MemorySegment y, long yOff, DirectConv2d.Epilogue epilogue) {
        int og = outChannels / groups;
        int imageParts = groups == 1 ? imageParts(images, outChannels, threads, x, w, y) : 1;
        if (imageParts > 1) {
            boolean rows = splitRows(outChannels, imageParts,
                    epilogue == DirectConv2d.Epilogue.NONE ? g.outHeight() : g.outHeight() / 2);
            directOverImage(images, rows ? DirectBlocks.Split.ROWS : DirectBlocks.Split.CHANNELS, imageParts,
                    image, g, outChannels, x, xOff, w, wOff, bias, bOff, y, yOff, epilogue);
            return;
        }
        // images are independent: split them over the pool (the kernel's scratch is per thread)
        int parts = Math.min(threads, images);
        if (parts <= 1 || !WorkerPool.shareable(x, w, y)) {
            directImages(0, 1, images, groups, image, g, outChannels, og, x, xOff, w, wOff, bias, bOff, y, yOff,
                    epilogue);
        } else {
            DirectBlocks job = DIRECT_BLOCKS.claim();
            job.split = DirectBlocks.Split.IMAGES_FORWARD;
            job.epilogue = epilogue;
            job.images(images, groups, image, g, outChannels, og, null, 0, 0);
            job.operands(x, xOff, w, wOff, y, yOff);
            job.bias = bias;
            job.bOff = bOff;
            WorkerPool.run(parts, job);
        }
    }

    /**
     * Whether {@link #forwardReluPool} takes this plan: its forward algorithm is the direct one,
     * whose blocks pool the outputs as they store them, and the output is at least 2 x 2.
     */
    public static boolean fusesReluPool(Conv2dPlan plan) {
        ConvGeometry g = Objects.requireNonNull(plan, "plan").group();
        return plan.forward() == ConvAlgorithm.DIRECT && g.outHeight() >= 2 && g.outWidth() >= 2;
    }

    /**
     * {@code y = max_pool2d(relu(conv2d(x, w) + bias), 2)}, or {@code avg_pool2d} when
     * {@code average}, in one pass, for inference: PyTorch's {@code Conv2d}, {@code ReLU} and
     * {@code MaxPool2d(2)} or {@code AvgPool2d(2)} in a row, the values those of {@link #forward},
     * the ReLU kernel and the pool kernel run one after the other (a NaN's payload aside), without
     * the full-size output ever being written. x {@code [N, C, H, W]}, w
     * {@code [O, C/groups, kH, kW]}, bias {@code [O]} or null, y {@code [N, O, Hout / 2, Wout / 2]}
     * (written; floor mode, so a last odd output row or column is dropped), all contiguous; no
     * workspace. Only for plans {@link #fusesReluPool} accepts.
     */
    public static void forwardReluPool(Conv2dPlan plan, boolean average, int images, MemorySegment x, long xOff,
                                       MemorySegment w, long wOff, MemorySegment bias, long bOff, MemorySegment y,
                                       long yOff) {
        if (!fusesReluPool(plan)) {
            throw new IllegalArgumentException("ReLU and pooling fuse only into the direct forward with an output of at "
                    + "least 2 x 2; this plan's forward is " + plan.forward() + " with outputs of " + plan.group().outHeight()
                    + " x " + plan.group().outWidth() + " (call forward, then the ReLU and pooling kernels)");
        }
        Checks.nonNegative("N", images);
        ConvGeometry image = plan.image();
        ConvGeometry g = plan.group();
        int outChannels = plan.outChannels();
        Checks.notNull("x", x);
        Checks.floats("x", x, xOff, Checks.elements(images, image.imageSize()));
        Checks.floats("weight", w, wOff, Checks.elements(outChannels, g.colRows()));
        if (bias != null) {
            Checks.floats("bias", bias, bOff, outChannels);
        }
        DirectConv2d.Epilogue epilogue = average ? DirectConv2d.Epilogue.RELU_AVG_POOL : DirectConv2d.Epilogue.RELU_MAX_POOL;
        long plane = outPlane(g, epilogue);
        Checks.floats("y", y, yOff, Checks.elements(images, outChannels, plane));
        if (image.channels() == 0) {
            // no input channels: every output of a plane is the pool of four copies of relu(bias)
            for (int n = 0; n < images; n++) {
                for (int o = 0; o < outChannels; o++) {
                    float v = bias == null ? 0f : Math.max(FloatLanes.get(bias, bOff + o), 0f);
                    FloatLanes.fill(y, yOff + ((long) n * outChannels + o) * plane, plane, average ? (v + v + v + v) * 0.25f : v);
                }
            }
            return;
        }
        direct(images, plan.groups(), image, g, outChannels, threads(plan), x, xOff, w, wOff, bias, bOff, y, yOff,
                epilogue);
    }

    /**
     * Gradients by the automatic plan: {@code dx} (written, or null), {@code dw} (written, or
     * null), {@code db} (written, or null) from the upstream gradient {@code dy [N, O, Hout, Wout]}.
     */
    public static void backward(int images, int groups, ConvGeometry image, int outChannels,
                                MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment dy, long dyOff,
                                MemorySegment dx, long dxOff, MemorySegment dw, long dwOff, MemorySegment db, long dbOff,
                                MemorySegment work, long workOff) {
        backward(Conv2dPlan.of(image, groups, outChannels), images, x, xOff, w, wOff, dy, dyOff, dx, dxOff, dw, dwOff, db,
                dbOff, work, workOff);
    }

    /**
     * Gradients as {@code plan} says: {@code dx} (written, or null), {@code dw} (written, or null),
     * {@code db} (written, or null) from the upstream gradient {@code dy [N, O, Hout, Wout]}. The
     * input {@code x} is read only for dw, and may be null without it.
     */
    public static void backward(Conv2dPlan plan, int images, MemorySegment x, long xOff, MemorySegment w, long wOff,
                                MemorySegment dy, long dyOff, MemorySegment dx, long dxOff, MemorySegment dw, long dwOff,
                                MemorySegment db, long dbOff, MemorySegment work, long workOff) {
        ConvGeometry image = plan.image();
        int groups = plan.groups();
        int outChannels = plan.outChannels();
        if (dw != null) {
            Checks.notNull("x (dW needs it)", x);
        }
        ConvGeometry g = check(plan, images, x, xOff, w, wOff, db, dbOff, dy, dyOff, work, workOff);
        int og = outChannels / groups;
        long k = g.colRows();
        long l = g.colCols();
        if (dx != null) {
            Checks.floats("dx", dx, dxOff, Checks.elements(images, image.imageSize()));
        }
        if (db != null) {
            Checks.floats("db", db, dbOff, outChannels);
        }
        if (dw != null) {
            Checks.floats("dw", dw, dwOff, Checks.elements(outChannels, k));
        }
        if (images == 0) {
            // no image: the gradients of the weights and bias are zero sums, written as such
            if (dw != null) {
                FloatLanes.fill(dw, dwOff, outChannels * k, 0f);
            }
            if (db != null) {
                FloatLanes.fill(db, dbOff, outChannels, 0f);
            }
            return;
        }
        if (image.channels() == 0) {
            if (db != null) {                                 // dx and dw are empty
                ChannelBias.gradient(threads(plan), images, outChannels, l, dy, dyOff, db, dbOff);
            }
            return;
        }
        int threads = threads(plan);
        if (plan.forward() == ConvAlgorithm.DEPTHWISE) {          // all three, by Conv2dPlan's rule
            DepthwiseConv2d.backward(images, image, threads, x, xOff, w, wOff, dy, dyOff, dx, dxOff, dw, dwOff, db, dbOff);
            return;
        }
        ConvAlgorithm dxBy = plan.inputGradient();
        ConvAlgorithm dwBy = plan.weightGradient();
        if (dxBy == ConvAlgorithm.DIRECT || dwBy == ConvAlgorithm.DIRECT) {
            directBackward(images, groups, image, g, outChannels, og, threads, x, xOff, w, wOff, dy, dyOff,
                    dxBy == ConvAlgorithm.DIRECT ? dx : null, dxOff,
                    dwBy == ConvAlgorithm.DIRECT ? dw : null, dwOff, work, workOff, plan.directSliceFloats());
        }
        // the GEMM passes: one im2col of a chunk serves dx and dW when both take the same one
        for (int pass = 0; pass < 2; pass++) {
            ConvAlgorithm by = pass == 0 ? ConvAlgorithm.IM2COL_GEMM : ConvAlgorithm.POINTWISE_GEMM;
            MemorySegment dxHere = dxBy == by ? dx : null;
            MemorySegment dwHere = dwBy == by ? dw : null;
            if (dxHere != null || dwHere != null) {
                Im2colConvolution.backward(images, groups, image, g, outChannels, pass == 1, threads, x, xOff, w, wOff,
                        dy, dyOff, dxHere, dxOff, dwHere, dwOff, null, 0, work, workOff);
            }
        }
        if (dw != null && dwBy == ConvAlgorithm.WINOGRAD) {
            winogradWeightGradient(images, groups, image, g, outChannels, og, plan.winogradBlockBytes(), threads, x, xOff, dy,
                    dyOff, dw, dwOff, work, workOff);
        }
        if (dw != null && dwBy == ConvAlgorithm.IMPLICIT_GEMM) {
            implicitWeightGradient(images, groups, image, g, outChannels, og, threads, x, xOff, dy, dyOff, dw, dwOff, work,
                    workOff);
        }
        if (dx != null && dxBy == ConvAlgorithm.WINOGRAD) {
            winograd(images, groups, plan.adjointGroup(), g.channels(), true, plan.winogradBlockBytes(), threads,
                    dy, dyOff,
                    (long) outChannels * l, og * l, w, wOff, dx, dxOff, image.imageSize(), g.imageSize(), work, workOff);
        }
        if (dx != null && dxBy == ConvAlgorithm.IMPLICIT_GEMM) {
            implicitBackward(images, groups, image, g, plan.adjointGroup(), outChannels, og, threads, w, wOff, dy, dyOff,
                    dx, dxOff, work, workOff);
        }
        if (db != null) {
            ChannelBias.gradient(threads(plan), images, outChannels, l, dy, dyOff, db, dbOff);
        }
    }

    /**
     * The direct path's backward, images split over the pool: each thread writes dX of its
     * images and a weight gradient of its own (thread 0 straight into dW, the others into their
     * workspace slice), summed into dW at the end.
     */
    private static void directBackward(int images, int groups, ConvGeometry image, ConvGeometry g, int outChannels, int og,
                                       int threads, MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment dy, long dyOff,
                                       MemorySegment dx, long dxOff, MemorySegment dw, long dwOff,
                                       MemorySegment work, long workOff, long slice) {
        long k = g.colRows();
        // each thread but the first keeps a weight gradient of its own in its workspace slice
        int parts = (int) Math.max(1, Math.min(Math.min(threads, images), dw == null ? threads : slices(work, workOff, slice)));
        if (parts > 1 && !(WorkerPool.shareable(x, w, dy) && WorkerPool.shareable(dx, dw, work))) {
            parts = 1;
        }
        if (parts == 1) {
            directBackwardBlock(0, 1, images, groups, image, g, outChannels, og, x, xOff, w, wOff, dy, dyOff, dx, dxOff, dw,
                    dwOff, work, workOff, slice);
        } else {
            DirectBlocks job = DIRECT_BLOCKS.claim();
            job.split = DirectBlocks.Split.IMAGES_BACKWARD;
            job.images(images, groups, image, g, outChannels, og, work, workOff, slice);
            job.operands(x, xOff, w, wOff, dy, dyOff);
            job.gradients(dx, dxOff, dw, dwOff, null, 0);
            WorkerPool.run(parts, job);
        }
        if (dw != null) {
            for (int index = 1; index < parts; index++) {
                Blas1.saxpy(outChannels * k, 1f, work, workOff + index * slice, dw, dwOff);
            }
        }
    }

    private static final WorkerPool.PerThread<DirectBlocks> DIRECT_BLOCKS = new WorkerPool.PerThread<>(DirectBlocks::new);

    /**
     * A parallel call of the direct path, its arguments as fields (see {@link WorkerPool.Job}):
     * the images split over the pool, forward or backward, or one image's output channels or rows split.
     */
    private static final class DirectBlocks extends ConvJob {

        enum Split { IMAGES_FORWARD, IMAGES_BACKWARD, CHANNELS, ROWS }

        Split split;
        /** What the blocks store ({@link #forwardReluPool}). */
        DirectConv2d.Epilogue epilogue = DirectConv2d.Epilogue.NONE;
        int groups;
        ConvGeometry image;
        int outChannels;
        int og;
        long slice;

        /** The fields every split over images needs. */
        void images(int images, int groups, ConvGeometry image, ConvGeometry g, int outChannels, int og,
                    MemorySegment work, long workOff, long slice) {
            problem(images, g, work, workOff);
            this.groups = groups;
            this.image = image;
            this.outChannels = outChannels;
            this.og = og;
            this.slice = slice;
        }

        @Override
        public void run(int index, int count) {
            switch (split) {
                case IMAGES_FORWARD -> directImages(index, count, images, groups, image, g, outChannels, og, x, xOff, w,
                        wOff, bias, bOff, y, yOff, epilogue);
                case IMAGES_BACKWARD -> directBackwardBlock(index, count, images, groups, image, g, outChannels, og, x,
                        xOff, w, wOff, y, yOff, dx, dxOff, dw, dwOff, work, workOff, slice);
                case CHANNELS -> directChannels(index, count, g, outChannels, x, xOff, w, wOff, bias, bOff, y, yOff,
                        epilogue);
                case ROWS -> directRows(index, count, g, outChannels, x, xOff, w, wOff, bias, bOff, y, yOff, epilogue);
            }
        }

        @Override
        protected void clear() {
            super.clear();
            image = null;
            epilogue = DirectConv2d.Epilogue.NONE;
        }
    }

    /** Block {@code index} of {@code count} of {@link #directBackward}, as {@link #directImages} is of the forward pass. */
    private static void directBackwardBlock(int index, int count, int images, int groups, ConvGeometry image, ConvGeometry g,
                                            int outChannels, int og, MemorySegment x, long xOff, MemorySegment w, long wOff,
                                            MemorySegment dy, long dyOff, MemorySegment dx, long dxOff, MemorySegment dw,
                                            long dwOff, MemorySegment work, long workOff, long slice) {
        long k = g.colRows();
        long l = g.colCols();
        long[] rows = DirectConv2d.tapRows(g, og);
        long ws = workOff + index * slice;
        MemorySegment gradTo = index == 0 ? dw : work;
        long gradAt = index == 0 ? dwOff : ws;
        int first = images * index / count;
        int end = images * (index + 1) / count;
        for (int q = 0; q < groups; q++) {
            long xAt = xOff + q * g.imageSize();
            long dyAt = dyOff + (long) q * og * l;
            long wAt = wOff + (long) q * og * k;
            int perChunk = DirectConv2d.chunk(g, og);
            for (int n = first; n < end; n += perChunk) {
                int chunk = Math.min(perChunk, end - n);
                if (dw != null) {
                    DirectConv2d.weightGradient(g, og, chunk, x, xAt + (long) n * image.imageSize(), image.imageSize(),
                            dy, dyAt + (long) n * outChannels * l, (long) outChannels * l, gradTo, gradAt + (long) q * og * k,
                            n == first, rows);
                }
                for (int i = n; dx != null && i < n + chunk; i++) {
                    DirectConv2d.inputGradient(g, og, w, wAt, dy, dyAt + (long) i * outChannels * l, dx,
                            dxOff + (long) i * image.imageSize() + q * g.imageSize(), rows);
                }
            }
        }
    }

    static ConvGeometry perGroup(ConvGeometry image, int groups) {
        Checks.positive("groups", groups);
        if (image.channels() % groups != 0) {
            throw new IllegalArgumentException("groups (" + groups + ") must divide the input channels (" + image.channels() + ")");
        }
        return new ConvGeometry(image.channels() / groups, image.height(), image.width(), image.kernelH(), image.kernelW(),
                image.strideH(), image.strideW(), image.padH(), image.padW(), image.dilationH(), image.dilationW());
    }

    private static ConvGeometry check(Conv2dPlan plan, int images, MemorySegment x, long xOff, MemorySegment w, long wOff,
                                      MemorySegment bias, long bOff, MemorySegment y, long yOff, MemorySegment work,
                                      long workOff) {
        Objects.requireNonNull(plan, "plan");
        Checks.nonNegative("N", images);
        ConvGeometry image = plan.image();
        ConvGeometry g = plan.group();
        int outChannels = plan.outChannels();
        if (x != null) {                          // backward: x is read only for dW (see there)
            Checks.floats("x", x, xOff, Checks.elements(images, image.imageSize()));
        }
        Checks.floats("weight", w, wOff, Checks.elements(outChannels, g.colRows()));
        if (bias != null) {
            Checks.floats("bias", bias, bOff, outChannels);
        }
        Checks.floats("y", y, yOff, Checks.elements(images, outChannels, g.colCols()));
        long need = plan.minimumWorkspaceFloats();
        if (need > 0) {
            Checks.floats("workspace", work, workOff, need);
        }
        return g;
    }
}
