package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;

/**
 * The bias of a linear layer: added to every row of its output, and, in backward, the sum of the
 * output gradient's rows. Rows are {@code [rows, n]} contiguous.
 */
public final class RowBias {

    private RowBias() {
    }

    /**
     * {@code y[i, :] += bias} for every row i: whole vectors, then the row's last floats one by
     * one. A masked last vector would pass the end of y (or of a bias shorter than a vector) and
     * take the Vector API's scalar fallback, once per row; during warm-up C2 compiled that
     * fallback 56 times over, each recompilation delaying the kernels waiting behind it.
     */
    public static void add(long rows, long n, MemorySegment bias, long bOff, MemorySegment y, long yOff) {
        long whole = wholeVectors(rows, n, bias, bOff, y, yOff);
        for (long r = 0; r < rows; r++) {
            long row = yOff + r * n;
            long j = 0;
            for (; j < whole; j += LANES) {
                FloatVector.fromMemorySegment(SPECIES, y, (row + j) * Float.BYTES, ORDER).add(FloatVector.fromMemorySegment(SPECIES, bias, (bOff + j) * Float.BYTES, ORDER)).intoMemorySegment(y, (row + j) * Float.BYTES, ORDER);
            }
            for (; j < n; j++) {
                FloatLanes.set(y, row + j, FloatLanes.get(y, row + j) + FloatLanes.get(bias, bOff + j));
            }
        }
    }

    /**
     * {@code y[i, :] = relu(y[i, :] + bias)} for every row i, for a linear layer followed by ReLU
     * in inference: the values of {@link #add} then the ReLU kernel
     * ({@code max(v, 0)}: NaN stays NaN, -0 becomes +0), in one pass, the row's last floats one
     * by one as in {@link #add}. A loop of its own, not {@link #add}'s with a flag: merged, the
     * vector that one branch rectifies and the other does not was boxed in a LeNet-5 training
     * step (202 KB per step after warm-up, against 23 B), and the MLP's batch-1 inference ran
     * 3-5 % slower.
     */
    public static void addRelu(long rows, long n, MemorySegment bias, long bOff, MemorySegment y, long yOff) {
        long whole = wholeVectors(rows, n, bias, bOff, y, yOff);
        for (long r = 0; r < rows; r++) {
            long row = yOff + r * n;
            long j = 0;
            for (; j < whole; j += LANES) {
                FloatVector.fromMemorySegment(SPECIES, y, (row + j) * Float.BYTES, ORDER)
                        .add(FloatVector.fromMemorySegment(SPECIES, bias, (bOff + j) * Float.BYTES, ORDER)).max(0f)
                        .intoMemorySegment(y, (row + j) * Float.BYTES, ORDER);
            }
            for (; j < n; j++) {
                FloatLanes.set(y, row + j, Math.max(FloatLanes.get(y, row + j) + FloatLanes.get(bias, bOff + j), 0f));
            }
        }
    }

    /** Checks y {@code [rows, n]} and bias {@code [n]}; the floats of a row in whole vectors. */
    private static long wholeVectors(long rows, long n, MemorySegment bias, long bOff, MemorySegment y, long yOff) {
        Checks.nonNegative("rows", rows);
        Checks.floats("bias", bias, bOff, n);
        Checks.floats("y", y, yOff, Checks.elements(rows, n));
        return n / LANES * LANES;
    }

