package dev.panamax.kernels.pool;

import static dev.panamax.kernels.FloatLanes.EVEN_LANES;
import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ODD_LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;
import static dev.panamax.kernels.FloatLanes.UPPER_HALF;
import static dev.panamax.kernels.FloatLanes.ZIP_HIGH;
import static dev.panamax.kernels.FloatLanes.ZIP_LOW;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Average pooling ({@code torch.nn.functional.avg_pool2d}): the window's sum over the
 * zero-padded input, divided by {@code kH kW} ({@code countIncludePad}; fewer for a window
 * ceil_mode runs past the right padding, as in PyTorch) or by the number of window positions
 * inside the unpadded input.
 */
public final class AvgPool2d {

    private AvgPool2d() {
    }

    // 2 x 2 windows at stride 2 without padding (LeNet's pools) run in vectors the way MaxPool2d's
    // values do (constant one-source shuffles and blends, in small methods that take and return no
    // vector, which C2 compiles without boxing): the scalar loops took 13 % of the calling thread's
    // time in a two-thread LeNet-5 training step, and the 28 x 28 pool now runs in half the time.
    // Each output is ((x00 + x01) + x10) + x11, times 1/4, as in the scalar loop kept for the last
    // rows of a segment, so the outputs do not depend on which path ran. A row shorter than a vector
    // (LeNet's 14 and 5 outputs with 16 lanes) is one vector that reads into the next rows and
    // stores its own lanes under one of FloatLanes' ready masks: the scalar loop there had left both
    // pools of a one-thread LeNet-5 training step at 12 % of its time.

    private static void twoByTwoForward(PoolGeometry g, MemorySegment x, long in, MemorySegment y, long out) {
        int oh = g.outHeight();
        int ow = g.outWidth();
        int width = g.width();
        long xEnd = x.byteSize() / Float.BYTES;
        for (int i = 0; i < oh; i++) {
            long row0 = in + (long) (2 * i) * width;
            long o = out + (long) i * ow;
            if (ow >= LANES) {
                // the last vector overlaps the one before it, which wrote the same values
                for (int k = 0; k < ow; k += LANES) {
                    int j = Math.min(k, ow - LANES);
                    averages(width, x, row0 + 2L * j, LANES, y, o + j);
                }
                continue;
            }
            if (row0 + width + 2L * LANES <= xEnd) {
                averages(width, x, row0, ow, y, o);
                continue;
            }
            long row1 = row0 + width;
            for (int j = 0; j < ow; j++) {
                float sum = FloatLanes.get(x, row0 + 2 * j) + FloatLanes.get(x, row0 + 2 * j + 1)
                        + FloatLanes.get(x, row1 + 2 * j) + FloatLanes.get(x, row1 + 2 * j + 1);
                FloatLanes.set(y, o + j, sum * 0.25f);
            }
        }
    }

    /**
     * {@code n} outputs (at most {@code LANES}) of one output row from the {@code 2 LANES} inputs of
     * each of the two input rows that start at {@code first} and {@code first + width} (those past
     * the row's {@code 2n} are read and not used): each row's even and odd columns gathered into
     * two vectors (a lane permutation of each half and a blend).
     */
    private static void averages(int width, MemorySegment x, long first, int n, MemorySegment y, long yAt) {
        long at = first * Float.BYTES;
        long below = (first + width) * Float.BYTES;
        long step = LANES * Float.BYTES;
        FloatVector a0 = FloatVector.fromMemorySegment(SPECIES, x, at, ORDER);
        FloatVector a1 = FloatVector.fromMemorySegment(SPECIES, x, at + step, ORDER);
        FloatVector b0 = FloatVector.fromMemorySegment(SPECIES, x, below, ORDER);
        FloatVector b1 = FloatVector.fromMemorySegment(SPECIES, x, below + step, ORDER);
        FloatVector sum = a0.rearrange(EVEN_LANES).blend(a1.rearrange(EVEN_LANES), UPPER_HALF)
                .add(a0.rearrange(ODD_LANES).blend(a1.rearrange(ODD_LANES), UPPER_HALF))
                .add(b0.rearrange(EVEN_LANES).blend(b1.rearrange(EVEN_LANES), UPPER_HALF))
                .add(b0.rearrange(ODD_LANES).blend(b1.rearrange(ODD_LANES), UPPER_HALF))
                .mul(0.25f);
        if (n == LANES) {
            sum.intoMemorySegment(y, yAt * Float.BYTES, ORDER);
        } else {
            sum.intoMemorySegment(y, yAt * Float.BYTES, ORDER, FloatLanes.firstLanes(n));
        }
    }

