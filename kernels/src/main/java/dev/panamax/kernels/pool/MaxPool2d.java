package dev.panamax.kernels.pool;

import static dev.panamax.kernels.FloatLanes.LANES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

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

    // 2 x 2 windows at stride 2 (the common case) are vectorized: two input rows are loaded as
    // pairs of vectors, and a two-vector shuffle splits even and odd columns, giving the four
    // candidates of 16 windows at once. (The scalar loop loses ~2.5x to mispredicted
    // comparisons on real data.)
    private static final IntVector LANE_INDEX = IntVector.zero(IntVector.SPECIES_PREFERRED).addIndex(1);

    /** One plane of 2 x 2 / stride 2 pooling, 16 windows per step. */
    private static void twoByTwo(boolean min, PoolGeometry g, MemorySegment x, long in, MemorySegment y, long out,
                                 MemorySegment argmax, long aOut) {
        int oh = g.outHeight();
        int ow = g.outWidth();
        int width = g.width();
        for (int i = 0; i < oh; i++) {
            long row0 = in + (long) (2 * i) * width;
            long row1 = row0 + width;
            for (int j = 0; j < ow; j += LANES) {
                int count = Math.min(LANES, ow - j);
                int cols = 2 * count;                                 // input columns read: 2j .. 2j + cols - 1
                VectorMask<Float> m0 = FloatLanes.firstLanes(Math.min(LANES, cols));
                VectorMask<Float> m1 = FloatLanes.firstLanes(Math.max(0, cols - LANES));
                long c0 = row0 + 2L * j;
                long c1 = row1 + 2L * j;
                FloatVector a0 = FloatLanes.load(x, c0, m0);
                FloatVector a1 = FloatLanes.load(x, c0 + LANES, m1);
                FloatVector b0 = FloatLanes.load(x, c1, m0);
                FloatVector b1 = FloatLanes.load(x, c1 + LANES, m1);
                FloatVector best = a0.rearrange(ColumnPairs.EVEN, a1);
                IntVector base = LANE_INDEX.mul(2).add(2 * i * width + 2 * j);   // index of the top-left element
                IntVector at = base;
                FloatVector v = a0.rearrange(ColumnPairs.ODD, a1);
                VectorMask<Float> better = wins(min, v, best);
                best = best.blend(v, better);
                at = at.blend(base.add(1), better.cast(IntVector.SPECIES_PREFERRED));
                v = b0.rearrange(ColumnPairs.EVEN, b1);
                better = wins(min, v, best);
                best = best.blend(v, better);
                at = at.blend(base.add(width), better.cast(IntVector.SPECIES_PREFERRED));
                v = b0.rearrange(ColumnPairs.ODD, b1);
                better = wins(min, v, best);
                best = best.blend(v, better);
                at = at.blend(base.add(width + 1), better.cast(IntVector.SPECIES_PREFERRED));
                long o = (long) i * ow + j;
                VectorMask<Float> m = FloatLanes.firstLanes(count);
                FloatLanes.store(best, y, out + o, m);
                at.intoMemorySegment(argmax, (aOut + o) * Integer.BYTES, java.nio.ByteOrder.nativeOrder(),
                        m.cast(IntVector.SPECIES_PREFERRED));
            }
        }
    }

    /** Lanes where {@code v} beats {@code best}: larger (smaller for min), or a NaN against a number. */
    private static VectorMask<Float> wins(boolean min, FloatVector v, FloatVector best) {
        return v.compare(min ? VectorOperators.LT : VectorOperators.GT, best)
                .or(v.test(VectorOperators.IS_NAN).andNot(best.test(VectorOperators.IS_NAN)));
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
        boolean twoByTwo = g.isTwoByTwo() && IntVector.SPECIES_PREFERRED.length() == LANES;
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
