package dev.panamax.kernels.conv;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.Reductions;
import dev.panamax.kernels.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Depthwise convolution (groups = C = O, one kH x kW filter per channel) with stride 1, computed
 * directly: with stride 1 the input under a vector of consecutive outputs is a contiguous run
 * for every tap, so forward accumulates each output vector over the taps in a register, and
 * backward is a vector multiply-add (dx) or dot product (dw) per output row and tap. An im2col +
 * GEMM would run C tiny GEMMs of one row each.
 * Any dilation and padding; {@link Conv2d} routes here when it applies.
 */
final class DepthwiseConv2d {

    private DepthwiseConv2d() {
    }

    /**
     * Whether this kernel computes the convolution: one filter per channel, stride 1, and padded
     * planes ({@link #PLANE}) of at most {@link #MAX_PLANE} floats (larger ones go to im2col).
     */
    static boolean applies(ConvGeometry image, int groups, int outChannels) {
        return groups == image.channels() && outChannels == groups && image.strideH() == 1 && image.strideW() == 1
                && planeFloats(image) <= MAX_PLANE && gradientPlaneFloats(image) <= MAX_PLANE;
    }

    /**
     * The most floats of a padded plane, a per-thread heap array: the convolutions' whole
     * workspace budget ({@link Conv2d#WORKSPACE_BUDGET_BYTES}, a plane of 2,896 x 2,896). Bounded
     * by a Java array's length alone, a plane 102 million rows high and 8 wide (6.5 GB, of images
     * that may well sit off the heap) ended in an {@code OutOfMemoryError} (ConvolutionFuzzTest).
     */
    private static final long MAX_PLANE = Conv2d.WORKSPACE_BUDGET_BYTES / Float.BYTES;

    /** Floats of the input's zero-padded plane (a vector of slack after each row). */
    private static long planeFloats(ConvGeometry g) {
        return paddedFloats(g.height(), g.padH(), g.width(), g.padW());
    }

    /** {@link #planeFloats} of a geometry this kernel {@link #applies} to. */
    private static int paddedPlane(ConvGeometry g) {
        return (int) planeFloats(g);
    }

    /**
     * The output gradient's padding for the input gradient's correlation, {@code (k - 1) d - p}
     * (zero where the padding exceeds that, a case the correlation does not take).
     */
    private static int gradientPadTop(ConvGeometry g) {
        return Math.max(0, (g.kernelH() - 1) * g.dilationH() - g.padH());
    }

    private static int gradientPadLeft(ConvGeometry g) {
        return Math.max(0, (g.kernelW() - 1) * g.dilationW() - g.padW());
    }

    private static int gradientWidth(ConvGeometry g) {
        return (int) rowFloats(g.outWidth(), gradientPadLeft(g));
    }

    /** Floats of the output gradient's zero-padded plane. */
    private static long gradientPlaneFloats(ConvGeometry g) {
        return paddedFloats(g.outHeight(), gradientPadTop(g), g.outWidth(), gradientPadLeft(g));
    }

    /** A plane of {@code height} rows with {@code padTop} zero rows above and below, each row as {@link #rowFloats}. */
    private static long paddedFloats(int height, int padTop, int width, int padLeft) {
        return ((long) height + 2L * padTop) * rowFloats(width, padLeft);
    }

    /** {@link #gradientPlaneFloats} of a geometry this kernel {@link #applies} to. */
    private static int paddedGradientPlane(ConvGeometry g) {
        return (int) gradientPlaneFloats(g);
    }

    private static int paddedWidth(ConvGeometry g) {
        return (int) rowFloats(g.width(), g.padW());
    }

    /**
     * A padded plane's row: {@code width} floats, {@code pad} zeros either side and a vector of
     * slack. In long, so that {@link #applies} sees a row past 2^31 floats; the int forms
     * serve geometries it accepted.
     */
    private static long rowFloats(int width, int pad) {
        return (long) width + 2L * pad + LANES;
    }

    /**
     * {@code y = depthwise(x) + bias} for {@code images} images, all contiguous. Each plane is
     * first copied into a zero-padded plane ({@link #PLANE}), so that every tap of every output
     * vector is one unmasked load and one FMA, accumulated in a register (masking the edge lanes
     * instead made the loop several times slower).
     */
    static void forward(int images, ConvGeometry g, int threads, MemorySegment x, long xOff, MemorySegment w, long wOff,
                        MemorySegment bias, long bOff, MemorySegment y, long yOff) {
        int parts = parts(g, threads, WorkerPool.shareable(x, w, bias, y));
        if (parts == 1) {
            forwardChannels(0, g.channels(), images, g, x, xOff, w, wOff, bias, bOff, y, yOff);
            return;
        }
        Channels job = CHANNELS.claim();
        job.forward = true;
        job.problem(images, g, null, 0);
        job.operands(x, xOff, w, wOff, y, yOff);
        job.bias = bias;
        job.bOff = bOff;
        WorkerPool.run(parts, job);
    }