    private static void twoByTwoBackward(PoolGeometry g, MemorySegment dy, long out, MemorySegment dx, long in) {
        int oh = g.outHeight();
        int ow = g.outWidth();
        int width = g.width();
        long dyEnd = dy.byteSize() / Float.BYTES;
        for (int i = 0; i < oh; i++) {
            long row0 = in + (long) (2 * i) * width;
            long o = out + (long) i * ow;
            if (ow >= LANES) {
                for (int k = 0; k < ow; k += LANES) {
                    int j = Math.min(k, ow - LANES);
                    shares(width, dy, o + j, LANES, dx, row0 + 2L * j);
                }
                continue;
            }
            if (o + LANES <= dyEnd) {
                shares(width, dy, o, ow, dx, row0);
                continue;
            }
            long row1 = row0 + width;
            for (int j = 0; j < ow; j++) {
                float share = FloatLanes.get(dy, o + j) * 0.25f;
                FloatLanes.set(dx, row0 + 2 * j, share);
                FloatLanes.set(dx, row0 + 2 * j + 1, share);
                FloatLanes.set(dx, row1 + 2 * j, share);
                FloatLanes.set(dx, row1 + 2 * j + 1, share);
            }
        }
    }

    /**
     * A quarter of each of {@code n} output gradients (at most {@code LANES}) from {@code dyAt},
     * written twice over into the {@code 2n} inputs of each of the two input rows that start at
     * {@code first} and {@code first + width} (the lanes of dy past n are read and not used).
     */
    private static void shares(int width, MemorySegment dy, long dyAt, int n, MemorySegment dx, long first) {
        FloatVector share = FloatVector.fromMemorySegment(SPECIES, dy, dyAt * Float.BYTES, ORDER).mul(0.25f);
        FloatVector low = share.rearrange(ZIP_LOW);
        FloatVector high = share.rearrange(ZIP_HIGH);
        long at = first * Float.BYTES;
        long below = (first + width) * Float.BYTES;
        long step = LANES * Float.BYTES;
        if (n == LANES) {
            low.intoMemorySegment(dx, at, ORDER);
            high.intoMemorySegment(dx, at + step, ORDER);
            low.intoMemorySegment(dx, below, ORDER);
            high.intoMemorySegment(dx, below + step, ORDER);
            return;
        }
        VectorMask<Float> lowLanes = FloatLanes.firstLanes(2 * n);
        low.intoMemorySegment(dx, at, ORDER, lowLanes);
        low.intoMemorySegment(dx, below, ORDER, lowLanes);
        if (2 * n > LANES) {
            VectorMask<Float> highLanes = FloatLanes.firstLanes(2 * n - LANES);
            high.intoMemorySegment(dx, at + step, ORDER, highLanes);
            high.intoMemorySegment(dx, below + step, ORDER, highLanes);
        }
    }

    public static void forward(boolean countIncludePad, long planes, PoolGeometry g, MemorySegment x, long xOff,
                               MemorySegment y, long yOff) {
        requireUndilated(g);
        Checks.nonNegative("planes", planes);
        Checks.floats("x", x, xOff, Checks.elements(planes, g.plane()));
        Checks.floats("y", y, yOff, Checks.elements(planes, g.outPlane()));
        if (WorkerPool.serial(planes, MaxPool2d.minPlanes(g), x, y)) {
            forwardPlanes(countIncludePad, 0, planes, g, x, xOff, y, yOff);
        } else {
            parallel(true, countIncludePad, planes, g, x, xOff, y, yOff);
        }
    }

    private static void forwardPlanes(boolean countIncludePad, long from, long to, PoolGeometry g, MemorySegment x, long xOff,
                                      MemorySegment y, long yOff) {
        int oh = g.outHeight();
        int ow = g.outWidth();
        for (long p = from; p < to; p++) {
            long in = xOff + p * g.plane();
            if (g.isTwoByTwo()) {
                twoByTwoForward(g, x, in, y, yOff + p * g.outPlane());
                continue;
            }
            for (int i = 0; i < oh; i++) {
                int r0 = g.rowStart(i);
                int r1 = g.rowEnd(i);
                for (int j = 0; j < ow; j++) {
                    int c0 = g.colStart(j);
                    int c1 = g.colEnd(j);
                    float sum = 0f;
                    for (int r = r0; r < r1; r++) {
                        for (int c = c0; c < c1; c++) {
                            sum += FloatLanes.get(x, in + (long) r * g.width() + c);
                        }
                    }
                    FloatLanes.set(y, yOff + p * g.outPlane() + (long) i * ow + j, sum / divisor(countIncludePad, g, i, j, r0, r1, c0, c1));
                }
            }
        }
    }

