package dev.panamax.kernels.conv;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.gemm.Gemm;
import dev.panamax.kernels.parallel.WorkerPool;

/**
 * Convolution by im2col and GEMM, for every shape the direct kernels do not take: per image,
 * group and chunk of output rows, {@code y[:, chunk] = W_g [Og, K] x col [K, chunk]} with
 * {@code K = C/groups kH kW}. A 1 x 1, stride-1, unpadded convolution reads the image itself as
 * the column matrix.
 *
 * <p><b>Bounded workspace.</b> The column matrix of a whole image can be huge (512 channels of
 * 3 x 3 on 224 x 224: 925 MB), so the output rows are taken in chunks whose column matrix fits the
 * workspace: {@link #BUDGET_BYTES} (32 MiB) by default, whatever the batch and image size, and
 * any workspace of at least {@link #minimumFloats} works (smaller chunks, fewer threads). Chunks
 * are also capped at {@link #CHUNK_FLOATS} so that a chunk written by im2col is still in L2 when
 * the GEMM reads it.
 *
 * <p><b>Threads.</b> Images are split over the worker pool, each thread with its own slice of the
 * workspace: a column chunk, then (weight gradient) a private {@code dW^T}. With fewer images than
 * threads the GEMMs themselves run in parallel.
 *
 * <p><b>Weight gradient as {@code dW^T = col dy^T}.</b> Computing {@code dW = dy col^T} needs the
 * GEMM to pack the transpose of the whole column matrix ({@code K x L}, a scatter); the transposed
 * product packs only {@code dy^T} ({@code Og x L}, nine times smaller for a 3 x 3) and reads the
 * column matrix in place. ResNet 3 x 3 on 8 images: 28.5 ms against 18.8 ms (1 thread).
 */
final class Im2colConvolution {

    /** Default bound on the workspace of one call, all threads together. */
    static final long BUDGET_BYTES = 32L << 20;

    /**
     * Largest column chunk per thread: 1 MiB, this machine's L2, so that the chunk im2col writes
     * is still there when the GEMM reads it. Measured on ResNet 3x3 over 8 images: the dW GEMM
     * 18.8 ms in 448-column chunks and 18.7 ms on whole 3136-column matrices, im2col 5.4 against
     * 4.9 ms: chunks cost next to nothing and bound the memory.
     */
    static final long CHUNK_FLOATS = (1L << 20) / Float.BYTES;

    private Im2colConvolution() {
    }

    /** Whether the image itself is the column matrix (1 x 1, stride 1, no padding). */
    static boolean pointwise(ConvGeometry g) {
        return g.kernelH() == 1 && g.kernelW() == 1 && g.strideH() == 1 && g.strideW() == 1
                && g.padH() == 0 && g.padW() == 0;
    }

    /** Floats of one thread's private {@code dW^T}: {@code groups x K x Og}. */
    private static long gradFloats(ConvGeometry g, int outChannels) {
        return g.colRows() * outChannels;
    }

    /** Output rows per chunk when {@code colFloats} floats are free for the column chunk. */
    private static int chunkRows(ConvGeometry g, long colFloats, boolean pointwise) {
        long perRow = g.colRows() * g.outWidth();
        if (pointwise || perRow == 0) {       // zero input channels: no columns, every row at once
            return g.outHeight();
        }
        return (int) Math.max(1, Math.min(g.outHeight(), Math.min(colFloats, CHUNK_FLOATS) / perRow));
    }

    private static long colFloats(ConvGeometry g, int rows, boolean pointwise) {
        return pointwise ? 0 : g.colRows() * rows * g.outWidth();
    }

    /**
     * The workspace this path uses by default: one slice per thread within {@link #BUDGET_BYTES}.
     *
     * @param pointwise whether the image is read as the column matrix (only where {@link #pointwise}
     *                  holds; a 1 x 1 convolution may also go through an explicit im2col)
     */
    static long workspaceFloats(ConvGeometry g, int outChannels, boolean pointwise, int threads) {
        long perThread = BUDGET_BYTES / Float.BYTES / threads - gradFloats(g, outChannels);
        long slice = colFloats(g, chunkRows(g, perThread, pointwise), pointwise) + gradFloats(g, outChannels);
        return Math.max(threads * slice, minimumFloats(g, outChannels, pointwise));
    }

