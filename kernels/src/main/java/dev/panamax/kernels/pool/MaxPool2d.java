package dev.panamax.kernels.pool;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Max pooling ({@code torch.nn.functional.max_pool2d}) and min pooling ({@code -max_pool2d(-x)})
 * over {@code planes} planes: padding never wins (it counts as -inf for max, +inf for min). The
 * forward pass keeps, per output, the index in its plane of the element that won, so backward
 * sends each gradient to exactly that element (overlapping windows add).
 */
public final class MaxPool2d {

    private static final ValueLayout.OfInt INDEX = ValueLayout.JAVA_INT_UNALIGNED;

    private MaxPool2d() {
    }

    // 2 x 2 windows at stride 2 (the common case): max pooling runs 8 windows per step in
    // {@link #vectorMaxRow}; the row's last columns and min pooling take the scalar loop. An
    // earlier vector version split even and odd columns with two-vector shuffles: C2 did not fully
    // intrinsify it and boxed every vector (5 MB of garbage per call, 2.3 ms); the scalar loop
    // alone mispredicts its comparisons on real data (6.0 ms); the narrowing form runs at 1.6 ms
    // and allocates nothing.

    /** One plane of 2 x 2 / stride 2 pooling. */
    private static void twoByTwo(boolean min, PoolGeometry g, MemorySegment x, long in, MemorySegment y, long out,
                                 MemorySegment argmax, long aOut) {
        int oh = g.outHeight();
        int ow = g.outWidth();
        int width = g.width();
        for (int i = 0; i < oh; i++) {
            int top = 2 * i * width;
            long o = out + (long) i * ow;
            long ao = aOut + (long) i * ow;
            int j = min ? 0 : vectorMaxRow(x, in + top, width, ow, top, y, o, argmax, ao);
            for (; j < ow; j++) {
                int at = top + 2 * j;
                float best = FloatLanes.get(x, in + at);
                int arg = at;
                float v = FloatLanes.get(x, in + at + 1);
                boolean w = wins(min, v, best);
                best = w ? v : best;
                arg = w ? at + 1 : arg;
                v = FloatLanes.get(x, in + at + width);
                w = wins(min, v, best);
                best = w ? v : best;
                arg = w ? at + width : arg;
                v = FloatLanes.get(x, in + at + width + 1);
                w = wins(min, v, best);
                best = w ? v : best;
                arg = w ? at + width + 1 : arg;
                FloatLanes.set(y, o + j, best);
                argmax.setAtIndex(INDEX, ao + j, arg);
            }
        }
    }

    private static final VectorSpecies<Integer> HALF_INT = IntVector.SPECIES_256;

    /**
     * Max pooling of one output row, 8 windows per step, with no cross-lane shuffle: a pair of
     * adjacent floats is one 64-bit lane, so narrowing the longs to ints keeps the left column
     * and narrowing them shifted right by 32 keeps the right one (one vpmovqd each). Returns the
     * first output column left to the scalar loop.
     */
    private static int vectorMaxRow(MemorySegment x, long row0, int width, int ow, int top, MemorySegment y, long o,
                                    MemorySegment argmax, long ao) {
        int j = 0;
        for (; j + 8 <= ow; j += 8) {
            LongVector a = FloatLanes.load(x, row0 + 2L * j).reinterpretAsLongs();
            LongVector b = FloatLanes.load(x, row0 + width + 2L * j).reinterpretAsLongs();
            FloatVector tl = a.convertShape(VectorOperators.L2I, HALF_INT, 0).reinterpretAsFloats();
            FloatVector tr = a.lanewise(VectorOperators.LSHR, 32).convertShape(VectorOperators.L2I, HALF_INT, 0)
                    .reinterpretAsFloats();
            FloatVector bl = b.convertShape(VectorOperators.L2I, HALF_INT, 0).reinterpretAsFloats();
            FloatVector br = b.lanewise(VectorOperators.LSHR, 32).convertShape(VectorOperators.L2I, HALF_INT, 0)
                    .reinterpretAsFloats();
            IntVector at = IntVector.zero(HALF_INT).addIndex(2).add(top + 2 * j);
            // a candidate wins when larger, or NaN against a number (v != v is the NaN test)
            VectorMask<Float> w = tr.compare(VectorOperators.GT, tl).or(tr.compare(VectorOperators.NE, tr)
                    .andNot(tl.compare(VectorOperators.NE, tl)));
            FloatVector best = tl.blend(tr, w);
            IntVector arg = at.blend(at.add(1), w.cast(HALF_INT));
            w = bl.compare(VectorOperators.GT, best).or(bl.compare(VectorOperators.NE, bl)
                    .andNot(best.compare(VectorOperators.NE, best)));
            best = best.blend(bl, w);
            arg = arg.blend(at.add(width), w.cast(HALF_INT));
            w = br.compare(VectorOperators.GT, best).or(br.compare(VectorOperators.NE, br)
                    .andNot(best.compare(VectorOperators.NE, best)));
            best = best.blend(br, w);
            arg = arg.blend(at.add(width + 1), w.cast(HALF_INT));
            best.intoMemorySegment(y, (o + j) * Float.BYTES, java.nio.ByteOrder.nativeOrder());
            arg.intoMemorySegment(argmax, (ao + j) * Integer.BYTES, java.nio.ByteOrder.nativeOrder());
        }
        return j;
    }

