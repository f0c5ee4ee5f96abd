package dev.panamax.kernels.elementwise;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.Reductions;
import dev.panamax.kernels.gemm.Blas1;
import jdk.incubator.vector.FloatVector;

/**
 * Elementwise arithmetic under PyTorch's broadcasting, forward and the reduction its backward
 * needs. Both kernels run over an index space {@code shape} of any rank; the forward reads each
 * input through its own strides (0 along a broadcast dimension), the backward sums a gradient
 * over the dimensions an input was broadcast along ({@code Tensor.sum_to_size}).
 *
 * <p>Before looping, dimensions of size 1 are dropped and neighbours that step through all
 * operands alike are merged, so that {@code [N, C, H, W] * [N, C, 1, 1]} runs as N C rows of
 * H W elements times one number, and {@code [N, C] + [C]} as N rows of two contiguous operands:
 * the innermost run is one of four vector loops (both contiguous, either one a repeated number,
 * both repeated) or, for any other stride, a scalar one. (The merged dimensions live in small
 * arrays of the call's rank: a few hundred bytes per call, the only allocation.)
 */
public final class Broadcast {

    private Broadcast() {
    }

    /**
     * {@code y = a op b} over {@code shape}: element {@code i} (row-major multi-index) reads
     * {@code a[aOff + sum_d i_d aStrides[d]]} and {@code b[bOff + sum_d i_d bStrides[d]]} and
     * writes {@code y[yOff + i]}, y contiguous. Strides are at least 0 (0 repeats an element
     * along that dimension). {@code y} may be {@code a} or {@code b} itself with the same
     * contiguous layout (in place), but must not otherwise overlap them.
     */
    public static void apply(BinaryOp op, long[] shape, MemorySegment a, long aOff, long[] aStrides, MemorySegment b,
                             long bOff, long[] bStrides, MemorySegment y, long yOff) {
        if (op == null) {
            throw new IllegalArgumentException("op must not be null");
        }
        long n = checkShape(shape);
        checkStrided("a", a, aOff, shape, aStrides);
        checkStrided("b", b, bOff, shape, bStrides);
        Checks.floats("y", y, yOff, n);
        if (n == 0) {
            return;
        }
        long[] dims = new long[Math.max(1, shape.length)];
        long[][] merged = new long[2][dims.length];
        int r = merge(shape, new long[][] {aStrides, bStrides}, dims, merged);
        long[] sa = merged[0];
        long[] sb = merged[1];
        apply(op, 0, r, dims, a, aOff, sa, b, bOff, sb, y, yOff);
    }

    /**
     * {@code y = cond != 0 ? a : b} over {@code shape} ({@code torch.where}): cond int64, a and b
     * float32, each read through its own strides as in {@link #apply}; y contiguous, not
     * overlapping the inputs unless it is one of a and b itself, with the same layout.
     */
    public static void select(long[] shape, MemorySegment cond, long cOff, long[] cStrides, MemorySegment a, long aOff,
                              long[] aStrides, MemorySegment b, long bOff, long[] bStrides, MemorySegment y, long yOff) {
        long n = checkShape(shape);
        checkStrided("cond", cond, cOff, shape, cStrides, Long.BYTES);
        checkStrided("a", a, aOff, shape, aStrides);
        checkStrided("b", b, bOff, shape, bStrides);
        Checks.floats("y", y, yOff, n);
        if (n == 0) {
            return;
        }
        long[] dims = new long[Math.max(1, shape.length)];
        long[][] merged = new long[3][dims.length];
        int r = merge(shape, new long[][] {cStrides, aStrides, bStrides}, dims, merged);
        select(0, r, dims, merged, cond, cOff, a, aOff, b, bOff, y, yOff);
    }

    private static void select(int d, int rank, long[] dims, long[][] s, MemorySegment cond, long co, MemorySegment a, long ao,
                               MemorySegment b, long bo, MemorySegment y, long yo) {
        if (d == rank - 1) {
            long sc = s[0][d];
            long sa = s[1][d];
            long sb = s[2][d];
            for (long i = 0; i < dims[d]; i++) {
                boolean pick = cond.getAtIndex(FloatLanes.LONG, co + i * sc) != 0;
                FloatLanes.set(y, yo + i, pick ? FloatLanes.get(a, ao + i * sa) : FloatLanes.get(b, bo + i * sb));
            }
            return;
        }
        long inner = 1;
        for (int e = d + 1; e < rank; e++) {
            inner *= dims[e];
        }
        for (long i = 0; i < dims[d]; i++) {
            select(d + 1, rank, dims, s, cond, co + i * s[0][d], a, ao + i * s[1][d], b, bo + i * s[2][d], y, yo + i * inner);
        }
    }