    /** Threads for one call: channels are independent, so they are split over the pool. */
    private static int parts(ConvGeometry g, int threads, boolean shareable) {
        int parts = Math.min(threads, g.channels());
        return parts > 1 && shareable ? parts : 1;
    }

    private static final WorkerPool.PerThread<Channels> CHANNELS = new WorkerPool.PerThread<>(Channels::new);

    /**
     * A parallel call's arguments (see {@link WorkerPool.Job}): block {@code index} takes its share
     * of the channels.
     */
    private static final class Channels extends ConvJob {
        boolean forward;

        @Override
        public void run(int index, int count) {
            int c0 = g.channels() * index / count;
            int c1 = g.channels() * (index + 1) / count;
            if (forward) {
                forwardChannels(c0, c1, images, g, x, xOff, w, wOff, bias, bOff, y, yOff);
            } else {
                backwardChannels(c0, c1, images, g, x, xOff, w, wOff, y, yOff, dx, dxOff, dw, dwOff, db, dbOff);
            }
        }
    }

    private static void forwardChannels(int c0, int c1, int images, ConvGeometry g, MemorySegment x, long xOff,
                                        MemorySegment w, long wOff, MemorySegment bias, long bOff, MemorySegment y, long yOff) {
        int oh = g.outHeight();
        int ow = g.outWidth();
        int kh = g.kernelH();
        int kw = g.kernelW();
        int pw = paddedWidth(g);
        long plane = (long) g.height() * g.width();
        long outPlane = (long) oh * ow;
        float[] pad = PLANE.atLeast(paddedPlane(g));
        Arrays.fill(pad, 0, paddedPlane(g), 0f);
        int count = kh * kw;
        float[] taps = TAPS.atLeast(count);
        for (int n = 0; n < images; n++) {
            for (int c = c0; c < c1; c++) {
                long in = xOff + ((long) n * g.channels() + c) * plane;
                long out = yOff + ((long) n * g.channels() + c) * outPlane;
                // the padding stays zero from the fill
                copyRows(x, in, g.width(), g.height(), g.width(), pad, g.padH() * pw + g.padW(), pw);
                for (int k = 0; k < count; k++) {
                    taps[k] = FloatLanes.get(w, wOff + (long) c * count + k);
                }
                float b = bias == null ? 0f : FloatLanes.get(bias, bOff + c);
                correlate(pad, pw, taps, kh, kw, g.dilationH(), g.dilationW(), b, oh, ow, y, out);
            }
        }
    }

    /**
     * {@code y[i, j] = b + sum_{r,s} taps[r, s] pad[i + r dH, j + s dW]} over a padded plane of row
     * stride {@code pw} (with a vector of slack after each row): four output vectors at a time,
     * so that four independent FMA chains run instead of one latency-bound chain.
     */
    private static void correlate(float[] pad, int pw, float[] taps, int kh, int kw, int dH, int dW,
                                  float b, int oh, int ow, MemorySegment y, long out) {
        if (kh == 3 && kw == 3) {
            correlateThreeByThree(pad, pw, taps, dH, dW, b, oh, ow, y, out);
            return;
        }
        if (ow < LANES) {
            correlateTiny(pad, pw, taps, kh, kw, dH, dW, b, oh, ow, y, out);
            return;
        }
        if (ow < 4 * LANES) {
            correlateNarrow(pad, pw, taps, kh, kw, dH, dW, b, oh, ow, y, out);
            return;
        }
        for (int i = 0; i < oh; i++) {
            long yRow = out + (long) i * ow;
            for (int j0 = 0; j0 < ow; j0 += 4 * LANES) {
                int j = Math.min(j0, ow - 4 * LANES);       // see correlateThreeByThree
                FloatVector a0 = FloatVector.broadcast(FloatLanes.SPECIES, b), a1 = a0, a2 = a0, a3 = a0;
                for (int r = 0; r < kh; r++) {
                    int rowAt = (i + r * dH) * pw + j;
                    for (int s = 0; s < kw; s++) {
                        FloatVector t = FloatVector.broadcast(FloatLanes.SPECIES, taps[r * kw + s]);
                        int at = rowAt + s * dW;
                        a0 = load(pad, at).fma(t, a0);
                        a1 = load(pad, at + LANES).fma(t, a1);
                        a2 = load(pad, at + 2 * LANES).fma(t, a2);
                        a3 = load(pad, at + 3 * LANES).fma(t, a3);
                    }
                }
                a0.intoMemorySegment(y, (yRow + j) * Float.BYTES, ORDER);
                a1.intoMemorySegment(y, (yRow + j + LANES) * Float.BYTES, ORDER);
                a2.intoMemorySegment(y, (yRow + j + 2 * LANES) * Float.BYTES, ORDER);
                a3.intoMemorySegment(y, (yRow + j + 3 * LANES) * Float.BYTES, ORDER);
            }
        }
    }