    /** The least workspace that works: one thread, one output row per chunk. */
    static long minimumFloats(ConvGeometry g, int outChannels, boolean pointwise) {
        return colFloats(g, 1, pointwise) + gradFloats(g, outChannels);
    }

    /**
     * {@code y = conv2d(x, w)} without bias, on at most {@code threads} threads; arguments checked
     * by the caller.
     */
    static void forward(int images, int groups, ConvGeometry image, ConvGeometry g, int outChannels, boolean pointwise,
                        int threads, MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment y, long yOff,
                        MemorySegment work, long workOff) {
        backward(images, groups, image, g, outChannels, pointwise, threads, x, xOff, w, wOff, null, 0, null, 0, null, 0,
                y, yOff, work, workOff);
    }

    /**
     * {@code dx} (written, or null) and {@code dw} (written, or null) from {@code dy}; x is read
     * only for dw. With {@code y} not null, also {@code y = conv2d(x, w)} from the same column
     * chunks: a transposed convolution's backward needs both products of one im2col. Arguments
     * checked by the caller.
     */
    static void backward(int images, int groups, ConvGeometry image, ConvGeometry g, int outChannels, boolean pointwise,
                         int threads, MemorySegment x, long xOff, MemorySegment w, long wOff, MemorySegment dy, long dyOff,
                         MemorySegment dx, long dxOff, MemorySegment dw, long dwOff, MemorySegment y, long yOff,
                         MemorySegment work, long workOff) {
        Chunks job = CHUNKS.claim();
        job.problem(images, g, work, workOff);
        job.operands(x, xOff, w, wOff, dy, dyOff);
        job.gradients(dx, dxOff, dw, dwOff, null, 0);
        job.image = image;
        job.groups = groups;
        job.outChannels = outChannels;
        job.pointwise = pointwise;
        job.out = y;
        job.outOff = yOff;
        job.split(threads, WorkerPool.shareable(x, w, dy, dx) && WorkerPool.shareable(dw, y, work));
        int parts = job.parts;
        long slice = job.slice;
        WorkerPool.run(parts, job);
        if (dw != null) {
            int og = outChannels / groups;
            sumTransposed(parts, slice, groups, og, (int) g.colRows(), work, workOff + slice - gradFloats(g, outChannels), dw, dwOff);
        }
    }

    private static final WorkerPool.PerThread<Chunks> CHUNKS = new WorkerPool.PerThread<>(Chunks::new);

    /**
     * A call's split and arguments (see {@link WorkerPool.Job}): {@link #parts} threads, block
     * {@code index} taking its share of the images in workspace slice {@code index}, which holds a
     * column chunk of {@link #rows} output rows and, at its end, the block's own {@code dW^T}. The
     * inherited y is dy; {@link #out}, when not null, receives {@code conv2d(x, w)} from the same chunks.
     */
    private static final class Chunks extends ConvJob {
        ConvGeometry image;
        int groups;
        int outChannels;
        boolean pointwise;
        MemorySegment out;
        long outOff;
        int parts;
        int rows;
        long slice;

        /** Threads, rows per chunk and slice size for the workspace given, on at most {@code threads}. */
        void split(int threads, boolean shareable) {
            long available = work.byteSize() / Float.BYTES - workOff;
            long grad = gradFloats(g, outChannels);
            int p = shareable ? Math.max(1, Math.min(Math.min(threads, WorkerPool.threads()), images)) : 1;
            while (p > 1 && available / p < minimumFloats(g, outChannels, pointwise)) {
                p--;
            }
            parts = p;
            rows = chunkRows(g, available / p - grad, pointwise);
            slice = colFloats(g, rows, pointwise) + grad;
        }

