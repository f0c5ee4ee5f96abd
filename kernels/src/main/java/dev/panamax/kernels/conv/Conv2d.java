package dev.panamax.kernels.conv;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.gemm.Blas1;
import dev.panamax.kernels.parallel.WorkerPool;

/**
 * 2-d convolution (cross-correlation, {@code torch.nn.functional.conv2d}) over NCHW data with
 * OIHW weights, stride, zero padding, dilation and groups, forward and backward. Each call picks
 * the fastest kernel that takes the shape:
 * <ul>
 * <li>depthwise (groups = channels = output channels, stride 1): the direct {@link DepthwiseConv2d};</li>
 * <li>stride 1 with at most 32 channels per group (LeNet): the direct {@link DirectConv2d};</li>
 * <li>other stride-1 forward passes, and their input gradients (a forward convolution of dy with
 *     the flipped kernel): an implicit GEMM that reads the column matrix from the padded image
 *     inside the GEMM's packing ({@link ImplicitConv2d});</li>
 * <li>everything else, and the other weight and input gradients: im2col and GEMM in bounded chunks
 *     ({@link Im2colConvolution}; a 1 x 1 stride-1 convolution is a GEMM on the image itself).</li>
 * </ul>
 * A kernel whose workspace would exceed {@link #WORKSPACE_BUDGET_BYTES} is passed over.
 *
 * <p>Workspace: {@link #workspaceFloats} floats, provided by the caller and reused by every call
 * (a fresh buffer per call would cost page faults). The im2col path also runs in less, down to
 * {@link #minimumWorkspaceFloats}.
 */
public final class Conv2d {

    /** The bound on the default workspace of one convolution (all threads): 32 MiB. */
    public static final long WORKSPACE_BUDGET_BYTES = Im2colConvolution.BUDGET_BYTES;

    private static final long BUDGET_FLOATS = WORKSPACE_BUDGET_BYTES / Float.BYTES;

    private Conv2d() {
    }

    /**
     * @param image   geometry of one image with all C channels
     * @param groups  channel groups (C and outChannels divisible by it)
     * @return floats of workspace {@link #forward} and {@link #backward} use: at most
     *         {@link #WORKSPACE_BUDGET_BYTES} unless even one output row at a time needs more
     */
    public static long workspaceFloats(ConvGeometry image, int groups, int outChannels) {
        ConvGeometry g = perGroup(image, groups);
        if (DepthwiseConv2d.applies(image, groups, outChannels)) {
            return WorkerPool.threads() * DepthwiseConv2d.workspaceFloats(image);     // a slice per thread
        }
        int og = outChannels / groups;
        if (direct(g, og, outChannels)) {
            return WorkerPool.threads() * directSlice(g, outChannels, og);
        }
        long need = Im2colConvolution.workspaceFloats(g, outChannels);
        if (implicit(g, og)) {
            need = Math.max(need, WorkerPool.threads() * ImplicitConv2d.forwardFloats(g, og));
        }
        if (implicitInputGradient(g, og, outChannels)) {
            need = Math.max(need, implicitDxFloats(g, ImplicitConv2d.adjoint(g, og), outChannels, WorkerPool.threads()));
        }
        return need;
    }

    /**
     * The least workspace {@link #forward} and {@link #backward} accept: the im2col path then runs
     * one output row at a time on one thread; the direct kernels need their whole workspace.
     */
    public static long minimumWorkspaceFloats(ConvGeometry image, int groups, int outChannels) {
        ConvGeometry g = perGroup(image, groups);
        int og = outChannels / groups;
        if (DepthwiseConv2d.applies(image, groups, outChannels) || direct(g, og, outChannels)) {
            return workspaceFloats(image, groups, outChannels);
        }
        long need = Im2colConvolution.minimumFloats(g, outChannels);
        if (implicit(g, og)) {
            need = Math.max(need, ImplicitConv2d.forwardFloats(g, og));
        }
        if (implicitInputGradient(g, og, outChannels)) {
            need = Math.max(need, implicitDxFloats(g, ImplicitConv2d.adjoint(g, og), outChannels, 1));
        }
        return need;
    }