    /**
     * {@link #correlate} for rows of one to four vectors, four output vectors at a time all the
     * same: a group covers whole rows ({@code per} vectors to a row, the last moved left to end at
     * the row's end; four rows of one vector, two of two, one of three or four), so that one loop
     * runs over groups of rows, with four independent FMA chains and every address a fixed offset
     * from the group's first row. The last group is moved up to end at the last row (recomputing
     * a few rows of the group before, to the same values). A loop per row over its few vectors
     * (four for a 56-wide row of 16 lanes) had cost as much as the multiply-adds: on Zen 5, one
     * thread, a depthwise forward over eight images, ms before / after: 3 x 3, 128 channels of
     * 56 x 56 1.75-1.77 / 1.50-1.55, 256 of 28 x 28 1.05-1.07 / 0.72-0.74; 5 x 5, 128 of 56 x 56
     * 7.2 / 4.4. A filter row of three taps is written out (3 x 3 filters take this loop too: a
     * copy of it with the filter's three rows written out as well ran even at 56 x 56, 0.73-0.74
     * against 0.76-0.80 ms at 28 x 28, and forward and backward even).
     */
    private static void correlateNarrow(float[] pad, int pw, float[] taps, int kh, int kw, int dH, int dW,
                                        float b, int oh, int ow, MemorySegment y, long out) {
        int per = vectorsPerRow(ow);
        int rows = rowsPerGroup(per, oh);
        int o0 = (int) groupOffset(0, per, rows, ow, pw), o1 = (int) groupOffset(1, per, rows, ow, pw);
        int o2 = (int) groupOffset(2, per, rows, ow, pw), o3 = (int) groupOffset(3, per, rows, ow, pw);
        long p0 = groupOffset(0, per, rows, ow, ow), p1 = groupOffset(1, per, rows, ow, ow);
        long p2 = groupOffset(2, per, rows, ow, ow), p3 = groupOffset(3, per, rows, ow, ow);
        for (int i0 = 0; i0 < oh; i0 += rows) {
            int i = Math.min(i0, oh - rows);
            FloatVector a0 = FloatVector.broadcast(SPECIES, b), a1 = a0, a2 = a0, a3 = a0;
            for (int r = 0; r < kh; r++) {
                int rowAt = (i + r * dH) * pw;
                if (kw == 3) {
                    FloatVector t0 = FloatVector.broadcast(SPECIES, taps[3 * r]);
                    FloatVector t1 = FloatVector.broadcast(SPECIES, taps[3 * r + 1]);
                    FloatVector t2 = FloatVector.broadcast(SPECIES, taps[3 * r + 2]);
                    a0 = load(pad, rowAt + o0).fma(t0, a0);
                    a1 = load(pad, rowAt + o1).fma(t0, a1);
                    a2 = load(pad, rowAt + o2).fma(t0, a2);
                    a3 = load(pad, rowAt + o3).fma(t0, a3);
                    a0 = load(pad, rowAt + dW + o0).fma(t1, a0);
                    a1 = load(pad, rowAt + dW + o1).fma(t1, a1);
                    a2 = load(pad, rowAt + dW + o2).fma(t1, a2);
                    a3 = load(pad, rowAt + dW + o3).fma(t1, a3);
                    a0 = load(pad, rowAt + 2 * dW + o0).fma(t2, a0);
                    a1 = load(pad, rowAt + 2 * dW + o1).fma(t2, a1);
                    a2 = load(pad, rowAt + 2 * dW + o2).fma(t2, a2);
                    a3 = load(pad, rowAt + 2 * dW + o3).fma(t2, a3);
                    continue;
                }
                for (int s = 0; s < kw; s++) {
                    FloatVector t = FloatVector.broadcast(SPECIES, taps[r * kw + s]);
                    int at = rowAt + s * dW;
                    a0 = load(pad, at + o0).fma(t, a0);
                    a1 = load(pad, at + o1).fma(t, a1);
                    a2 = load(pad, at + o2).fma(t, a2);
                    a3 = load(pad, at + o3).fma(t, a3);
                }
            }
            long yAt = out + (long) i * ow;
            a0.intoMemorySegment(y, (yAt + p0) * Float.BYTES, ORDER);
            a1.intoMemorySegment(y, (yAt + p1) * Float.BYTES, ORDER);
            a2.intoMemorySegment(y, (yAt + p2) * Float.BYTES, ORDER);
            a3.intoMemorySegment(y, (yAt + p3) * Float.BYTES, ORDER);
        }
    }

