package dev.panamax.kernels.conv;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Stride-1 convolution for few channels, computed directly on the padded image, forward and
 * backward, with no GEMM and no packing.
 *
 * <p>Why: with LeNet's 1-16 channels, a GEMM's 12 x 32 register tile is mostly empty (6 or 16
 * output channels against 12-row panels) and its packing and tile bookkeeping dominate. Here the
 * image rows are read straight from memory: on the "wide" layout of {@link ImplicitConv2d}
 * (outputs on the padded width), tap {@code (c, r, s)} is the plane of c read from offset
 * {@code r dH Wp + s dW}, so a block of 48 consecutive outputs of 4 output channels is
 * 12 vector accumulators updated per tap by 3 unaligned loads and 4 broadcasts (4 x 2 vectors
 * where there are only 16 vector registers). The weight
 * gradient is the dual: for 4 output channels x 4 taps, 16 vector dot products of dY (wide, zero
 * in the extra columns) against the shifted image. The input gradient is the same correlation
 * with the kernel transposed, reading dY (wide, after a run of zeros) at negative tap offsets.
 *
 * <p>Every buffer is laid out by this class in a per-thread array ({@link #SCRATCH}) with slack
 * after it, so the inner loops use whole vectors with no masks and no bounds tests (padding
 * output channels to a multiple of 2 or 4 with zero weights, positions to a multiple of 16).
 */
final class DirectConv2d {

    /**
     * What the forward's blocks store: the outputs plus bias, or, for inference's fused
     * Conv2d, ReLU and 2 x 2 pool, the pooled rectified outputs ({@link WideLayout#narrowReluPool}).
     */
    enum Epilogue {
        NONE, RELU_MAX_POOL, RELU_AVG_POOL
    }

    /** Output channels per register block. */
    private static final int OB = 4;
    /** Position vectors per register block. */
    private static final int PV = 3;
    /** Positions per register block. */
    private static final int PB = PV * LANES;
    /**
     * Whether the register blocks are the large ones, with 32 vector registers: forward blocks 3
     * position vectors wide (12 accumulators and 4 more registers) and weight-gradient blocks of
     * 16 accumulators in one pass. With 16 (AVX2) both spilled: 2 vectors wide (11 registers)
     * the LeNet-5 conv1 forward went from 623-644 to 579-593 us on a Zen 3, and in two passes of
     * 8 accumulators the backward passes of a LeNet-5 training step from 5.40-5.48 to 4.85-4.92 ms.
     */
    private static final boolean WIDE_BLOCKS = FloatLanes.REGISTERS >= 32;
    /** Taps per block of the weight gradient. */
    private static final int TB = 4;
    /**
     * Images per weight-gradient pass: the dot products run over the positions of all of them
     * before the 16 lane reductions of a block, which cost as much as the products over one
     * small image (LeNet's conv2: 144 positions); 16 bounds the scratch ({@link #chunk}).
     */
    private static final int CHUNK = 16;

    private DirectConv2d() {
    }

    /** Whether this path applies and is the faster one: stride 1 and at most 32 channels in and out per group. */
    static boolean applies(ConvGeometry g, int og) {
        return g.strideH() == 1 && g.strideW() == 1 && og <= 32 && g.channels() <= 32;
    }

    // The forward problem's layout in the workspace (sizes in floats), as functions of the
    // geometry rather than a record of them: a record made per call was not always kept in
    // registers by C2 (some JVMs allocated one per image chunk of a LeNet-5 backward pass).

    /** Positions of the wide layout: output rows a padded row apart, the last one an output row long. */
    private static int positions(ConvGeometry g) {
        return (g.outHeight() - 1) * paddedWidth(g) + g.outWidth();
    }

    /** {@link #positions}, in whole vectors. */
    private static int paddedPositions(ConvGeometry g) {
        return roundUp(positions(g), LANES);
    }

    private static long paddedPlane(ConvGeometry g) {
        return (long) paddedHeight(g) * paddedWidth(g);
    }

    /** Floats of the padded source with the slack a whole block may read past the last position. */
    private static long sourceFloats(ConvGeometry g) {
        return g.channels() * paddedPlane(g) + (paddedPositions(g) - positions(g)) + PB;
    }

    /** Output channels in whole blocks of the kernel. */
    private static int outputBlocks(int og) {
        return roundUp(og, OB);
    }

    /**
     * The input-gradient problem, on the forward problem's wide layout: outputs are the padded
     * input plane ({@code hp wp} positions, rows {@code wp} apart), and the source of each
     * output channel is dY in the wide layout after {@code front} zeros, so that tap
     * {@code (o, r, s)} reads it from {@code front - r dH wp - s dW}: a position before a row's
     * start wraps into the previous row's zero columns, rows before the first into the zeros.
     */
    private record Adjoint(int front, long plane, int nPad, int c4, int k) {
        static Adjoint of(ConvGeometry g, int og) {
            // sizes from the geometry, as for the forward problem (see positions)
            int wp = paddedWidth(g);
            int plane = paddedHeight(g) * wp;
            int front = (g.kernelH() - 1) * g.dilationH() * wp + (g.kernelW() - 1) * g.dilationW();
            int nPad = roundUp(plane, LANES);
            return new Adjoint(front, front + (long) Math.max(nPad, g.outHeight() * wp) + PB, nPad, roundUp(g.channels(), OB),
                    og * g.kernelH() * g.kernelW());
        }

        long floats(int og) {
            return og * plane + (long) c4 * nPad;
        }
    }

    /** A padded input row: the wide layout's row stride. */
    private static int paddedWidth(ConvGeometry g) {
        return g.width() + 2 * g.padW();
    }

    private static int paddedHeight(ConvGeometry g) {
        return g.height() + 2 * g.padH();
    }

    private static int roundUp(int v, int unit) {
        return (v + unit - 1) / unit * unit;
    }

    /**
     * Scratch floats of {@link #forwardRows}: the padded image and the wide outputs (one weight-gradient
     * image too), and slack for the pooled narrowing, which reads whole vectors from the start of a
     * short last row.
     */
    private static long forwardFloats(ConvGeometry g, int og) {
        return sourceFloats(g) + (long) outputBlocks(og) * paddedPositions(g) + 2 * LANES;
    }

    /** Row starts of every tap of the forward problem, relative to the padded source. */
    static long[] tapRows(ConvGeometry g, int og) {
        return WideLayout.rowStarts(Math.max((int) g.colRows(), og * g.kernelH() * g.kernelW()) + TB);
    }

    /**
     * Output rows {@code [rowFrom, rowTo)} of every channel of
     * {@code y [og, oh, ow] = conv(x [C, H, W], w [og, C, kH, kW]) + bias [og]} for one image and
     * group (bias may be null), written and nothing else of y (so that threads may share one
     * image's rows): the whole image is padded, the positions of those rows correlated. Each
     * output is summed as in the whole forward.
     * With a pooling epilogue, y is {@code [og, oh / 2, ow / 2]} and gets
     * {@code max_pool2d(relu(conv + bias), 2)} or {@code avg_pool2d} for pooled rows
     * {@code [rowFrom / 2, rowTo / 2)} ({@link WideLayout#narrowReluPool}; the bounds are even).
     */
    static void forwardRows(ConvGeometry g, int og, int rowFrom, int rowTo, MemorySegment x, long xAt, MemorySegment w,
                            long wAt, MemorySegment bias, long bAt, MemorySegment y, long yAt, long[] rows,
                            Epilogue epilogue) {
        int srcSize = (int) sourceFloats(g);
        int o4 = outputBlocks(og);
        int k = (int) g.colRows();
        int wp = paddedWidth(g);
        int nPad = paddedPositions(g);
        float[] work = scratch((int) forwardFloats(g, og));
        WideLayout.padInto(g.channels(), g.height(), g.width(), g.padH(), g.padW(), x, xAt, work, 0, srcSize);
        float[] weights = WEIGHTS.atLeast(o4 * k);
        copyPaddedRows(og, o4, k, w, wAt, weights);
        WideLayout.taps(g.channels(), g.kernelH(), g.kernelW(), paddedPlane(g), wp, g.dilationH(), g.dilationW(), 0, rows);
        // output row i is positions [i wp, i wp + ow): whole vectors from the first row's, up to the last row's end
        int qFrom = rowFrom * wp / LANES * LANES;
        int qTo = Math.min(nPad, roundUp(rowTo * wp, LANES));
        correlate(roundUp(og, 2), nPad, qFrom, qTo, k, weights, 0, work, rows, work, srcSize);
        if (epilogue != Epilogue.NONE) {
            WideLayout.narrowReluPool(epilogue == Epilogue.RELU_AVG_POOL, og, g.outHeight(), rowFrom, rowTo, g.outWidth(), wp,
                    nPad, work, srcSize, bias, bAt, y, yAt);
        } else {
            WideLayout.narrow(og, g.outHeight(), rowFrom, rowTo, g.outWidth(), wp, nPad, work, srcSize, bias, bAt, y, yAt);
        }
    }

    /**
     * {@code dw [og, K]} of one group over {@code count <= chunk(g, og)} images, written
     * ({@code first}) or accumulated; image i's group input is at {@code xAt + i xStride}, its dY
     * at {@code dyAt + i dyStride}. The padded inputs and the wide dY of the chunk are copied into
     * this thread's {@link #scratch} array.
     */
    static void weightGradient(ConvGeometry g, int og, int count, MemorySegment x, long xAt, long xStride, MemorySegment dy,
                               long dyAt, long dyStride, MemorySegment dw, long dwAt, boolean first, long[] rows) {
        int srcSize = (int) sourceFloats(g);
        int o4 = outputBlocks(og);
        int wp = paddedWidth(g);
        int nPad = paddedPositions(g);
        int dySize = o4 * nPad;
        int wideDy = count * srcSize;
        float[] work = scratch(count * (srcSize + dySize));
        for (int i = 0; i < count; i++) {
            WideLayout.padInto(g.channels(), g.height(), g.width(), g.padH(), g.padW(), x, xAt + i * xStride, work, i * srcSize,
                    srcSize);
            WideLayout.widen(og, o4, g.outHeight(), g.outWidth(), wp, nPad, dy, dyAt + i * dyStride, work, wideDy + i * dySize);
        }
        WideLayout.taps(g.channels(), g.kernelH(), g.kernelW(), paddedPlane(g), wp, g.dilationH(), g.dilationW(), 0, rows);
        weightGradient(og, o4, nPad, (int) g.colRows(), count, work, wideDy, dySize, srcSize, rows, dw, dwAt, first);
    }

    /**
     * Images per {@link #weightGradient} call: {@link #CHUNK}, fewer when their padded inputs and
     * wide dY would pass {@link #SCRATCH_MAX_FLOATS}, at least one.
     */
    static int chunk(ConvGeometry g, int og) {
        return (int) Math.max(1, Math.min(CHUNK, SCRATCH_MAX_FLOATS / forwardFloats(g, og)));
    }

    /**
     * The most floats the direct path's per-thread scratch takes for this shape (the plan's
     * workspace budget bounds it as if it were workspace).
     */
    static long scratchFloats(ConvGeometry g, int og) {
        // a weight-gradient chunk (at least one image, so the forward's scratch too), or the input gradient's
        return Math.max(chunk(g, og) * forwardFloats(g, og), Adjoint.of(g, og).floats(og));
    }

    /**
     * {@code dx [C, H, W]} of one image and group (written). The loops over rows live in helpers:
     * with them here, their iterations counted toward this method's on-stack replacement, and C2
     * compiled it, {@link #correlate}'s kernels inlined, two or three times by OSR before its
     * ordinary compile: 0.38-0.74 s of the 5.6-6.0 s that C2 spends warming up a LeNet-5 training
     * step, 0.10-0.14 s now (Zen 3, JFR's compilation events, two runs each).
     */
    static void inputGradient(ConvGeometry g, int og, MemorySegment w, long wAt, MemorySegment dy, long dyAt,
                              MemorySegment dx, long dxAt, long[] rows) {
        Adjoint a = Adjoint.of(g, og);
        int plane = (int) a.plane();
        int out = og * plane;
        float[] work = scratch((int) a.floats(og));
        // dy's planes, each from its own zero margin of `front` floats
        Arrays.fill(work, 0, a.front(), 0f);
        WideLayout.widen(og, og, g.outHeight(), g.outWidth(), paddedWidth(g), plane, dy, dyAt, work, a.front());
        float[] weights = WEIGHTS.atLeast(a.c4() * a.k());
        transpose(og, g.channels(), a.c4(), g.kernelH() * g.kernelW(), w, wAt, weights);
        adjointTaps(g, og, plane, a.front(), rows);
        correlate(roundUp(g.channels(), 2), a.nPad(), 0, a.nPad(), a.k(), weights, 0, work, rows, work, out);
        interior(g, work, out, a.nPad(), dx, dxAt);
    }

    /**
     * Row starts of the adjoint's taps {@code (o, r, c)}: dy's plane o, read backwards from its
     * margin's end by the tap's offset in the padded input.
     */
    private static void adjointTaps(ConvGeometry g, int og, int plane, int front, long[] rows) {
        int wp = paddedWidth(g);
        int t = 0;
        for (int o = 0; o < og; o++) {
            for (int r = 0; r < g.kernelH(); r++) {
                for (int c = 0; c < g.kernelW(); c++) {
                    rows[t++] = o * plane + front - ((long) r * g.dilationH() * wp + (long) c * g.dilationW());
                }
            }
        }
    }

    /** {@code dx [C, H, W]}: the interior of the gradient on the padded input planes ({@code nPad} floats apart from {@code at}). */
    private static void interior(ConvGeometry g, float[] work, int at, int nPad, MemorySegment dx, long dxAt) {
        int wp = paddedWidth(g);
        for (int c = 0; c < g.channels(); c++) {
            for (int i = 0; i < g.height(); i++) {
                MemorySegment.copy(work, at + c * nPad + (i + g.padH()) * wp + g.padW(), dx, FloatLanes.FLOAT,
                        (dxAt + ((long) c * g.height() + i) * g.width()) * Float.BYTES, g.width());
            }
        }
    }

    /**
     * {@code out[o, q] = sum_t w[o, t] src[rows[t] + q]} for {@code o < outRows} (even) and
     * {@code qFrom <= q < qTo} (multiples of LANES, at most {@code nPad}); out rows are {@code nPad}
     * apart from {@code outOff}, w rows {@code k} apart from {@code wOff}.
     * Register blocks: 4 rows x 48 positions (12 accumulators), with 4 x 16, 2 x 48 and 2 x 16
     * blocks for the edges, so that 6 channels or 196 positions waste no work on padding; with 16
     * vector registers (AVX2) 4 rows x 2 vectors ({@link #WIDE_BLOCKS}). Each block is its own
     * call-free method with its accumulators as locals: a shared helper taking or returning
     * vectors gets them boxed by C2, and one method holding every variant grew past its inlining
     * budget (both measured on the GEMM micro-kernel).
     */
    static void correlate(int outRows, int nPad, int qFrom, int qTo, int k, float[] w, int wOff, float[] src, long[] rows,
                          float[] out, int outOff) {
        int o = 0;
        for (; o + OB <= outRows; o += OB) {
            int q = qFrom;
            if (WIDE_BLOCKS) {
                for (; q + PB <= qTo; q += PB) {
                    block4x3(k, w, wOff + o * k, src, rows, q, out, outOff + o * nPad + q, nPad);
                }
            }
            // (with wide blocks, a tail of two vectors: one load per vector and four broadcasts a step, not eight)
            for (; q + 2 * LANES <= qTo; q += 2 * LANES) {
                block4x2(k, w, wOff + o * k, src, rows, q, out, outOff + o * nPad + q, nPad);
            }
            for (; q < qTo; q += LANES) {
                block4x1(k, w, wOff + o * k, src, rows, q, out, outOff + o * nPad + q, nPad);
            }
        }
        for (; o < outRows; o += 2) {
            int q = qFrom;
            for (; q + PB <= qTo; q += PB) {
                block2x3(k, w, wOff + o * k, src, rows, q, out, outOff + o * nPad + q, nPad);
            }
            for (; q < qTo; q += LANES) {
                block2x1(k, w, wOff + o * k, src, rows, q, out, outOff + o * nPad + q, nPad);
            }
        }
    }

    private static void block4x3(int k, float[] w, int w0, float[] src, long[] rows, int q, float[] out,
                                 int r0, int ld) {
        int w1 = w0 + k;
        int w2 = w1 + k;
        int w3 = w2 + k;
        FloatVector a00 = FloatVector.zero(SPECIES);
        FloatVector a01 = a00;
        FloatVector a02 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        FloatVector a12 = a00;
        FloatVector a20 = a00;
        FloatVector a21 = a00;
        FloatVector a22 = a00;
        FloatVector a30 = a00;
        FloatVector a31 = a00;
        FloatVector a32 = a00;
        for (int t = 0; t < k; t++) {
            int at = (int) rows[t] + q;
            FloatVector b0 = FloatVector.fromArray(SPECIES, src, at);
            FloatVector b1 = FloatVector.fromArray(SPECIES, src, at + LANES);
            FloatVector b2 = FloatVector.fromArray(SPECIES, src, at + 2 * LANES);
            FloatVector x = FloatVector.broadcast(SPECIES, w[w0 + t]);
            a00 = b0.fma(x, a00);
            a01 = b1.fma(x, a01);
            a02 = b2.fma(x, a02);
            x = FloatVector.broadcast(SPECIES, w[w1 + t]);
            a10 = b0.fma(x, a10);
            a11 = b1.fma(x, a11);
            a12 = b2.fma(x, a12);
            x = FloatVector.broadcast(SPECIES, w[w2 + t]);
            a20 = b0.fma(x, a20);
            a21 = b1.fma(x, a21);
            a22 = b2.fma(x, a22);
            x = FloatVector.broadcast(SPECIES, w[w3 + t]);
            a30 = b0.fma(x, a30);
            a31 = b1.fma(x, a31);
            a32 = b2.fma(x, a32);
        }
        int r1 = r0 + ld;
        int r2 = r1 + ld;
        int r3 = r2 + ld;
        a00.intoArray(out, r0);
        a01.intoArray(out, r0 + LANES);
        a02.intoArray(out, r0 + 2 * LANES);
        a10.intoArray(out, r1);
        a11.intoArray(out, r1 + LANES);
        a12.intoArray(out, r1 + 2 * LANES);
        a20.intoArray(out, r2);
        a21.intoArray(out, r2 + LANES);
        a22.intoArray(out, r2 + 2 * LANES);
        a30.intoArray(out, r3);
        a31.intoArray(out, r3 + LANES);
        a32.intoArray(out, r3 + 2 * LANES);
    }

    private static void block4x2(int k, float[] w, int w0, float[] src, long[] rows, int q, float[] out,
                                 int r0, int ld) {
        int w1 = w0 + k;
        int w2 = w1 + k;
        int w3 = w2 + k;
        FloatVector a00 = FloatVector.zero(SPECIES);
        FloatVector a01 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        FloatVector a20 = a00;
        FloatVector a21 = a00;
        FloatVector a30 = a00;
        FloatVector a31 = a00;
        for (int t = 0; t < k; t++) {
            int at = (int) rows[t] + q;
            FloatVector b0 = FloatVector.fromArray(SPECIES, src, at);
            FloatVector b1 = FloatVector.fromArray(SPECIES, src, at + LANES);
            FloatVector x = FloatVector.broadcast(SPECIES, w[w0 + t]);
            a00 = b0.fma(x, a00);
            a01 = b1.fma(x, a01);
            x = FloatVector.broadcast(SPECIES, w[w1 + t]);
            a10 = b0.fma(x, a10);
            a11 = b1.fma(x, a11);
            x = FloatVector.broadcast(SPECIES, w[w2 + t]);
            a20 = b0.fma(x, a20);
            a21 = b1.fma(x, a21);
            x = FloatVector.broadcast(SPECIES, w[w3 + t]);
            a30 = b0.fma(x, a30);
            a31 = b1.fma(x, a31);
        }
        int r1 = r0 + ld;
        int r2 = r1 + ld;
        int r3 = r2 + ld;
        a00.intoArray(out, r0);
        a01.intoArray(out, r0 + LANES);
        a10.intoArray(out, r1);
        a11.intoArray(out, r1 + LANES);
        a20.intoArray(out, r2);
        a21.intoArray(out, r2 + LANES);
        a30.intoArray(out, r3);
        a31.intoArray(out, r3 + LANES);
    }

    private static void block4x1(int k, float[] w, int w0, float[] src, long[] rows, int q, float[] out,
                                 int r0, int ld) {
        int w1 = w0 + k;
        int w2 = w1 + k;
        int w3 = w2 + k;
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int t = 0; t < k; t++) {
            FloatVector b = FloatVector.fromArray(SPECIES, src, (int) rows[t] + q);
            a0 = b.fma(FloatVector.broadcast(SPECIES, w[w0 + t]), a0);
            a1 = b.fma(FloatVector.broadcast(SPECIES, w[w1 + t]), a1);
            a2 = b.fma(FloatVector.broadcast(SPECIES, w[w2 + t]), a2);
            a3 = b.fma(FloatVector.broadcast(SPECIES, w[w3 + t]), a3);
        }
        a0.intoArray(out, r0);
        a1.intoArray(out, r0 + ld);
        a2.intoArray(out, r0 + 2 * ld);
        a3.intoArray(out, r0 + 3 * ld);
    }

    private static void block2x3(int k, float[] w, int w0, float[] src, long[] rows, int q, float[] out,
                                 int r0, int ld) {
        int w1 = w0 + k;
        FloatVector a00 = FloatVector.zero(SPECIES);
        FloatVector a01 = a00;
        FloatVector a02 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        FloatVector a12 = a00;
        for (int t = 0; t < k; t++) {
            int at = (int) rows[t] + q;
            FloatVector b0 = FloatVector.fromArray(SPECIES, src, at);
            FloatVector b1 = FloatVector.fromArray(SPECIES, src, at + LANES);
            FloatVector b2 = FloatVector.fromArray(SPECIES, src, at + 2 * LANES);
            FloatVector x = FloatVector.broadcast(SPECIES, w[w0 + t]);
            a00 = b0.fma(x, a00);
            a01 = b1.fma(x, a01);
            a02 = b2.fma(x, a02);
            x = FloatVector.broadcast(SPECIES, w[w1 + t]);
            a10 = b0.fma(x, a10);
            a11 = b1.fma(x, a11);
            a12 = b2.fma(x, a12);
        }
        a00.intoArray(out, r0);
        a01.intoArray(out, r0 + LANES);
        a02.intoArray(out, r0 + 2 * LANES);
        a10.intoArray(out, r0 + ld);
        a11.intoArray(out, r0 + ld + LANES);
        a12.intoArray(out, r0 + ld + 2 * LANES);
    }

    private static void block2x1(int k, float[] w, int w0, float[] src, long[] rows, int q, float[] out,
                                 int r0, int ld) {
        int w1 = w0 + k;
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = a0;
        for (int t = 0; t < k; t++) {
            FloatVector b = FloatVector.fromArray(SPECIES, src, (int) rows[t] + q);
            a0 = b.fma(FloatVector.broadcast(SPECIES, w[w0 + t]), a0);
            a1 = b.fma(FloatVector.broadcast(SPECIES, w[w1 + t]), a1);
        }
        a0.intoArray(out, r0);
        a1.intoArray(out, r0 + ld);
    }

    /**
     * {@code dw[o, t] (+)= sum_q dy[o, q] src[rows[t] + q]} for {@code o < og}, {@code t < k}:
     * blocks of 4 channels x 4 taps, 16 vector dot products over the wide positions (dy is zero
     * where a position is not an output, so the extra columns add nothing), their lanes summed
     * together. With 32 vector registers a block is one pass of 16 accumulators; with 16 (AVX2)
     * those and the 5 loaded vectors spilled in the inner loop, so there a block is two passes of
     * 4 channels x 2 taps (8 accumulators), which read dy twice. Each sum runs in the same order
     * either way.
     */
    private static void weightGradient(int og, int o4, int nPad, int k, int images, float[] work, int dyOff, int dyStride,
                                       int srcStride, long[] rows, MemorySegment dw, long dwOff, boolean first) {
        for (int t = k; t < roundUp(k, TB); t++) {
            rows[t] = rows[k - 1];                       // the tap tail recomputes the last tap; it is not stored
        }
        float[] lanes = FloatLanes.laneSumScratch();
        for (int o = 0; o < o4; o += OB) {
            for (int t = 0; t < k; t += TB) {
                int d = dyOff + o * nPad;
                if (WIDE_BLOCKS) {
                    fourTaps(nPad, images, work, d, dyStride, srcStride, rows, t, lanes);
                } else {
                    twoTaps(nPad, images, work, d, dyStride, srcStride, rows, t, lanes, 0);
                    twoTaps(nPad, images, work, d, dyStride, srcStride, rows, t + 2, lanes, 2);
                }
                FloatLanes.sumLanesOfSixteen(lanes);
                put(dw, dwOff, og, k, o, t, first, lanes[0], lanes[1], lanes[2], lanes[3]);
                put(dw, dwOff, og, k, o + 1, t, first, lanes[4], lanes[5], lanes[6], lanes[7]);
                put(dw, dwOff, og, k, o + 2, t, first, lanes[8], lanes[9], lanes[10], lanes[11]);
                put(dw, dwOff, og, k, o + 3, t, first, lanes[12], lanes[13], lanes[14], lanes[15]);
            }
        }
    }

    /**
     * The 16 dot products of 4 channels of dy (from {@code d}, {@code nPad} apart) with taps
     * {@code t .. t + 3}, their lanes left in {@code lanes[(4 o + i) LANES, ...)} for channel o and
     * tap {@code t + i}.
     */
    private static void fourTaps(int nPad, int images, float[] work, int d, int dyStride, int srcStride, long[] rows, int t,
                                 float[] lanes) {
        FloatVector a00 = FloatVector.zero(SPECIES);
        FloatVector a01 = a00;
        FloatVector a02 = a00;
        FloatVector a03 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        FloatVector a12 = a00;
        FloatVector a13 = a00;
        FloatVector a20 = a00;
        FloatVector a21 = a00;
        FloatVector a22 = a00;
        FloatVector a23 = a00;
        FloatVector a30 = a00;
        FloatVector a31 = a00;
        FloatVector a32 = a00;
        FloatVector a33 = a00;
        for (int img = 0; img < images; img++) {
            int d0 = d + img * dyStride;
            int d1 = d0 + nPad;
            int d2 = d1 + nPad;
            int d3 = d2 + nPad;
            int s0 = (int) rows[t] + img * srcStride;
            int s1 = (int) rows[t + 1] + img * srcStride;
            int s2 = (int) rows[t + 2] + img * srcStride;
            int s3 = (int) rows[t + 3] + img * srcStride;
            for (int q = 0; q < nPad; q += LANES) {
                FloatVector x0 = FloatVector.fromArray(SPECIES, work, s0 + q);
                FloatVector x1 = FloatVector.fromArray(SPECIES, work, s1 + q);
                FloatVector x2 = FloatVector.fromArray(SPECIES, work, s2 + q);
                FloatVector x3 = FloatVector.fromArray(SPECIES, work, s3 + q);
                FloatVector g = FloatVector.fromArray(SPECIES, work, d0 + q);
                a00 = x0.fma(g, a00);
                a01 = x1.fma(g, a01);
                a02 = x2.fma(g, a02);
                a03 = x3.fma(g, a03);
                g = FloatVector.fromArray(SPECIES, work, d1 + q);
                a10 = x0.fma(g, a10);
                a11 = x1.fma(g, a11);
                a12 = x2.fma(g, a12);
                a13 = x3.fma(g, a13);
                g = FloatVector.fromArray(SPECIES, work, d2 + q);
                a20 = x0.fma(g, a20);
                a21 = x1.fma(g, a21);
                a22 = x2.fma(g, a22);
                a23 = x3.fma(g, a23);
                g = FloatVector.fromArray(SPECIES, work, d3 + q);
                a30 = x0.fma(g, a30);
                a31 = x1.fma(g, a31);
                a32 = x2.fma(g, a32);
                a33 = x3.fma(g, a33);
            }
        }
        a00.intoArray(lanes, 0 * LANES);
        a01.intoArray(lanes, 1 * LANES);
        a02.intoArray(lanes, 2 * LANES);
        a03.intoArray(lanes, 3 * LANES);
        a10.intoArray(lanes, 4 * LANES);
        a11.intoArray(lanes, 5 * LANES);
        a12.intoArray(lanes, 6 * LANES);
        a13.intoArray(lanes, 7 * LANES);
        a20.intoArray(lanes, 8 * LANES);
        a21.intoArray(lanes, 9 * LANES);
        a22.intoArray(lanes, 10 * LANES);
        a23.intoArray(lanes, 11 * LANES);
        a30.intoArray(lanes, 12 * LANES);
        a31.intoArray(lanes, 13 * LANES);
        a32.intoArray(lanes, 14 * LANES);
        a33.intoArray(lanes, 15 * LANES);
    }

    /**
     * {@link #fourTaps} for taps {@code t, t + 1} only, their lanes left at
     * {@code lanes[(4 o + i + first) LANES, ...)} for channel o and tap {@code t + i}.
     */
    private static void twoTaps(int nPad, int images, float[] work, int d, int dyStride, int srcStride, long[] rows, int t,
                                float[] lanes, int first) {
        FloatVector a00 = FloatVector.zero(SPECIES);
        FloatVector a01 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        FloatVector a20 = a00;
        FloatVector a21 = a00;
        FloatVector a30 = a00;
        FloatVector a31 = a00;
        for (int img = 0; img < images; img++) {
            int d0 = d + img * dyStride;
            int d1 = d0 + nPad;
            int d2 = d1 + nPad;
            int d3 = d2 + nPad;
            int s0 = (int) rows[t] + img * srcStride;
            int s1 = (int) rows[t + 1] + img * srcStride;
            for (int q = 0; q < nPad; q += LANES) {
                FloatVector x0 = FloatVector.fromArray(SPECIES, work, s0 + q);
                FloatVector x1 = FloatVector.fromArray(SPECIES, work, s1 + q);
                FloatVector g = FloatVector.fromArray(SPECIES, work, d0 + q);
                a00 = x0.fma(g, a00);
                a01 = x1.fma(g, a01);
                g = FloatVector.fromArray(SPECIES, work, d1 + q);
                a10 = x0.fma(g, a10);
                a11 = x1.fma(g, a11);
                g = FloatVector.fromArray(SPECIES, work, d2 + q);
                a20 = x0.fma(g, a20);
                a21 = x1.fma(g, a21);
                g = FloatVector.fromArray(SPECIES, work, d3 + q);
                a30 = x0.fma(g, a30);
                a31 = x1.fma(g, a31);
            }
        }
        a00.intoArray(lanes, first * LANES);
        a01.intoArray(lanes, (first + 1) * LANES);
        a10.intoArray(lanes, (4 + first) * LANES);
        a11.intoArray(lanes, (4 + first + 1) * LANES);
        a20.intoArray(lanes, (8 + first) * LANES);
        a21.intoArray(lanes, (8 + first + 1) * LANES);
        a30.intoArray(lanes, (12 + first) * LANES);
        a31.intoArray(lanes, (12 + first + 1) * LANES);
    }

    /** Stores (or adds) the four tap sums of output channel o, skipping padding channels and taps. */
    private static void put(MemorySegment dw, long dwOff, int og, int k, int o, int t, boolean first,
                            float v0, float v1, float v2, float v3) {
        if (o >= og) {
            return;
        }
        long row = dwOff + (long) o * k + t;
        putOne(dw, row, first, v0);
        if (t + 1 < k) {
            putOne(dw, row + 1, first, v1);
        }
        if (t + 2 < k) {
            putOne(dw, row + 2, first, v2);
        }
        if (t + 3 < k) {
            putOne(dw, row + 3, first, v3);
        }
    }

    private static void putOne(MemorySegment dw, long at, boolean first, float v) {
        FloatLanes.set(dw, at, first ? v : FloatLanes.get(dw, at) + v);
    }

    /** {@code dst [o4, k]}: the {@code og} rows of w, then zero rows. */
    private static void copyPaddedRows(int og, int o4, int k, MemorySegment w, long wAt, float[] dst) {
        MemorySegment.copy(w, FloatLanes.FLOAT, wAt * Float.BYTES, dst, 0, og * k);
        Arrays.fill(dst, og * k, o4 * k, 0f);
    }

    /** {@code f [c4, (o, t)] = w [o, c, t]}, zero rows past c: the kernel of the adjoint correlation. */
    private static void transpose(int og, int c, int c4, int taps, MemorySegment w, long wAt, float[] f) {
        int k = og * taps;
        Arrays.fill(f, c * k, c4 * k, 0f);
        for (int ch = 0; ch < c; ch++) {
            for (int o = 0; o < og; o++) {
                MemorySegment.copy(w, FloatLanes.FLOAT, (wAt + ((long) o * c + ch) * taps) * Float.BYTES, f, ch * k + o * taps,
                        taps);
            }
        }
    }

    /**
     * Per-thread weights of the correlation. On the heap, not in the workspace: the blocks
     * broadcast one weight per row and tap, and from a segment each such read carried a bounds
     * computation C2 redid before every block (about 25 instructions a row, disassembled), where
     * LeNet-5's 25 taps leave a block few iterations to repay it; an array index is checked once
     * for the loop.
     */
    private static final PerThreadArray<float[]> WEIGHTS = new PerThreadArray<>(float[]::new, a -> a.length, 256);

    /**
     * The floats a thread's scratch may take and keep: 1 MiB, twice LeNet-5 conv1's 16-image
     * weight-gradient chunk (131K floats), so LeNet's chunks are whole. One image that needs more
     * (the plan's workspace budget bounds it) gets an array for the call.
     */
    static final int SCRATCH_MAX_FLOATS = 1 << 18;

    /**
     * Per-thread scratch for the padded inputs, the wide dY and the outputs, on the heap, not in
     * the workspace: the inner loops are short (LeNet-5 conv2: 17 vectors per image and tap
     * block), and over a segment each loop redid its access checks; from an array the same loops
     * ran faster (Zen 3, in isolation, GFLOP/s: the weight gradient's dot products at LeNet-5
     * conv2's shape 22 to 39, at conv1's 36 to 46; the forward's 4 x 2 block 35-36 to 40-42).
     */
    private static final PerThreadArray<float[]> SCRATCH = new PerThreadArray<>(float[]::new, a -> a.length, 1024);

    /** This thread's scratch of at least {@code n} floats, or, past {@link #SCRATCH_MAX_FLOATS}, an array of the call's own. */
    private static float[] scratch(int n) {
        return n <= SCRATCH_MAX_FLOATS ? SCRATCH.atLeast(n) : new float[n];
    }
}