    private static boolean direct(ConvGeometry g, int og, int outChannels) {
        return !Im2colConvolution.pointwise(g) && DirectConv2d.applies(g, og)
                && WorkerPool.threads() * directSlice(g, outChannels, og) <= BUDGET_FLOATS;
    }

    /**
     * Whether dx runs as the implicit forward convolution of dy with the flipped kernel
     * ({@link ImplicitConv2d#adjoint}): ResNet 3x3 on 8 images, dx alone, 1 thread: 24.1 ms by
     * GEMM and col2im, 21 ms this way.
     */
    private static boolean implicitInputGradient(ConvGeometry g, int og, int outChannels) {
        ConvGeometry a = ImplicitConv2d.adjoint(g, og);
        return a != null && !Im2colConvolution.pointwise(g) && implicitDxFloats(g, a, outChannels, WorkerPool.threads()) <= BUDGET_FLOATS;
    }

    /** The flipped kernels of all groups, then one implicit-GEMM slice per thread. */
    private static long implicitDxFloats(ConvGeometry g, ConvGeometry adjoint, int outChannels, int threads) {
        return outChannels * g.colRows() + threads * ImplicitConv2d.forwardFloats(adjoint, g.channels());
    }

    /** dx by {@link ImplicitConv2d#adjoint}, images over the pool. */
    private static void implicitBackward(int images, int groups, ConvGeometry image, ConvGeometry g, int outChannels, int og,
                                         MemorySegment w, long wOff, MemorySegment dy, long dyOff,
                                         MemorySegment dx, long dxOff, MemorySegment work, long workOff) {
        ConvGeometry a = ImplicitConv2d.adjoint(g, og);
        int cg = g.channels();
        long k = g.colRows();
        long l = g.colCols();
        for (int q = 0; q < groups; q++) {
            ImplicitConv2d.flip(og, cg, g.kernelH(), g.kernelW(), w, wOff + q * og * k, work, workOff + q * og * k);
        }
        implicitOverImages(images, groups, a, cg, dy, dyOff, (long) outChannels * l, og * l, work, workOff, og * k,
                dx, dxOff, image.imageSize(), g.imageSize(), work, workOff + outChannels * k);
    }

    /**
     * {@link ImplicitConv2d#forward} of geometry {@code g} for every image and group, images split
     * over the pool with a workspace slice each from {@code slicesAt}: one GEMM per image on one
     * thread scales better than every GEMM split in two (ResNet 3x3 forward, 2 threads: 12.5 ms
     * with the GEMMs split, 10.8 this way). Strides in floats: per image and per group of x and y,
     * per group of w.
     */
    private static void implicitOverImages(int images, int groups, ConvGeometry g, int og,
                                           MemorySegment x, long xOff, long xImage, long xGroup,
                                           MemorySegment w, long wOff, long wGroup,
                                           MemorySegment y, long yOff, long yImage, long yGroup,
                                           MemorySegment work, long slicesAt) {
        long slice = ImplicitConv2d.forwardFloats(g, og);
        long available = work.byteSize() / Float.BYTES - slicesAt;
        int parts = (int) Math.min(Math.min(WorkerPool.threads(), images), available / slice);
        WorkerPool.run(WorkerPool.shareable(x, w, y, work) ? parts : 1, (index, count) -> {
            long[] rows = tapRows(g);
            for (int n = images * index / count; n < images * (index + 1) / count; n++) {
                for (int q = 0; q < groups; q++) {
                    ImplicitConv2d.forward(g, og, x, xOff + n * xImage + q * xGroup, w, wOff + q * wGroup,
                            y, yOff + n * yImage + q * yGroup, work, slicesAt + index * slice, rows);
                }
            }
        });
    }