    /** Whole vectors covering a row of {@code ow} floats, at least one. */
    private static int vectorsPerRow(int ow) {
        return Math.max(1, (ow + LANES - 1) / LANES);
    }

    /** Rows of a group of four vectors (see {@link #correlateNarrow}), at most the plane's. */
    private static int rowsPerGroup(int per, int oh) {
        return Math.min(per == 3 ? 1 : 4 / per, oh);
    }

    /**
     * Where vector {@code k} (0 to 3) of a group lies from the start of the group's first row, in
     * a plane of row stride {@code stride}: row {@code k / per}, vector {@code k % per} of it.
     * Vectors past the group's rows (one row of three vectors, a plane of fewer rows than a
     * group) repeat one before them, computing the same outputs again.
     */
    private static long groupOffset(int k, int per, int rows, int ow, long stride) {
        int row = Math.min(k / per, rows - 1);
        return row * stride + Math.min(k % per * LANES, ow - LANES);
    }

    /**
     * {@link #correlate} for rows narrower than a vector: one vector a row, masked to the row on
     * store, in one loop over the rows. (In the groups of {@link #correlateNarrow}, the four masked
     * stores took C2 past its node budget for inlining, and the vectors were boxed.) With a 3 x 3
     * filter ({@link #correlateThreeByThreeTiny}), on Zen 5, one thread, eight images, ms before /
     * after: 512 channels of 14 x 14 0.86 / 0.62, 1024 of 7 x 7 1.00 / 0.75.
     */
    private static void correlateTiny(float[] pad, int pw, float[] taps, int kh, int kw, int dH, int dW,
                                      float b, int oh, int ow, MemorySegment y, long out) {
        VectorMask<Float> row = FloatLanes.firstLanes(ow);
        for (int i = 0; i < oh; i++) {
            FloatVector acc = FloatVector.broadcast(SPECIES, b);
            for (int r = 0; r < kh; r++) {
                int rowAt = (i + r * dH) * pw;
                for (int s = 0; s < kw; s++) {
                    acc = load(pad, rowAt + s * dW).fma(FloatVector.broadcast(SPECIES, taps[r * kw + s]), acc);
                }
            }
            acc.intoMemorySegment(y, (out + (long) i * ow) * Float.BYTES, ORDER, row);
        }
    }

    /**
     * {@link #correlate} for a 3 x 3 filter, the same multiply-adds in the same order (so the same
     * result to the bit), with the loop over a filter row's three taps written out instead of a
     * loop of kw trips: a 56 x 56 depthwise forward (8 images, 128 channels) went from 3.0 to
     * 2.7 ms on Zen 4. What remains is mostly memory traffic (the planes in, the outputs out).
     *
     * <p>A row is covered by blocks of four vectors, the last block moved left to end at the row's
     * end (it recomputes a few outputs of the block before, to the same values): a 56-wide row is
     * two blocks. The outputs left to single vectors before, 24 of 56, ran as one latency-bound
     * chain of nine FMAs each, with a masked store (microcoded on AMD) even where the mask was
     * full: 36 % and 43 % of a depthwise forward on Zen 3, 4.5 ms. Rows narrower than four
     * vectors take {@link #correlateNarrow} and {@link #correlateThreeByThreeTiny}.
     */
    private static void correlateThreeByThree(float[] pad, int pw, float[] taps, int dH, int dW, float b,
                                              int oh, int ow, MemorySegment y, long out) {
        if (ow < LANES) {
            correlateThreeByThreeTiny(pad, pw, taps, dH, dW, b, oh, ow, y, out);
            return;
        }
        if (ow < 4 * LANES) {
            correlateNarrow(pad, pw, taps, 3, 3, dH, dW, b, oh, ow, y, out);
            return;
        }
        for (int i = 0; i < oh; i++) {
            long yRow = out + (long) i * ow;
            for (int j0 = 0; j0 < ow; j0 += 4 * LANES) {
                int j = Math.min(j0, ow - 4 * LANES);
                FloatVector a0 = FloatVector.broadcast(SPECIES, b), a1 = a0, a2 = a0, a3 = a0;
                for (int r = 0; r < 3; r++) {
                    int at = (i + r * dH) * pw + j;
                    FloatVector t0 = FloatVector.broadcast(SPECIES, taps[3 * r]);
                    FloatVector t1 = FloatVector.broadcast(SPECIES, taps[3 * r + 1]);
                    FloatVector t2 = FloatVector.broadcast(SPECIES, taps[3 * r + 2]);
                    a0 = load(pad, at).fma(t0, a0);
                    a1 = load(pad, at + LANES).fma(t0, a1);
                    a2 = load(pad, at + 2 * LANES).fma(t0, a2);
                    a3 = load(pad, at + 3 * LANES).fma(t0, a3);
                    a0 = load(pad, at + dW).fma(t1, a0);
                    a1 = load(pad, at + dW + LANES).fma(t1, a1);
                    a2 = load(pad, at + dW + 2 * LANES).fma(t1, a2);
                    a3 = load(pad, at + dW + 3 * LANES).fma(t1, a3);
                    a0 = load(pad, at + 2 * dW).fma(t2, a0);
                    a1 = load(pad, at + 2 * dW + LANES).fma(t2, a1);
                    a2 = load(pad, at + 2 * dW + 2 * LANES).fma(t2, a2);
                    a3 = load(pad, at + 2 * dW + 3 * LANES).fma(t2, a3);
                }
                a0.intoMemorySegment(y, (yRow + j) * Float.BYTES, ORDER);
                a1.intoMemorySegment(y, (yRow + j + LANES) * Float.BYTES, ORDER);
                a2.intoMemorySegment(y, (yRow + j + 2 * LANES) * Float.BYTES, ORDER);
                a3.intoMemorySegment(y, (yRow + j + 3 * LANES) * Float.BYTES, ORDER);
            }
        }
    }

