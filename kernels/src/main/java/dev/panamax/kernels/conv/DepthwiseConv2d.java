package dev.panamax.kernels.conv;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

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

    static boolean applies(ConvGeometry image, int groups, int outChannels) {
        return groups == image.channels() && outChannels == groups && image.strideH() == 1 && image.strideW() == 1;
    }

    /**
     * Floats of workspace {@link #forward} and {@link #backward} need: one zero-padded plane of the
     * input (forward) or of the output gradient (backward), plus a vector of slack per row.
     */
    static long workspaceFloats(ConvGeometry g) {
        long forward = (long) (g.height() + 2 * g.padH()) * paddedWidth(g);
        long backward = (long) (g.height() + (g.kernelH() - 1) * g.dilationH())
                * (g.width() + (g.kernelW() - 1) * g.dilationW() + LANES);
        return Math.max(forward, backward);
    }

    private static int paddedWidth(ConvGeometry g) {
        return g.width() + 2 * g.padW() + LANES;
    }

    /**
     * {@code y = depthwise(x) + bias} for {@code images} images, all contiguous. Each plane is
     * first copied into a zero-padded plane in the workspace, so that every tap of every output
     * vector is one unmasked load and one FMA, accumulated in a register (masking the edge lanes
     * instead made the loop several times slower).
     */
    static void forward(int images, ConvGeometry g, int threads, MemorySegment x, long xOff, MemorySegment w, long wOff,
                        MemorySegment bias, long bOff, MemorySegment y, long yOff, MemorySegment work, long workOff) {
        int parts = parts(g, threads, work, workOff, WorkerPool.shareable(x, w, bias, y) && WorkerPool.shareable(work));
        if (parts == 1) {
            forwardChannels(0, g.channels(), images, g, x, xOff, w, wOff, bias, bOff, y, yOff, work, workOff);
            return;
        }
        Channels job = CHANNELS.claim();
        job.forward = true;
        job.problem(images, g, work, workOff);
        job.operands(x, xOff, w, wOff, y, yOff);
        job.bias = bias;
        job.bOff = bOff;
        WorkerPool.run(parts, job);
    }

    /**
     * Threads for one call: channels are independent, so they are split over the pool, each
     * thread with its own slice of the workspace (the caller's plan sized it for {@code threads}).
     */
    private static int parts(ConvGeometry g, int threads, MemorySegment work, long workOff, boolean shareable) {
        long slices = (work.byteSize() / Float.BYTES - workOff) / workspaceFloats(g);
        int parts = (int) Math.min(Math.min(threads, g.channels()), slices);
        return parts > 1 && shareable ? parts : 1;
    }

    private static final WorkerPool.PerThread<Channels> CHANNELS = new WorkerPool.PerThread<>(Channels::new);

    /**
     * A parallel call's arguments (see {@link WorkerPool.Job}): block {@code index} takes its share
     * of the channels, in its own workspace slice.
     */
    private static final class Channels extends ConvJob {
        boolean forward;

        @Override
        public void run(int index, int count) {
            int c0 = g.channels() * index / count;
            int c1 = g.channels() * (index + 1) / count;
            long ws = workOff + index * workspaceFloats(g);
            if (forward) {
                forwardChannels(c0, c1, images, g, x, xOff, w, wOff, bias, bOff, y, yOff, work, ws);
            } else {
                backwardChannels(c0, c1, images, g, x, xOff, w, wOff, y, yOff, dx, dxOff, dw, dwOff, db, dbOff, work, ws);
            }
        }
    }

    private static void forwardChannels(int c0, int c1, int images, ConvGeometry g, MemorySegment x, long xOff,
                                        MemorySegment w, long wOff, MemorySegment bias, long bOff, MemorySegment y, long yOff,
                                        MemorySegment work, long workOff) {
        int oh = g.outHeight();
        int ow = g.outWidth();
        int kh = g.kernelH();
        int kw = g.kernelW();
        int pw = paddedWidth(g);
        long plane = (long) g.height() * g.width();
        long outPlane = (long) oh * ow;
        FloatLanes.fill(work, workOff, workspaceFloats(g), 0f);
        float[] taps = new float[kh * kw];
        for (int n = 0; n < images; n++) {
            for (int c = c0; c < c1; c++) {
                long in = xOff + ((long) n * g.channels() + c) * plane;
                long out = yOff + ((long) n * g.channels() + c) * outPlane;
                for (int row = 0; row < g.height(); row++) {     // the padding stays zero from the fill
                    MemorySegment.copy(x, (in + (long) row * g.width()) * Float.BYTES, work,
                            (workOff + (long) (row + g.padH()) * pw + g.padW()) * Float.BYTES, (long) g.width() * Float.BYTES);
                }
                for (int k = 0; k < taps.length; k++) {
                    taps[k] = FloatLanes.get(w, wOff + (long) c * taps.length + k);
                }
                float b = bias == null ? 0f : FloatLanes.get(bias, bOff + c);
                correlate(work, workOff, pw, taps, kh, kw, g.dilationH(), g.dilationW(), b, oh, ow, y, out);
            }
        }
    }

    /**
     * {@code y[i, j] = b + sum_{r,s} taps[r, s] pad[i + r dH, j + s dW]} over a padded plane of row
     * stride {@code pw} (with a vector of slack after each row): four output vectors at a time,
     * so that four independent FMA chains run instead of one latency-bound chain.
     */
    private static void correlate(MemorySegment pad, long padOff, int pw, float[] taps, int kh, int kw, int dH, int dW,
                                  float b, int oh, int ow, MemorySegment y, long out) {
        for (int i = 0; i < oh; i++) {
            long yRow = out + (long) i * ow;
            int j = 0;
            for (; j + 3 * LANES < ow; j += 4 * LANES) {
                FloatVector a0 = FloatVector.broadcast(FloatLanes.SPECIES, b), a1 = a0, a2 = a0, a3 = a0;
                for (int r = 0; r < kh; r++) {
                    long rowAt = padOff + (long) (i + r * dH) * pw + j;
                    for (int s = 0; s < kw; s++) {
                        FloatVector t = FloatVector.broadcast(FloatLanes.SPECIES, taps[r * kw + s]);
                        long at = rowAt + s * dW;
                        a0 = FloatVector.fromMemorySegment(SPECIES, pad, at * Float.BYTES, ORDER).fma(t, a0);
                        a1 = FloatVector.fromMemorySegment(SPECIES, pad, (at + LANES) * Float.BYTES, ORDER).fma(t, a1);
                        a2 = FloatVector.fromMemorySegment(SPECIES, pad, (at + 2 * LANES) * Float.BYTES, ORDER).fma(t, a2);
                        a3 = FloatVector.fromMemorySegment(SPECIES, pad, (at + 3 * LANES) * Float.BYTES, ORDER).fma(t, a3);
                    }
                }
                a0.intoMemorySegment(y, (yRow + j) * Float.BYTES, ORDER);
                a1.intoMemorySegment(y, (yRow + j + LANES) * Float.BYTES, ORDER);
                a2.intoMemorySegment(y, (yRow + j + 2 * LANES) * Float.BYTES, ORDER);
                a3.intoMemorySegment(y, (yRow + j + 3 * LANES) * Float.BYTES, ORDER, FloatLanes.firstLanes(Math.min(LANES, ow - j - 3 * LANES)));
            }
            for (; j < ow; j += LANES) {
                FloatVector acc = FloatVector.broadcast(FloatLanes.SPECIES, b);
                for (int r = 0; r < kh; r++) {
                    long rowAt = padOff + (long) (i + r * dH) * pw + j;
                    for (int s = 0; s < kw; s++) {
                        acc = FloatVector.fromMemorySegment(SPECIES, pad, (rowAt + s * dW) * Float.BYTES, ORDER).fma(FloatVector.broadcast(FloatLanes.SPECIES, taps[r * kw + s]), acc);
                    }
                }
                acc.intoMemorySegment(y, (yRow + j) * Float.BYTES, ORDER, FloatLanes.firstLanes(Math.min(LANES, ow - j)));
            }
        }
    }

    /** dx, dw and db, each written (or null). */
    static void backward(int images, ConvGeometry g, int threads, MemorySegment x, long xOff, MemorySegment w, long wOff,
                         MemorySegment dy, long dyOff, MemorySegment dx, long dxOff, MemorySegment dw, long dwOff,
                         MemorySegment db, long dbOff, MemorySegment work, long workOff) {
        if (dx != null && !dxByCorrelation(g)) {
            FloatLanes.fill(dx, dxOff, images * (long) g.channels() * g.height() * g.width(), 0f);  // the fallback accumulates
        }
        int parts = parts(g, threads, work, workOff, WorkerPool.shareable(x, w, dy, dx) && WorkerPool.shareable(dw, db, work));
        if (parts == 1) {
            backwardChannels(0, g.channels(), images, g, x, xOff, w, wOff, dy, dyOff, dx, dxOff, dw, dwOff, db, dbOff, work,
                    workOff);
            return;
        }
        Channels job = CHANNELS.claim();
        job.forward = false;
        job.problem(images, g, work, workOff);
        job.operands(x, xOff, w, wOff, dy, dyOff);
        job.gradients(dx, dxOff, dw, dwOff, db, dbOff);
        WorkerPool.run(parts, job);
    }

    /** Whether dx is computed as a correlation of the padded dy (padding at most (k - 1) d). */
    private static boolean dxByCorrelation(ConvGeometry g) {
        return (g.kernelH() - 1) * g.dilationH() - g.padH() >= 0 && (g.kernelW() - 1) * g.dilationW() - g.padW() >= 0;
    }

    private static void backwardChannels(int c0, int c1, int images, ConvGeometry g, MemorySegment x, long xOff,
                                         MemorySegment w, long wOff, MemorySegment dy, long dyOff, MemorySegment dx,
                                         long dxOff, MemorySegment dw, long dwOff, MemorySegment db, long dbOff,
                                         MemorySegment work, long workOff) {
        int oh = g.outHeight();
        int ow = g.outWidth();
        long plane = (long) g.height() * g.width();
        long outPlane = (long) oh * ow;
        int taps = g.kernelH() * g.kernelW();
        // dx is the correlation of dy, padded by (k - 1) d - p, with the flipped filter: the same
        // register-blocked loop as forward. (Padding beyond (k - 1) d, rare, takes the loop below.)
        int padTop = (g.kernelH() - 1) * g.dilationH() - g.padH();
        int padLeft = (g.kernelW() - 1) * g.dilationW() - g.padW();
        boolean dxByCorrelation = dx != null && dxByCorrelation(g);
        if (dxByCorrelation) {
            int pw = ow + 2 * padLeft + LANES;
            FloatLanes.fill(work, workOff, (long) (oh + 2 * padTop) * pw, 0f);
            float[] flipped = new float[taps];
            for (int c = c0; c < c1; c++) {
                for (int k = 0; k < taps; k++) {
                    flipped[taps - 1 - k] = FloatLanes.get(w, wOff + (long) c * taps + k);
                }
                for (int n = 0; n < images; n++) {
                    long out = dyOff + ((long) n * g.channels() + c) * outPlane;
                    for (int i = 0; i < oh; i++) {
                        MemorySegment.copy(dy, (out + (long) i * ow) * Float.BYTES, work,
                                (workOff + (long) (i + padTop) * pw + padLeft) * Float.BYTES, (long) ow * Float.BYTES);
                    }
                    correlate(work, workOff, pw, flipped, g.kernelH(), g.kernelW(), g.dilationH(), g.dilationW(), 0f,
                            g.height(), g.width(), dx, dxOff + ((long) n * g.channels() + c) * plane);
                }
            }
        }
        // dw[c, r, s] = sum over images and outputs of dy[i, j] xpad[i + r dH, j + s dW]: one pass
        // per tap over the plane, from the zero-padded input as in forward (no edge masks but dy's tail)
        int pwx = paddedWidth(g);
        if (dw != null) {
            FloatLanes.fill(work, workOff, (long) (g.height() + 2 * g.padH()) * pwx, 0f);
        }
        double[] tapSums = new double[taps];
        for (int c = c0; c < c1; c++) {
            double biasSum = 0;
            java.util.Arrays.fill(tapSums, 0);
            for (int n = 0; n < images; n++) {
                long in = xOff + ((long) n * g.channels() + c) * plane;
                long din = dxOff + ((long) n * g.channels() + c) * plane;
                long out = dyOff + ((long) n * g.channels() + c) * outPlane;
                if (db != null) {
                    biasSum += Reductions.sum(outPlane, dy, out);
                }
                if (dw != null) {
                    for (int row = 0; row < g.height(); row++) {
                        MemorySegment.copy(x, (in + (long) row * g.width()) * Float.BYTES, work,
                                (workOff + (long) (row + g.padH()) * pwx + g.padW()) * Float.BYTES, (long) g.width() * Float.BYTES);
                    }
                    for (int r = 0; r < g.kernelH(); r++) {
                        for (int s = 0; s < g.kernelW(); s++) {
                            tapSums[r * g.kernelW() + s] += tapProduct(dy, out, oh, ow, work,
                                    workOff + (long) r * g.dilationH() * pwx + (long) s * g.dilationW(), pwx);
                        }
                    }
                }
                if (dx == null || dxByCorrelation) {
                    continue;
                }
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
            if (dw != null) {
                for (int k = 0; k < taps; k++) {
                    FloatLanes.set(dw, dwOff + (long) c * taps + k, (float) tapSums[k]);
                }
            }
            if (db != null) {
                FloatLanes.set(db, dbOff + c, (float) biasSum);
            }
        }
    }

    /** {@code sum_{i,j} dy[i, j] pad[i, j]} with {@code pad} a window of the padded plane (row stride pw). */
    private static double tapProduct(MemorySegment dy, long out, int oh, int ow, MemorySegment pad, long padAt, int pw) {
        FloatVector a0 = FloatVector.zero(FloatLanes.SPECIES), a1 = a0;
        for (int i = 0; i < oh; i++) {
            long gRow = out + (long) i * ow;
            long pRow = padAt + (long) i * pw;
            int j = 0;
            for (; j + LANES < ow; j += 2 * LANES) {
                a0 = FloatVector.fromMemorySegment(SPECIES, dy, (gRow + j) * Float.BYTES, ORDER).fma(FloatVector.fromMemorySegment(SPECIES, pad, (pRow + j) * Float.BYTES, ORDER), a0);
                VectorMask<Float> m = FloatLanes.firstLanes(Math.min(LANES, ow - j - LANES));
                a1 = FloatVector.fromMemorySegment(SPECIES, dy, (gRow + j + LANES) * Float.BYTES, ORDER, m).fma(FloatVector.fromMemorySegment(SPECIES, pad, (pRow + j + LANES) * Float.BYTES, ORDER), a1);
            }
            if (j < ow) {
                VectorMask<Float> m = FloatLanes.firstLanes(ow - j);
                a0 = FloatVector.fromMemorySegment(SPECIES, dy, (gRow + j) * Float.BYTES, ORDER, m).fma(FloatVector.fromMemorySegment(SPECIES, pad, (pRow + j) * Float.BYTES, ORDER), a0);
            }
        }
        a0 = a0.add(a1);
        a0 = a0.add(a0.rearrange(FloatLanes.PAIR_8), FloatLanes.STEP_8);   // lanes in a fixed order: see FloatLanes
        a0 = a0.add(a0.rearrange(FloatLanes.PAIR_4), FloatLanes.STEP_4);
        a0 = a0.add(a0.rearrange(FloatLanes.PAIR_2), FloatLanes.STEP_2);
        a0 = a0.add(a0.rearrange(FloatLanes.PAIR_1), FloatLanes.STEP_1);
        return a0.lane(0);
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