    /**
     * Drops the dimensions of size 1 and merges neighbours that every operand steps through alike
     * (the outer one's stride the inner one's times its size): fills {@code dims} and each
     * operand's row of {@code merged}, and returns how many dimensions are left (at least 1).
     */
    private static int merge(long[] shape, long[][] strides, long[] dims, long[][] merged) {
        int r = 0;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1) {
                continue;
            }
            boolean alike = r > 0;
            for (int k = 0; alike && k < strides.length; k++) {
                alike = merged[k][r - 1] == strides[k][d] * shape[d];
            }
            if (alike) {
                dims[r - 1] *= shape[d];
            } else {
                dims[r++] = shape[d];
            }
            for (int k = 0; k < strides.length; k++) {
                merged[k][r - 1] = strides[k][d];
            }
        }
        if (r == 0) {
            dims[0] = 1;
            r = 1;
        }
        return r;
    }

    /** Dimension {@code d} of the merged space onwards; y's run for it is the product of the dimensions inside. */
    private static void apply(BinaryOp op, int d, int rank, long[] dims, MemorySegment a, long ao, long[] sa,
                              MemorySegment b, long bo, long[] sb, MemorySegment y, long yo) {
        if (d == rank - 1) {
            run(op, dims[d], a, ao, sa[d], b, bo, sb[d], y, yo);
            return;
        }
        long inner = 1;
        for (int e = d + 1; e < rank; e++) {
            inner *= dims[e];
        }
        for (long i = 0; i < dims[d]; i++) {
            apply(op, d + 1, rank, dims, a, ao + i * sa[d], sa, b, bo + i * sb[d], sb, y, yo + i * inner);
        }
    }

    /** One innermost run of n elements. */
    private static void run(BinaryOp op, long n, MemorySegment a, long ao, long as, MemorySegment b, long bo, long bs,
                            MemorySegment y, long yo) {
        long i = 0;
        if (as == 1 && bs == 1) {
            for (; i <= n - LANES; i += LANES) {
                store(op, FloatVector.fromMemorySegment(SPECIES, a, (ao + i) * Float.BYTES, ORDER),
                        FloatVector.fromMemorySegment(SPECIES, b, (bo + i) * Float.BYTES, ORDER), y, yo + i);
            }
        } else if (as == 1 && bs == 0) {
            FloatVector bv = FloatVector.broadcast(SPECIES, FloatLanes.get(b, bo));
            for (; i <= n - LANES; i += LANES) {
                store(op, FloatVector.fromMemorySegment(SPECIES, a, (ao + i) * Float.BYTES, ORDER), bv, y, yo + i);
            }
        } else if (as == 0 && bs == 1) {
            FloatVector av = FloatVector.broadcast(SPECIES, FloatLanes.get(a, ao));
            for (; i <= n - LANES; i += LANES) {
                store(op, av, FloatVector.fromMemorySegment(SPECIES, b, (bo + i) * Float.BYTES, ORDER), y, yo + i);
            }
        } else if (as == 0 && bs == 0) {
            FloatVector v = FloatVector.broadcast(SPECIES, op.apply(FloatLanes.get(a, ao), FloatLanes.get(b, bo)));
            for (; i <= n - LANES; i += LANES) {
                v.intoMemorySegment(y, (yo + i) * Float.BYTES, ORDER);
            }
        }
        for (; i < n; i++) {
            FloatLanes.set(y, yo + i, op.apply(FloatLanes.get(a, ao + i * as), FloatLanes.get(b, bo + i * bs)));
        }
    }

    /**
     * {@code y = a op b} for one vector, stored in each branch: no vector value leaves the
     * switch, so C2 keeps them in registers (a switch that returned one made it box them).
     */
    private static void store(BinaryOp op, FloatVector a, FloatVector b, MemorySegment y, long at) {
        switch (op) {
            case ADD -> a.add(b).intoMemorySegment(y, at * Float.BYTES, ORDER);
            case SUB -> a.sub(b).intoMemorySegment(y, at * Float.BYTES, ORDER);
            case MUL -> a.mul(b).intoMemorySegment(y, at * Float.BYTES, ORDER);
            case DIV -> a.div(b).intoMemorySegment(y, at * Float.BYTES, ORDER);
        }
    }

    /**
     * {@code out = g} summed to {@code target}: g is contiguous over {@code shape}, out contiguous
     * over {@code target}, of the same rank, each {@code target[d]} equal to {@code shape[d]} or 1
     * (then summed over). Runs summed along their own length go through {@link Reductions#sum}
     * (vector lanes, blocks in double); dimensions summed outside the innermost add whole rows
     * of floats into out, in order.
     */
    public static void sumTo(long[] shape, MemorySegment g, long gOff, long[] target, MemorySegment out, long outOff) {
        long n = checkShape(shape);
        long m = checkShape(target);
        if (target.length != shape.length) {
            throw new IllegalArgumentException("target " + Arrays.toString(target) + " must have the rank of shape "
                    + Arrays.toString(shape));
        }
        for (int d = 0; d < shape.length; d++) {
            if (target[d] != shape[d] && target[d] != 1) {
                throw new IllegalArgumentException("target " + Arrays.toString(target) + " must equal shape "
                        + Arrays.toString(shape) + " or be 1 in each dimension (dimension " + d + ")");
            }
        }
        Checks.floats("g", g, gOff, n);
        Checks.floats("out", out, outOff, m);
        if (m == 0) {
            return;
        }
        FloatLanes.fill(out, outOff, m, 0f);
        if (n == 0) {
            return;
        }
        // g steps row-major through shape; out through target, standing still along the summed
        // dimensions: merged like apply's operands, that leaves alternating kept and summed runs
        long[] gStrides = new long[shape.length];
        long[] outStrides = new long[shape.length];
        long gInner = 1;
        long outInner = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            gStrides[d] = gInner;
            outStrides[d] = target[d] == shape[d] ? outInner : 0;     // else target[d] is 1: summed
            gInner *= shape[d];
            outInner *= target[d];
        }
        long[] dims = new long[Math.max(1, shape.length)];
        long[][] merged = new long[2][dims.length];
        int r = merge(shape, new long[][] {gStrides, outStrides}, dims, merged);
        sumTo(0, r, dims, merged[0], merged[1], g, gOff, out, outOff);
    }

    /**
     * Dimension {@code d} of the merged space onwards. The innermost run is contiguous in g and
     * either summed into one element of out (stride 0) or added to a contiguous run of it.
     */
    private static void sumTo(int d, int rank, long[] dims, long[] sg, long[] so, MemorySegment g, long go, MemorySegment out,
                              long oo) {
        if (d == rank - 1) {
            if (so[d] == 0) {
                FloatLanes.set(out, oo, (float) (FloatLanes.get(out, oo) + Reductions.sum(dims[d], g, go)));
            } else {
                Blas1.saxpy(dims[d], 1f, g, go, out, oo);
            }
            return;
        }
        for (long i = 0; i < dims[d]; i++) {
            sumTo(d + 1, rank, dims, sg, so, g, go + i * sg[d], out, oo + i * so[d]);
        }
    }

    /** The element count of {@code shape}, after checking its sizes are at least 0. */
    private static long checkShape(long[] shape) {
        if (shape == null) {
            throw new IllegalArgumentException("shape must not be null");
        }
        for (int d = 0; d < shape.length; d++) {
            Checks.nonNegative("shape[" + d + "]", shape[d]);
        }
        return Checks.elements(shape);
    }

    /** Fails unless every float {@code off + sum_d i_d strides[d]} lies in the segment. */
    private static void checkStrided(String name, MemorySegment s, long off, long[] shape, long[] strides) {
        checkStrided(name, s, off, shape, strides, Float.BYTES);
    }

    /** Fails unless every element {@code off + sum_d i_d strides[d]} lies in the segment. */
    private static void checkStrided(String name, MemorySegment s, long off, long[] shape, long[] strides, int elementBytes) {
        Checks.notNull(name, s);
        if (strides == null || strides.length != shape.length) {
            throw new IllegalArgumentException(name + ": " + shape.length + " strides expected, one per dimension of "
                    + Arrays.toString(shape) + ", got " + (strides == null ? "none" : Arrays.toString(strides)));
        }
        if (off < 0) {
            throw new IllegalArgumentException(name + " offset must be >= 0, got " + off);
        }
        long last = off;
        try {
            for (int d = 0; d < shape.length; d++) {
                if (strides[d] < 0) {
                    throw new IllegalArgumentException(name + " strides must be >= 0, got " + Arrays.toString(strides));
                }
                if (shape[d] == 0) {
                    return;
                }
                last = Math.addExact(last, Math.multiplyExact(shape[d] - 1, strides[d]));
            }
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(name + ": strides " + Arrays.toString(strides) + " over " + Arrays.toString(shape)
                    + " from offset " + off + " reach beyond any segment");
        }
        Checks.extent(name, s, last, 1, 1, elementBytes);
    }
}