    /** {@link #correlateTiny} for a 3 x 3 filter, its taps held in registers. */
    private static void correlateThreeByThreeTiny(float[] pad, int pw, float[] taps, int dH, int dW,
                                                  float b, int oh, int ow, MemorySegment y, long out) {
        FloatVector t00 = FloatVector.broadcast(SPECIES, taps[0]);
        FloatVector t01 = FloatVector.broadcast(SPECIES, taps[1]);
        FloatVector t02 = FloatVector.broadcast(SPECIES, taps[2]);
        FloatVector t10 = FloatVector.broadcast(SPECIES, taps[3]);
        FloatVector t11 = FloatVector.broadcast(SPECIES, taps[4]);
        FloatVector t12 = FloatVector.broadcast(SPECIES, taps[5]);
        FloatVector t20 = FloatVector.broadcast(SPECIES, taps[6]);
        FloatVector t21 = FloatVector.broadcast(SPECIES, taps[7]);
        FloatVector t22 = FloatVector.broadcast(SPECIES, taps[8]);
        FloatVector bias = FloatVector.broadcast(SPECIES, b);
        VectorMask<Float> row = FloatLanes.firstLanes(ow);
        int rowStep = dH * pw;
        for (int i = 0; i < oh; i++) {
            int at = i * pw;
            FloatVector acc = load(pad, at).fma(t00, bias);
            acc = load(pad, at + dW).fma(t01, acc);
            acc = load(pad, at + 2 * dW).fma(t02, acc);
            at += rowStep;
            acc = load(pad, at).fma(t10, acc);
            acc = load(pad, at + dW).fma(t11, acc);
            acc = load(pad, at + 2 * dW).fma(t12, acc);
            at += rowStep;
            acc = load(pad, at).fma(t20, acc);
            acc = load(pad, at + dW).fma(t21, acc);
            acc = load(pad, at + 2 * dW).fma(t22, acc);
            acc.intoMemorySegment(y, (out + (long) i * ow) * Float.BYTES, ORDER, row);
        }
    }

    /** dx, dw and db, each written (or null). */
    static void backward(int images, ConvGeometry g, int threads, MemorySegment x, long xOff, MemorySegment w, long wOff,
                         MemorySegment dy, long dyOff, MemorySegment dx, long dxOff, MemorySegment dw, long dwOff,
                         MemorySegment db, long dbOff) {
        if (dx != null && !dxByCorrelation(g)) {
            FloatLanes.fill(dx, dxOff, images * (long) g.channels() * g.height() * g.width(), 0f);  // the fallback accumulates
        }
        int parts = parts(g, threads, WorkerPool.shareable(x, w, dy, dx) && WorkerPool.shareable(dw, db));
        if (parts == 1) {
            backwardChannels(0, g.channels(), images, g, x, xOff, w, wOff, dy, dyOff, dx, dxOff, dw, dwOff, db, dbOff);
            return;
        }
        Channels job = CHANNELS.claim();
        job.forward = false;
        job.problem(images, g, null, 0);
        job.operands(x, xOff, w, wOff, dy, dyOff);
        job.gradients(dx, dxOff, dw, dwOff, db, dbOff);
        WorkerPool.run(parts, job);
    }

    /** Whether dx is computed as a correlation of the padded dy (padding at most (k - 1) d). */
    private static boolean dxByCorrelation(ConvGeometry g) {
        return (g.kernelH() - 1) * g.dilationH() - g.padH() >= 0 && (g.kernelW() - 1) * g.dilationW() - g.padW() >= 0;
    }

