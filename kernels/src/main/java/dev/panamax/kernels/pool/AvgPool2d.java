package dev.panamax.kernels.pool;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.parallel.WorkerPool;

/**
 * Average pooling ({@code torch.nn.functional.avg_pool2d}): the window's sum over the
 * zero-padded input, divided by {@code kH kW} ({@code countIncludePad}) or by the number of
 * window positions inside the unpadded input.
 */
public final class AvgPool2d {

    private AvgPool2d() {
    }

    // 2 x 2 windows at stride 2 without padding (LeNet's pools) take a plain scalar loop. A
    // vector version (loads of two rows, an even/odd column split by a two-vector shuffle)
    // measured the same speed when it compiled well, but C2 did not always intrinsify the
    // shuffles there and then boxed every vector: 1 MB of garbage per LeNet pooling call, 2 MB
    // per training step. Four loads and three adds per output cost less than that risk.

    private static void twoByTwoForward(PoolGeometry g, MemorySegment x, long in, MemorySegment y, long out) {
        int oh = g.outHeight();
        int ow = g.outWidth();
        int width = g.width();
        for (int i = 0; i < oh; i++) {
            long row0 = in + (long) (2 * i) * width;
            long row1 = row0 + width;
            long o = out + (long) i * ow;
            for (int j = 0; j < ow; j++) {
                float sum = FloatLanes.get(x, row0 + 2 * j) + FloatLanes.get(x, row0 + 2 * j + 1)
                        + FloatLanes.get(x, row1 + 2 * j) + FloatLanes.get(x, row1 + 2 * j + 1);
                FloatLanes.set(y, o + j, sum * 0.25f);
            }
        }
    }

    private static void twoByTwoBackward(PoolGeometry g, MemorySegment dy, long out, MemorySegment dx, long in) {
        int oh = g.outHeight();
        int ow = g.outWidth();
        int width = g.width();
        for (int i = 0; i < oh; i++) {
            long row0 = in + (long) (2 * i) * width;
            long row1 = row0 + width;
            long o = out + (long) i * ow;
            for (int j = 0; j < ow; j++) {
                float share = FloatLanes.get(dy, o + j) * 0.25f;
                FloatLanes.set(dx, row0 + 2 * j, share);
                FloatLanes.set(dx, row0 + 2 * j + 1, share);
                FloatLanes.set(dx, row1 + 2 * j, share);
                FloatLanes.set(dx, row1 + 2 * j + 1, share);
            }
        }
    }

    public static void forward(boolean countIncludePad, long planes, PoolGeometry g, MemorySegment x, long xOff,
                               MemorySegment y, long yOff) {
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
                    FloatLanes.set(y, yOff + p * g.outPlane() + (long) i * ow + j, sum / divisor(countIncludePad, g, r0, r1, c0, c1));
                }
            }
        }
    }

    /** {@code dx} (written): each output's gradient spread evenly over its window's input elements. */
    public static void backward(boolean countIncludePad, long planes, PoolGeometry g, MemorySegment dy, long dyOff,
                                MemorySegment dx, long dxOff) {
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
                            / divisor(countIncludePad, g, r0, r1, c0, c1);
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

    private static float divisor(boolean countIncludePad, PoolGeometry g, int r0, int r1, int c0, int c1) {
        return countIncludePad ? g.kernelH() * g.kernelW() : (r1 - r0) * (c1 - c0);
    }
}
