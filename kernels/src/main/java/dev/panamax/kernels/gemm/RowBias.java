package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.FloatLanes.LANES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The bias of a linear layer: added to every row of its output, and, in backward, the sum of the
 * output gradient's rows. Rows are {@code [rows, n]} contiguous.
 */
public final class RowBias {

    private RowBias() {
    }

    /** {@code y[i, :] += bias} for every row i. */
    public static void add(long rows, long n, MemorySegment bias, long bOff, MemorySegment y, long yOff) {
        Checks.nonNegative("rows", rows);
        Checks.floats("bias", bias, bOff, n);
        Checks.floats("y", y, yOff, rows * n);
        for (long r = 0; r < rows; r++) {
            long row = yOff + r * n;
            for (long j = 0; j < n; j += LANES) {
                VectorMask<Float> m = FloatLanes.firstLanes(Math.min(LANES, n - j));
                FloatLanes.store(FloatLanes.load(y, row + j, m).add(FloatLanes.load(bias, bOff + j, m)), y, row + j, m);
            }
        }
    }

    /** {@code grad[j] = sum_i g[i, j]}: written, not accumulated. */
    public static void sumRows(long rows, long n, MemorySegment g, long gOff, MemorySegment grad, long gradOff) {
        Checks.nonNegative("rows", rows);
        Checks.floats("g", g, gOff, rows * n);
        Checks.floats("grad", grad, gradOff, n);
        for (long j = 0; j < n; j += LANES) {
            VectorMask<Float> m = FloatLanes.firstLanes(Math.min(LANES, n - j));
            FloatVector acc = FloatVector.zero(FloatLanes.SPECIES);
            for (long r = 0; r < rows; r++) {
                acc = acc.add(FloatLanes.load(g, gOff + r * n + j, m));
            }
            FloatLanes.store(acc, grad, gradOff + j, m);
        }
    }
}