    /**
     * One pass over each channel's planes, image after image, so that each plane of dy is read
     * from memory once: it is copied into a zero-padded plane, from which the correlation gives
     * dx and, with the input's padded plane, the products give dw and db. The padded copy has
     * zeros after every row, so the weight gradient reads whole vectors of it without masks: the
     * lanes past a row's end contribute nothing.
     */
    private static void backwardChannels(int c0, int c1, int images, ConvGeometry g, MemorySegment x, long xOff,
                                         MemorySegment w, long wOff, MemorySegment dy, long dyOff, MemorySegment dx,
                                         long dxOff, MemorySegment dw, long dwOff, MemorySegment db, long dbOff) {
        int oh = g.outHeight();
        int ow = g.outWidth();
        long plane = (long) g.height() * g.width();
        long outPlane = (long) oh * ow;
        int taps = g.kernelH() * g.kernelW();
        boolean threeByThree = g.kernelH() == 3 && g.kernelW() == 3;
        // dx is the correlation of dy, padded by (k - 1) d - p, with the flipped filter: the same
        // register-blocked loop as forward. (Padding beyond (k - 1) d, rare, takes axpys below.)
        boolean dxByCorrelation = dx != null && dxByCorrelation(g);
        boolean padDy = dxByCorrelation || dw != null;
        int gw = gradientWidth(g);
        int dyAt = gradientPadTop(g) * gw + gradientPadLeft(g);
        int pwx = paddedWidth(g);
        float[] dyPad = padDy ? GRADIENT_PLANE.atLeast(paddedGradientPlane(g)) : null;
        float[] xPad = dw != null ? PLANE.atLeast(paddedPlane(g)) : null;
        if (padDy) {
            Arrays.fill(dyPad, 0, paddedGradientPlane(g), 0f);
        }
        if (dw != null) {
            Arrays.fill(xPad, 0, paddedPlane(g), 0f);
        }
        float[] flipped = TAPS.atLeast(taps);
        double[] sums = SUMS.atLeast(taps + 1);     // dw's taps, then db
        boolean vectorSums = dw != null && threeByThree;
        float[] lanes = vectorSums ? FloatLanes.laneSumScratch() : null;
        for (int c = c0; c < c1; c++) {
            for (int k = 0; k < taps; k++) {
                flipped[taps - 1 - k] = FloatLanes.get(w, wOff + (long) c * taps + k);
            }
            Arrays.fill(sums, 0, taps + 1, 0);
            if (vectorSums) {
                Arrays.fill(lanes, 0f);
            }
            for (int n = 0; n < images; n++) {
                long in = xOff + ((long) n * g.channels() + c) * plane;
                long din = dxOff + ((long) n * g.channels() + c) * plane;
                long out = dyOff + ((long) n * g.channels() + c) * outPlane;
                if (padDy) {
                    copyRows(dy, out, ow, oh, ow, dyPad, dyAt, gw);
                }
                if (dxByCorrelation) {
                    correlate(dyPad, gw, flipped, g.kernelH(), g.kernelW(), g.dilationH(), g.dilationW(), 0f,
                            g.height(), g.width(), dx, din);
                }
                if (dw != null) {
                    copyRows(x, in, g.width(), g.height(), g.width(), xPad, g.padH() * pwx + g.padW(), pwx);
                    if (threeByThree) {
                        threeByThreeProducts(dyPad, xPad, dyAt, gw, oh, ow, pwx, g.dilationH(), g.dilationW(), lanes);
                    } else {
                        for (int r = 0; r < g.kernelH(); r++) {
                            for (int s = 0; s < g.kernelW(); s++) {
                                sums[r * g.kernelW() + s] += tapProduct(dyPad, xPad, dyAt, gw, oh, ow,
                                        r * g.dilationH() * pwx + s * g.dilationW(), pwx);
                            }
                        }
                    }
                }
                if (db != null && !vectorSums) {
                    sums[taps] += Reductions.sum(outPlane, dy, out);
                }
                if (dx != null && !dxByCorrelation) {
                    accumulateInputGradient(g, c, w, wOff, dy, out, dx, din);
                }
            }
            if (vectorSums) {
                FloatLanes.sumLanesOfSixteen(lanes);
                for (int k = 0; k <= taps; k++) {
                    sums[k] = lanes[k];
                }
            }
            if (dw != null) {
                for (int k = 0; k < taps; k++) {
                    FloatLanes.set(dw, dwOff + (long) c * taps + k, (float) sums[k]);
                }
            }
            if (db != null) {
                FloatLanes.set(db, dbOff + c, (float) sums[taps]);
            }
        }
    }