    private static boolean implicit(ConvGeometry g, int og) {
        return !Im2colConvolution.pointwise(g) && ImplicitConv2d.applies(g)
                && WorkerPool.threads() * ImplicitConv2d.forwardFloats(g, og) <= BUDGET_FLOATS;
    }

    /**
     * One thread's share of the direct path's workspace: its scratch, plus (backward) a private
     * weight gradient that is summed into dW at the end.
     */
    private static long directSlice(ConvGeometry g, int outChannels, int og) {
        return Math.max(DirectConv2d.forwardFloats(g, og), DirectConv2d.backwardFloats(g, og)) + outChannels * g.colRows();
    }

    /**
     * Threads that split each image's output channels, when there are fewer images than threads
     * (batch-1 inference): channels in pairs (the kernel's narrowest block), as many parts as the
     * pool, the pairs and the workspace allow; 1 when the images alone keep the pool busy.
     */
    private static int channelParts(int images, int outChannels, long slices, MemorySegment... shared) {
        if (images >= WorkerPool.threads()) {
            return 1;
        }
        int parts = (int) Math.min(Math.min(WorkerPool.threads(), (outChannels + 1) / 2), slices);
        return parts > 1 && WorkerPool.shareable(shared) ? parts : 1;
    }

    /** How many workspace slices of {@code slice} floats fit in {@code work} from {@code workOff}. */
    private static long slices(MemorySegment work, long workOff, long slice) {
        return (work.byteSize() / Float.BYTES - workOff) / slice;
    }

    /**
     * The direct path one image at a time, each image's output channels split over {@code parts}
     * threads: a convolution with a subset of the output channels is the same convolution of the
     * same input with those rows of the weight, and every output element is summed in the same
     * order whichever block computes it, so the result is the same as unsplit, bit for bit. Each
     * thread adds the bias of its channels: left to the calling thread afterwards, the bias took
     * longer than the convolution had saved (the workers spin beside it on this machine's cores).
     */
    private static void directOverChannels(int images, int parts, ConvGeometry image, ConvGeometry g, int outChannels,
                                           MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment bias,
                                           long bOff, MemorySegment y, long yOff, MemorySegment work, long workOff,
                                           long slice) {
        long k = g.colRows();
        long l = g.colCols();
        int pairs = (outChannels + 1) / 2;
        for (int n = 0; n < images; n++) {
            long xAt = xOff + (long) n * image.imageSize();
            long yAt = yOff + (long) n * outChannels * l;
            WorkerPool.run(parts, (index, count) -> {
                int from = 2 * (pairs * index / count);
                int to = Math.min(outChannels, 2 * (pairs * (index + 1) / count));
                if (from < to) {
                    DirectConv2d.forward(g, to - from, x, xAt, w, wOff + from * k, y, yAt + from * l, work,
                            workOff + index * slice, DirectConv2d.tapRows(g, to - from));
                    if (bias != null) {
                        ChannelBias.add(1, to - from, l, bias, bOff + from, y, yAt + from * l);
                    }
                }
            });
        }
    }

    /** Threads the direct path may use: the pool's, the images and the workspace allow. */
    private static int directParts(int images, ConvGeometry g, int outChannels, int og, MemorySegment work, long workOff,
                                   MemorySegment... shared) {
        int parts = (int) Math.min(Math.min(WorkerPool.threads(), images), slices(work, workOff, directSlice(g, outChannels, og)));
        return parts > 1 && WorkerPool.shareable(shared) ? parts : 1;
    }

    /** Row starts for the implicit GEMM of one group: one per tap of the input. */
    private static long[] tapRows(ConvGeometry g) {
        return WideLayout.rowStarts((int) g.colRows());
    }

