package dev.panamax.properties;

import static dev.panamax.properties.FuzzArgs.at;
import static dev.panamax.properties.FuzzArgs.footprint;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.panamax.kernels.index.Gather;

/**
 * gather and its scatter-add backward under fuzzed ranks (1 to 3), shapes (the index's larger than
 * x's now and then), dimensions (out of range too), indices (one past the end or negative now and
 * then), offsets and segment sizes: a refusal that writes nothing, or each element the x element
 * its index names, and a gradient equal to the sums written out in double.
 */
class IndexFuzzTest {

    @FuzzTest
    void gather(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            FuzzArgs f = new FuzzArgs(data, arena);
            int rank = f.pick(1, 2, 3);
            long[] xShape = new long[rank];
            long[] shape = new long[rank];
            for (int d = 0; d < rank; d++) {
                xShape[d] = f.dim(5);
                shape[d] = f.pick(0, 1, 2, 3) == 0 ? f.dim(6) : Math.max(0, Math.min(xShape[d], f.dim(5)));
            }
            int dim = f.pick(0, 0, 1, 2, 3, -1);
            long n = FuzzArgs.count(shape);
            long xn = FuzzArgs.count(xShape);
            long iOff = f.offset();
            long xOff = f.offset();
            long yOff = f.offset();
            long size = dim >= 0 && dim < rank ? Math.max(0, xShape[dim]) : 1;
            MemorySegment index = f.longs(footprint(iOff, n, 1), -1, size);
            MemorySegment x = f.floats(footprint(xOff, xn, 1));
            MemorySegment y = f.floats(footprint(yOff, n, 1));
            boolean backward = f.bool();
            Runnable call = backward
                    ? () -> Gather.backward(xShape, dim, shape, index, iOff, y, yOff, x, xOff)
                    : () -> Gather.forward(xShape, dim, x, xOff, shape, index, iOff, y, yOff);
            MemorySegment out = backward ? x : y;
            MemorySegment gCopy = y == null ? null : arena.allocate(y.byteSize()).copyFrom(y);
            MemorySegment xCopy = x == null ? null : arena.allocate(x.byteSize()).copyFrom(x);
            if (!FuzzArgs.accepted(call, out) || n < 0 || xn < 0 || n > 1 << 16 || xn > 1 << 16) {
                return;
            }
            long[] strides = new long[rank];
            for (int d = rank - 1, s = 1; d >= 0; s *= (int) xShape[d], d--) {
                strides[d] = s;
            }
            double[] want = new double[(int) xn];
            long[] position = new long[rank];
            for (long i = 0; i < n; i++) {
                long at = 0;
                for (int d = 0; d < rank; d++) {
                    at += (d == dim ? index.getAtIndex(ValueLayout.JAVA_LONG, iOff + i) : position[d]) * strides[d];
                }
                if (backward) {
                    want[(int) at] += at(gCopy, yOff + i);
                } else if (Float.floatToIntBits(at(y, yOff + i)) != Float.floatToIntBits(at(xCopy, xOff + at))) {
                    throw new AssertionError("gather: element " + i + " is " + at(y, yOff + i) + ", want " + at(xCopy, xOff + at));
                }
                for (int d = rank - 1; d >= 0 && ++position[d] >= shape[d]; d--) {
                    position[d] = 0;
                }
            }
            for (int j = 0; backward && j < want.length; j++) {
                if (Math.abs(at(x, xOff + j) - want[j]) > 1e-5 * Math.max(1, Math.abs(want[j]))) {
                    throw new AssertionError("scatter-add: element " + j + " is " + at(x, xOff + j) + ", want " + want[j]);
                }
            }
        }
    }
}