    /**
     * {@code dx += } every tap's shifted {@code w dy}, row by row: the input gradient where the
     * padding exceeds {@code (k - 1) d} and the correlation does not apply.
     */
    private static void accumulateInputGradient(ConvGeometry g, int c, MemorySegment w, long wOff, MemorySegment dy,
                                                long out, MemorySegment dx, long din) {
        int oh = g.outHeight();
        int ow = g.outWidth();
        int taps = g.kernelH() * g.kernelW();
        for (int i = 0; i < oh; i++) {
            long gRow = out + (long) i * ow;
            for (int r = 0; r < g.kernelH(); r++) {
                int row = i - g.padH() + r * g.dilationH();
                if (row < 0 || row >= g.height()) {
                    continue;
                }
                for (int s = 0; s < g.kernelW(); s++) {
                    int shift = s * g.dilationW() - g.padW();
                    int j0 = Math.max(0, -shift);
                    int j1 = Math.min(ow, g.width() - shift);
                    if (j1 > j0) {
                        axpy(j1 - j0, FloatLanes.get(w, wOff + (long) c * taps + r * g.kernelW() + s), dy, gRow + j0,
                                dx, din + (long) row * g.width() + shift + j0);
                    }
                }
            }
        }
    }

    /**
     * Copies {@code rows} rows of {@code cols} floats, {@code srcStride} apart from {@code srcAt},
     * to rows {@code dstStride} apart from {@code dstAt} of a padded plane, leaving the floats
     * between the rows as they are.
     */
    private static void copyRows(MemorySegment src, long srcAt, long srcStride, int rows, int cols, float[] dst, int dstAt,
                                 int dstStride) {
        for (int i = 0; i < rows; i++) {
            MemorySegment.copy(src, FloatLanes.FLOAT, (srcAt + i * srcStride) * Float.BYTES, dst, dstAt + i * dstStride, cols);
        }
    }

    /**
     * {@code sum_{i,j} dy[i, j] pad[i, j]} over a window of the input's padded plane ({@code padAt},
     * row stride pw), dy read from its padded copy (row stride gw, zeros after each row): one loop
     * over the plane's vectors, row after row, consecutive vectors on two alternating FMA chains
     * (a loop per row ran two trips on a 56-wide row of 16 lanes; see
     * {@link #threeByThreeProducts}).
     */
    private static double tapProduct(float[] dyPad, float[] xPad, int dyAt, int gw, int oh, int ow, int padAt, int pw) {
        FloatVector a0 = FloatVector.zero(FloatLanes.SPECIES), a1 = a0;
        int per = vectorsPerRow(ow);
        int gRow = dyAt;
        int pRow = padAt;
        int j = 0;
        for (int q = oh * per; q > 0; q--) {
            FloatVector sum = load(dyPad, gRow + j).fma(load(xPad, pRow + j), a0);
            a0 = a1;
            a1 = sum;
            j += LANES;
            if (j >= ow) {
                j = 0;
                gRow += gw;
                pRow += pw;
            }
        }
        a0 = a0.add(a1);
        // the lanes in a fixed order (see FloatLanes); a step not below LANES is left out
        if (FloatLanes.LANES > 8) { a0 = a0.add(a0.rearrange(FloatLanes.PAIR_8)); }
        if (FloatLanes.LANES > 4) { a0 = a0.add(a0.rearrange(FloatLanes.PAIR_4)); }
        if (FloatLanes.LANES > 2) { a0 = a0.add(a0.rearrange(FloatLanes.PAIR_2)); }
        a0 = a0.add(a0.rearrange(FloatLanes.PAIR_1));
        return a0.lane(0);
    }