    /**
     * {@code y = conv2d(x, w) + bias}: x {@code [N, C, H, W]}, w {@code [O, C/groups, kH, kW]},
     * bias {@code [O]} or null, y {@code [N, O, Hout, Wout]} (written), all contiguous.
     */
    public static void forward(int images, int groups, ConvGeometry image, int outChannels,
                               MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment bias, long bOff,
                               MemorySegment y, long yOff, MemorySegment work, long workOff) {
        ConvGeometry g = check(images, groups, image, outChannels, x, xOff, w, wOff, bias, bOff, y, yOff, work, workOff);
        if (image.channels() == 0) {
            // no input channels: an empty sum, so the bias alone (PyTorch allows in_channels = 0)
            FloatLanes.fill(y, yOff, (long) images * outChannels * g.colCols(), 0f);
            if (bias != null) {
                ChannelBias.add(images, outChannels, g.colCols(), bias, bOff, y, yOff);
            }
            return;
        }
        if (DepthwiseConv2d.applies(image, groups, outChannels)) {
            DepthwiseConv2d.forward(images, image, x, xOff, w, wOff, bias, bOff, y, yOff, work, workOff);
            return;
        }
        int og = outChannels / groups;
        long k = g.colRows();
        long l = g.colCols();
        if (direct(g, og, outChannels)) {
            long slice = directSlice(g, outChannels, og);
            int channelParts = groups == 1 ? channelParts(images, outChannels, slices(work, workOff, slice), x, w, y, work) : 1;
            if (channelParts > 1) {
                directOverChannels(images, channelParts, image, g, outChannels, x, xOff, w, wOff, bias, bOff, y, yOff, work,
                        workOff, slice);
                return;
            }
            // images are independent: split them over the pool, each thread in its own workspace slice
            WorkerPool.run(directParts(images, g, outChannels, og, work, workOff, x, w, y, work), (index, count) -> {
                long[] rows = DirectConv2d.tapRows(g, og);
                for (int n = images * index / count; n < images * (index + 1) / count; n++) {
                    for (int q = 0; q < groups; q++) {
                        DirectConv2d.forward(g, og, x, xOff + (long) n * image.imageSize() + q * g.imageSize(), w,
                                wOff + (long) q * og * k, y, yOff + ((long) n * outChannels + (long) q * og) * l, work,
                                workOff + index * slice, rows);
                    }
                }
            });
        } else if (implicit(g, og)) {
            implicitOverImages(images, groups, g, og, x, xOff, image.imageSize(), g.imageSize(), w, wOff, og * k,
                    y, yOff, (long) outChannels * l, og * l, work, workOff);
        } else {
            Im2colConvolution.forward(images, groups, image, g, outChannels, x, xOff, w, wOff, y, yOff, work, workOff);
        }
        if (bias != null) {
            ChannelBias.add(images, outChannels, l, bias, bOff, y, yOff);
        }
    }