    /** Whether {@code v} beats {@code best}: larger (smaller for min), or a NaN against a number. */
    private static boolean wins(boolean min, float v, float best) {
        return (min ? v < best : v > best) | (v != v & best == best);
    }

    /**
     * @param min     min pooling instead of max
     * @param argmax  {@code [planes, Hout, Wout]} int32: the winning index within the plane (written)
     */
    public static void forward(boolean min, long planes, PoolGeometry g, MemorySegment x, long xOff,
                               MemorySegment y, long yOff, MemorySegment argmax, long aOff) {
        Checks.floats("x", x, xOff, planes * g.plane());
        Checks.floats("y", y, yOff, planes * g.outPlane());
        Checks.extent("argmax", argmax, aOff, planes * g.outPlane(), 1, Integer.BYTES);
        int oh = g.outHeight();
        int ow = g.outWidth();
        boolean twoByTwo = g.isTwoByTwo();
        for (long p = 0; p < planes; p++) {
            long in = xOff + p * g.plane();
            long out = p * g.outPlane();
            if (twoByTwo) {
                twoByTwo(min, g, x, in, y, yOff + out, argmax, aOff + out);
                continue;
            }
            for (int i = 0; i < oh; i++) {
                int r0 = g.rowStart(i);
                int r1 = g.rowEnd(i);
                for (int j = 0; j < ow; j++) {
                    int c0 = g.colStart(j);
                    int c1 = g.colEnd(j);
                    int best = r0 * g.width() + c0;
                    float bestValue = FloatLanes.get(x, in + best);
                    for (int r = r0; r < r1; r++) {
                        for (int c = c0; c < c1; c++) {
                            int at = r * g.width() + c;
                            float v = FloatLanes.get(x, in + at);
                            // NaN wins, as in PyTorch: a NaN in the window makes the output NaN
                            if ((min ? v < bestValue : v > bestValue) || (Float.isNaN(v) && !Float.isNaN(bestValue))) {
                                best = at;
                                bestValue = v;
                            }
                        }
                    }
                    long o = out + (long) i * ow + j;
                    FloatLanes.set(y, yOff + o, bestValue);
                    argmax.setAtIndex(INDEX, aOff + o, best);
                }
            }
        }
    }

    /** {@code dx} (written) from {@code dy} and the forward pass's argmax. */
    public static void backward(long planes, PoolGeometry g, MemorySegment dy, long dyOff, MemorySegment argmax, long aOff,
                                MemorySegment dx, long dxOff) {
        Checks.floats("dy", dy, dyOff, planes * g.outPlane());
        Checks.extent("argmax", argmax, aOff, planes * g.outPlane(), 1, Integer.BYTES);
        Checks.floats("dx", dx, dxOff, planes * g.plane());
        FloatLanes.fill(dx, dxOff, planes * g.plane(), 0f);
        long outPlane = g.outPlane();
        for (long p = 0; p < planes; p++) {
            long base = dxOff + p * g.plane();
            for (long o = 0; o < outPlane; o++) {
                int at = argmax.getAtIndex(INDEX, aOff + p * outPlane + o);
                if (at < 0 || at >= g.plane()) {
                    throw new IllegalArgumentException("argmax[" + (p * outPlane + o) + "] = " + at + " is outside the plane");
                }
                FloatLanes.set(dx, base + at, FloatLanes.get(dx, base + at) + FloatLanes.get(dy, dyOff + p * outPlane + o));
            }
        }
    }
}