    /**
     * The nine taps of a 3 x 3 filter's gradient and the bias gradient over one plane, added to
     * ten accumulators kept in {@code acc} ({@code [10][LANES]}, lane sums taken once per channel
     * by the caller): one pass, each vector of dy loaded once for all nine products. (A pass per
     * tap with two accumulators was bound by the FMA latency and took 40 % of a depthwise forward
     * and backward; reducing the lanes after every image instead of every channel took 7 %.)
     *
     * <p>One loop over the plane's vectors, row after row, not a loop per row: a 56-wide row is
     * four vectors of 16 lanes, and C2's entry into a loop of four trips cost as much as the
     * products. On Zen 5, the weight gradient of a 56 x 56 depthwise 3 x 3 over eight 128-channel
     * images took 3.5 ms with a loop per row, 2.0 ms so (forward and backward together 7.2-7.5 ms before
     * this and the narrow forward loops, 5.1-5.4 after). (Both planes given one row stride, the
     * pass could run over them as flat arrays with every address the loop index plus a constant:
     * C2 then unrolled that loop eightfold and spilled the accumulators, 2.8 ms.)
     */
    private static void threeByThreeProducts(float[] dyPad, float[] xPad, int dyAt, int gw, int oh, int ow, int pw,
                                             int dH, int dW, float[] acc) {
        FloatVector t00 = FloatVector.fromArray(SPECIES, acc, 0);
        FloatVector t01 = FloatVector.fromArray(SPECIES, acc, LANES);
        FloatVector t02 = FloatVector.fromArray(SPECIES, acc, 2 * LANES);
        FloatVector t10 = FloatVector.fromArray(SPECIES, acc, 3 * LANES);
        FloatVector t11 = FloatVector.fromArray(SPECIES, acc, 4 * LANES);
        FloatVector t12 = FloatVector.fromArray(SPECIES, acc, 5 * LANES);
        FloatVector t20 = FloatVector.fromArray(SPECIES, acc, 6 * LANES);
        FloatVector t21 = FloatVector.fromArray(SPECIES, acc, 7 * LANES);
        FloatVector t22 = FloatVector.fromArray(SPECIES, acc, 8 * LANES);
        FloatVector bias = FloatVector.fromArray(SPECIES, acc, 9 * LANES);
        int rowStep = dH * pw;
        int per = vectorsPerRow(ow);
        int gRow = dyAt;
        int x0 = 0;
        int j = 0;
        for (int q = oh * per; q > 0; q--) {
            int x1 = x0 + rowStep;
            int x2 = x1 + rowStep;
            FloatVector d = load(dyPad, gRow + j);
            bias = bias.add(d);
            t00 = load(xPad, x0 + j).fma(d, t00);
            t01 = load(xPad, x0 + j + dW).fma(d, t01);
            t02 = load(xPad, x0 + j + 2 * dW).fma(d, t02);
            t10 = load(xPad, x1 + j).fma(d, t10);
            t11 = load(xPad, x1 + j + dW).fma(d, t11);
            t12 = load(xPad, x1 + j + 2 * dW).fma(d, t12);
            t20 = load(xPad, x2 + j).fma(d, t20);
            t21 = load(xPad, x2 + j + dW).fma(d, t21);
            t22 = load(xPad, x2 + j + 2 * dW).fma(d, t22);
            j += LANES;
            if (j >= ow) {
                j = 0;
                gRow += gw;
                x0 += pw;
            }
        }
        t00.intoArray(acc, 0);
        t01.intoArray(acc, LANES);
        t02.intoArray(acc, 2 * LANES);
        t10.intoArray(acc, 3 * LANES);
        t11.intoArray(acc, 4 * LANES);
        t12.intoArray(acc, 5 * LANES);
        t20.intoArray(acc, 6 * LANES);
        t21.intoArray(acc, 7 * LANES);
        t22.intoArray(acc, 8 * LANES);
        bias.intoArray(acc, 9 * LANES);
    }

    /**
     * The input's zero-padded plane, one per thread. A plane in the caller's workspace, read by
     * segment loads, made a depthwise forward 6-8 % slower (Zen 3, 8 lanes, eight 128-channel
     * 56 x 56 images: one thread 2.69-2.75 ms against 2.48-2.58 from this array, 0.291 against 0.270
     * with the planes in cache, two threads 1.27-1.29 against 1.20-1.21; the same bits): an array
     * load carries a bounds check only, a segment load the segment's checks too.
     */
    private static final PerThreadArray<float[]> PLANE = new PerThreadArray<>(float[]::new, a -> a.length, 1024);
    /** The output gradient's zero-padded plane, one per thread, for the input gradient and the weight gradient. */
    private static final PerThreadArray<float[]> GRADIENT_PLANE = new PerThreadArray<>(float[]::new, a -> a.length, 1024);
    // A channel's filter taps and its gradient sums: made per call, they were the only allocation
    // of a depthwise forward (65 B) and backward (217 B)
    private static final PerThreadArray<float[]> TAPS = new PerThreadArray<>(float[]::new, a -> a.length, 9);
    private static final PerThreadArray<double[]> SUMS = new PerThreadArray<>(double[]::new, a -> a.length, 10);

    private static FloatVector load(float[] plane, int index) {
        return FloatVector.fromArray(SPECIES, plane, index);
    }

    /** {@code y[0, n) += a x[0, n)}. */
    private static void axpy(int n, float a, MemorySegment x, long xAt, MemorySegment y, long yAt) {
        int j = 0;
        for (; j <= n - LANES; j += LANES) {
            FloatVector.fromMemorySegment(SPECIES, x, (xAt + j) * Float.BYTES, ORDER).fma(FloatVector.broadcast(FloatLanes.SPECIES, a),
                    FloatVector.fromMemorySegment(SPECIES, y, (yAt + j) * Float.BYTES, ORDER)).intoMemorySegment(y, (yAt + j) * Float.BYTES, ORDER);
        }
        if (j < n) {
            VectorMask<Float> m = FloatLanes.firstLanes(n - j);
            FloatVector.fromMemorySegment(SPECIES, x, (xAt + j) * Float.BYTES, ORDER, m).fma(FloatVector.broadcast(FloatLanes.SPECIES, a),
                    FloatVector.fromMemorySegment(SPECIES, y, (yAt + j) * Float.BYTES, ORDER, m)).intoMemorySegment(y, (yAt + j) * Float.BYTES, ORDER, m);
        }
    }
}