    /**
     * Gradients: {@code dx} (written, or null), {@code dw} (written, or null), {@code db}
     * (written, or null) from the upstream gradient {@code dy [N, O, Hout, Wout]}.
     */
    public static void backward(int images, int groups, ConvGeometry image, int outChannels,
                                MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment dy, long dyOff,
                                MemorySegment dx, long dxOff, MemorySegment dw, long dwOff, MemorySegment db, long dbOff,
                                MemorySegment work, long workOff) {
        ConvGeometry g = check(images, groups, image, outChannels, x, xOff, w, wOff, db, dbOff, dy, dyOff, work, workOff);
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
                ChannelBias.gradient(images, outChannels, l, dy, dyOff, db, dbOff);
            }
            return;
        }
        if (DepthwiseConv2d.applies(image, groups, outChannels)) {
            DepthwiseConv2d.backward(images, image, x, xOff, w, wOff, dy, dyOff, dx, dxOff, dw, dwOff, db, dbOff, work, workOff);
            return;
        }
        if (direct(g, og, outChannels)) {
            directBackward(images, groups, image, g, outChannels, og, x, xOff, w, wOff, dy, dyOff, dx, dxOff, dw, dwOff,
                    work, workOff);
        } else {
            boolean implicitDx = dx != null && implicitInputGradient(g, og, outChannels);
            if (dw != null || (dx != null && !implicitDx)) {
                Im2colConvolution.backward(images, groups, image, g, outChannels, x, xOff, w, wOff, dy, dyOff,
                        implicitDx ? null : dx, dxOff, dw, dwOff, null, 0, work, workOff);
            }
            if (implicitDx) {
                implicitBackward(images, groups, image, g, outChannels, og, w, wOff, dy, dyOff, dx, dxOff, work, workOff);
            }
        }
        if (db != null) {
            ChannelBias.gradient(images, outChannels, l, dy, dyOff, db, dbOff);
        }
    }

    /**
     * The direct path's backward, images split over the pool: each thread writes dX of its
     * images and a weight gradient of its own (thread 0 straight into dW, the others into their
     * workspace slice), summed into dW at the end.
     */
    private static void directBackward(int images, int groups, ConvGeometry image, ConvGeometry g, int outChannels, int og,
                                       MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment dy, long dyOff,
                                       MemorySegment dx, long dxOff, MemorySegment dw, long dwOff,
                                       MemorySegment work, long workOff) {
        long k = g.colRows();
        long l = g.colCols();
        long slice = directSlice(g, outChannels, og);
        long scratch = slice - outChannels * k;
        int parts = directParts(images, g, outChannels, og, work, workOff, x, w, dy, dx, dw, work);
        WorkerPool.run(parts, (index, count) -> {
            long[] rows = DirectConv2d.tapRows(g, og);
            long ws = workOff + index * slice;
            MemorySegment gradTo = index == 0 ? dw : work;
            long gradAt = index == 0 ? dwOff : ws + scratch;
            int first = images * index / count;
            int end = images * (index + 1) / count;
            for (int q = 0; q < groups; q++) {
                long xAt = xOff + q * g.imageSize();
                long dyAt = dyOff + (long) q * og * l;
                long wAt = wOff + (long) q * og * k;
                for (int n = first; n < end; n += DirectConv2d.CHUNK) {
                    int chunk = Math.min(DirectConv2d.CHUNK, end - n);
                    if (dw != null) {
                        DirectConv2d.weightGradient(g, og, chunk, x, xAt + (long) n * image.imageSize(), image.imageSize(),
                                dy, dyAt + (long) n * outChannels * l, (long) outChannels * l, gradTo, gradAt + (long) q * og * k,
                                n == first, work, ws, rows);
                    }
                    for (int i = n; dx != null && i < n + chunk; i++) {
                        DirectConv2d.inputGradient(g, og, w, wAt, dy, dyAt + (long) i * outChannels * l, dx,
                                dxOff + (long) i * image.imageSize() + q * g.imageSize(), work, ws, rows);
                    }
                }
            }
        });
        if (dw != null) {
            for (int index = 1; index < parts; index++) {
                Blas1.saxpy(outChannels * k, 1f, work, workOff + index * slice + scratch, dw, dwOff);
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

    private static ConvGeometry check(int images, int groups, ConvGeometry image, int outChannels,
                                      MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment bias, long bOff,
                                      MemorySegment y, long yOff, MemorySegment work, long workOff) {
        Checks.nonNegative("N", images);
        ConvGeometry g = perGroup(image, groups);
        Checks.positive("out channels", outChannels);
        if (outChannels % groups != 0) {
            throw new IllegalArgumentException("groups (" + groups + ") must divide the output channels (" + outChannels + ")");
        }
        Checks.floats("x", x, xOff, Checks.elements(images, image.imageSize()));
        Checks.floats("weight", w, wOff, Checks.elements(outChannels, g.colRows()));
        if (bias != null) {
            Checks.floats("bias", bias, bOff, outChannels);
        }
        Checks.floats("y", y, yOff, Checks.elements(images, outChannels, g.colCols()));
        long need = minimumWorkspaceFloats(image, groups, outChannels);
        if (need > 0) {
            Checks.floats("workspace", work, workOff, need);
        }
        return g;
    }
}