    /** {@code dx} (written): each output's gradient spread evenly over its window's input elements. */
    public static void backward(boolean countIncludePad, long planes, PoolGeometry g, MemorySegment dy, long dyOff,
                                MemorySegment dx, long dxOff) {
        requireUndilated(g);
        Checks.nonNegative("planes", planes);
        Checks.floats("dy", dy, dyOff, Checks.elements(planes, g.outPlane()));
        Checks.floats("dx", dx, dxOff, Checks.elements(planes, g.plane()));
        if (WorkerPool.serial(planes, MaxPool2d.minPlanes(g), dy, dx)) {
            backwardPlanes(countIncludePad, 0, planes, g, dy, dyOff, dx, dxOff);
        } else {
            parallel(false, countIncludePad, planes, g, dy, dyOff, dx, dxOff);
        }
    }

    /** The forward or the backward pass over planes split between threads, as a reusable job. */
    private static void parallel(boolean forward, boolean countIncludePad, long planes, PoolGeometry g, MemorySegment in,
                                 long inOff, MemorySegment out, long outOff) {
        Planes job = PLANES.claim();
        job.countIncludePad = countIncludePad;
        job.split(forward, planes, g, in, inOff, out, outOff);
    }

    private static final WorkerPool.PerThread<Planes> PLANES = new WorkerPool.PerThread<>(Planes::new);

    private static final class Planes extends PlaneJob {
        boolean countIncludePad;

        @Override
        public void run(long from, long to) {
            if (forward) {
                forwardPlanes(countIncludePad, from, to, g, in, inOff, out, outOff);
            } else {
                backwardPlanes(countIncludePad, from, to, g, in, inOff, out, outOff);
            }
        }
    }

    private static void backwardPlanes(boolean countIncludePad, long from, long to, PoolGeometry g, MemorySegment dy,
                                       long dyOff, MemorySegment dx, long dxOff) {
        // 2 x 2 windows on even sizes cover every input once and write it: no zeroing pass needed
        if (!(g.isTwoByTwo() && g.height() % 2 == 0 && g.width() % 2 == 0)) {
            FloatLanes.fill(dx, dxOff + from * g.plane(), (to - from) * g.plane(), 0f);
        }
        int oh = g.outHeight();
        int ow = g.outWidth();
        for (long p = from; p < to; p++) {
            long base = dxOff + p * g.plane();
            if (g.isTwoByTwo()) {       // windows do not overlap: every covered element is written once
                twoByTwoBackward(g, dy, dyOff + p * g.outPlane(), dx, base);
                continue;
            }
            for (int i = 0; i < oh; i++) {
                int r0 = g.rowStart(i);
                int r1 = g.rowEnd(i);
                for (int j = 0; j < ow; j++) {
                    int c0 = g.colStart(j);
                    int c1 = g.colEnd(j);
                    float share = FloatLanes.get(dy, dyOff + p * g.outPlane() + (long) i * ow + j)
                            / divisor(countIncludePad, g, i, j, r0, r1, c0, c1);
                    for (int r = r0; r < r1; r++) {
                        for (int c = c0; c < c1; c++) {
                            long at = base + (long) r * g.width() + c;
                            FloatLanes.set(dx, at, FloatLanes.get(dx, at) + share);
                        }
                    }
                }
            }
        }
    }

    /**
     * The divisor of window {@code (i, j)}, clipped to rows {@code r0..r1} and columns {@code c0..c1}:
     * with padding counted, its positions inside the padded input ({@code kH kW} unless ceil_mode
     * ran it past the right padding), else those inside the input, as PyTorch's.
     */
    private static float divisor(boolean countIncludePad, PoolGeometry g, int i, int j, int r0, int r1, int c0, int c1) {
        return countIncludePad ? g.paddedRows(i) * g.paddedCols(j) : (r1 - r0) * (c1 - c0);
    }

    /** Average pooling has no dilation, as in PyTorch. */
    private static void requireUndilated(PoolGeometry g) {
        if (!g.isUndilated()) {
            throw new IllegalArgumentException("average pooling takes no dilation, got " + g.dilationH() + " x " + g.dilationW());
        }
    }
}