        @Override
        public void run(int index, int count) {
            MemorySegment dy = y;
            long dyOff = yOff;
            int og = outChannels / groups;
            int k = (int) g.colRows();
            int ow = g.outWidth();
            long l = g.colCols();
            long grad = gradFloats(g, outChannels);
            long colAt = workOff + index * slice;
            long gradAt = colAt + slice - grad;
            if (dw != null) {
                FloatLanes.fill(work, gradAt, grad, 0f);
            }
            for (int n = images * index / count; n < images * (index + 1) / count; n++) {
                if (dx != null && !pointwise) {
                    FloatLanes.fill(dx, dxOff + (long) n * image.imageSize(), image.imageSize(), 0f);   // col2im adds
                }
                for (int q = 0; q < groups; q++) {
                    long xAt = xOff + (long) n * image.imageSize() + q * g.imageSize();
                    long dxAt = dxOff + (long) n * image.imageSize() + q * g.imageSize();
                    long dyAt = dyOff + ((long) n * outChannels + (long) q * og) * l;
                    long wAt = wOff + (long) q * og * k;
                    for (int i0 = 0; i0 < g.outHeight(); i0 += rows) {
                        int i1 = Math.min(g.outHeight(), i0 + rows);
                        int length = (i1 - i0) * ow;
                        long chunkDy = dyAt + (long) i0 * ow;
                        MemorySegment col = pointwise ? x : work;
                        long at = pointwise ? xAt + (long) i0 * ow : colAt;
                        long ld = pointwise ? l : length;
                        if (!pointwise && (dw != null || out != null)) {
                            Im2col.im2col(g, x, xAt, work, colAt, i0, i1);
                        }
                        if (dw != null) {
                            // dW_g^T [K, Og] += col [K, chunk] dy_g[:, chunk]^T
                            Gemm.sgemm(false, true, k, og, length, 1f, col, at, ld, dy, chunkDy, l,
                                    1f, work, gradAt + (long) q * k * og, og);
                        }
                        if (out != null) {
                            Gemm.sgemm(false, false, og, length, k, 1f, w, wAt, k, col, at, ld,
                                    0f, out, outOff + ((long) n * outChannels + (long) q * og) * l + (long) i0 * ow, l);
                        }
                        if (dx != null && pointwise) {
                            Gemm.sgemm(true, false, k, length, og, 1f, w, wAt, k, dy, chunkDy, l,
                                    0f, dx, dxAt + (long) i0 * ow, l);
                        } else if (dx != null) {
                            // dcol [K, chunk] = W_g^T dy_g[:, chunk], scattered back onto the image
                            Gemm.sgemm(true, false, k, length, og, 1f, w, wAt, k, dy, chunkDy, l, 0f, work, colAt, length);
                            Im2col.col2imAdd(g, work, colAt, dx, dxAt, i0, i1);
                        }
                    }
                }
            }
        }

        @Override
        protected void clear() {
            super.clear();
            image = null;
            out = null;
        }
    }

    /**
     * {@code dW[q og + o, kk] = sum over threads of dW^T_thread[q][kk][o]}: the per-thread
     * transposed weight gradients, {@code parts} of them {@code slice} floats apart from
     * {@code firstGrad} ({@link ImplicitConv2d#weightGradient} writes the same layout).
     */
    static void sumTransposed(int parts, long slice, int groups, int og, int k, MemorySegment work, long firstGrad,
                              MemorySegment dw, long dwOff) {
        for (int q = 0; q < groups; q++) {
            for (int o = 0; o < og; o++) {
                long to = dwOff + ((long) q * og + o) * k;
                for (int kk = 0; kk < k; kk++) {
                    long from = firstGrad + ((long) q * k + kk) * og + o;
                    float sum = 0f;
                    for (int p = 0; p < parts; p++) {
                        sum += FloatLanes.get(work, from + p * slice);
                    }
                    FloatLanes.set(dw, to + kk, sum);
                }
            }
        }
    }
}