    /** {@code grad[j] = sum_i g[i, j]}: written, not accumulated. Columns past the last whole vector are summed one by one, in the same row order. */
    public static void sumRows(long rows, long n, MemorySegment g, long gOff, MemorySegment grad, long gradOff) {
        Checks.nonNegative("rows", rows);
        Checks.floats("g", g, gOff, Checks.elements(rows, n));
        Checks.floats("grad", grad, gradOff, n);
        long whole = n / LANES * LANES;
        for (long j = 0; j < whole; j += LANES) {
            FloatVector acc = FloatVector.zero(FloatLanes.SPECIES);
            for (long r = 0; r < rows; r++) {
                acc = acc.add(FloatVector.fromMemorySegment(SPECIES, g, (gOff + r * n + j) * Float.BYTES, ORDER));
            }
            acc.intoMemorySegment(grad, (gradOff + j) * Float.BYTES, ORDER);
        }
        for (long j = whole; j < n; j++) {
            float acc = 0f;
            for (long r = 0; r < rows; r++) {
                acc += FloatLanes.get(g, gOff + r * n + j);
            }
            FloatLanes.set(grad, gradOff + j, acc);
        }
    }

    /**
     * {@code out[j] += sum_i g[i, j]} over {@code rows} rows of {@code n} floats, {@code ldg} apart:
     * the bias gradient of a product over many rows (an RNN's time steps). Strips of 64 columns
     * walk down the rows in chunks of 256, each chunk's sum added to {@code out}: the partial sums
     * stay short, and every row is read as whole cache lines.
     */
    public static void addColumnSums(long rows, long n, MemorySegment g, long gOff, long ldg, MemorySegment out,
                                     long outOff) {
        Checks.nonNegative("rows", rows);
        Checks.nonNegative("n", n);
        if (ldg < n) {
            throw new IllegalArgumentException("ldg must be >= n (" + n + "), got " + ldg);
        }
        Checks.matrix("g", g, gOff, rows, n, ldg);
        Checks.floats("out", out, outOff, n);
        for (long j = 0; j < n; j += 4 * LANES) {
            long cols = Math.min(4 * LANES, n - j);
            if (cols == 4 * LANES) {
                for (long r0 = 0; r0 < rows; r0 += CHUNK) {
                    long r1 = Math.min(rows, r0 + CHUNK);
                    FloatVector s0 = FloatVector.zero(FloatLanes.SPECIES), s1 = s0, s2 = s0, s3 = s0;
                    for (long r = r0; r < r1; r++) {
                        long at = gOff + r * ldg + j;
                        s0 = s0.add(FloatVector.fromMemorySegment(SPECIES, g, at * Float.BYTES, ORDER));
                        s1 = s1.add(FloatVector.fromMemorySegment(SPECIES, g, (at + LANES) * Float.BYTES, ORDER));
                        s2 = s2.add(FloatVector.fromMemorySegment(SPECIES, g, (at + 2 * LANES) * Float.BYTES, ORDER));
                        s3 = s3.add(FloatVector.fromMemorySegment(SPECIES, g, (at + 3 * LANES) * Float.BYTES, ORDER));
                    }
                    long o = outOff + j;
                    FloatVector.fromMemorySegment(SPECIES, out, o * Float.BYTES, ORDER).add(s0).intoMemorySegment(out, o * Float.BYTES, ORDER);
                    FloatVector.fromMemorySegment(SPECIES, out, (o + LANES) * Float.BYTES, ORDER).add(s1).intoMemorySegment(out, (o + LANES) * Float.BYTES, ORDER);
                    FloatVector.fromMemorySegment(SPECIES, out, (o + 2 * LANES) * Float.BYTES, ORDER).add(s2).intoMemorySegment(out, (o + 2 * LANES) * Float.BYTES, ORDER);
                    FloatVector.fromMemorySegment(SPECIES, out, (o + 3 * LANES) * Float.BYTES, ORDER).add(s3).intoMemorySegment(out, (o + 3 * LANES) * Float.BYTES, ORDER);
                }
            } else {
                for (long c = j; c < n; c++) {
                    double s = 0;
                    for (long r = 0; r < rows; r++) {
                        s += FloatLanes.get(g, gOff + r * ldg + c);
                    }
                    FloatLanes.set(out, outOff + c, FloatLanes.get(out, outOff + c) + (float) s);
                }
            }
        }
    }

    private static final long CHUNK = 256;
}
