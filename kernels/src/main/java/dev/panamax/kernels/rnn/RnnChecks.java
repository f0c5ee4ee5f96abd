package dev.panamax.kernels.rnn;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.parallel.WorkerPool;

/** Argument checks shared by {@link RnnForward} and {@link RnnBackward}, and their thread count. */
final class RnnChecks {

    private RnnChecks() {
    }

    static void plan(RnnPlan plan) {
        if (plan == null) {
            throw new IllegalArgumentException("plan must not be null");
        }
    }

    /**
     * A {@code [T, N, F]} tensor whose element {@code (t, n, f)} lies at
     * {@code off + t strideT + n strideN + f}; one that is written must not overlap itself.
     */
    /** The input x {@code [T, N, I]} and the lengths (null, or each in {@code [1, T]}). */
    static void input(RnnPlan plan, MemorySegment x, long xOff, long xStrideT, long xStrideN, MemorySegment lengths,
                      long lengthsOff) {
        sequence("x", x, xOff, xStrideT, xStrideN, plan.steps, plan.batch, plan.desc.inputSize(), false);
        if (lengths != null) {
            PackedSequences.check(lengths, lengthsOff, plan.steps, plan.batch);
        }
    }

    static void sequence(String name, MemorySegment s, long off, long strideT, long strideN, int steps, int batch,
                         int features, boolean written) {
        Checks.notNull(name, s);
        if (off < 0 || strideT < 0 || strideN < 0) {
            throw new IllegalArgumentException(name + " offset and strides must be >= 0, got offset " + off + ", strides ("
                    + strideT + ", " + strideN + ")");
        }
        if (written) {
            boolean rowsApart = (batch == 1 || strideN >= features) && (steps == 1 || strideT >= features);
            boolean nested = steps == 1 || batch == 1 || strideT >= (long) batch * strideN
                    || strideN >= (long) steps * strideT;
            if (!rowsApart || !nested) {
                throw new IllegalArgumentException(name + " strides (" + strideT + ", " + strideN + ") make rows of "
                        + features + " features overlap for shape [" + steps + ", " + batch + ", " + features + "]");
            }
        }
        long last;
        try {
            last = Math.addExact(Math.addExact(off, Math.multiplyExact(steps - 1L, strideT)),
                    Math.addExact(Math.multiplyExact(batch - 1L, strideN), features - 1L));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(name + " strides (" + strideT + ", " + strideN + ") at offset " + off
                    + " reach beyond any segment");
        }
        long capacity = s.byteSize() / Float.BYTES;
        if (last >= capacity) {
            throw new IllegalArgumentException(name + " of shape [" + steps + ", " + batch + ", " + features + "] with strides ("
                    + strideT + ", " + strideN + ", 1) at offset " + off + " needs " + (last + 1)
                    + " floats; its segment holds " + capacity);
        }
    }

    /** Optional state tensors {@code [L D, N, H]}: h (any cell) and c (LSTM only). */
    static void states(RnnPlan plan, MemorySegment h, long hOff, MemorySegment c, long cOff, String hName, String cName) {
        RnnDescriptor d = plan.desc;
        long size = (long) d.layers() * d.directions() * plan.batch * d.hiddenSize();
        if (h != null) {
            state(plan, hName, h, hOff, size);
        }
        if (c != null) {
            if (d.cell() != RnnCell.LSTM) {
                throw new IllegalArgumentException(cName + " is only for LSTM; this network is " + d.cell());
            }
            state(plan, cName, c, cOff, size);
        }
    }

    /** One state tensor {@code [L D, N, H]}. */
    private static void state(RnnPlan plan, String name, MemorySegment s, long off, long size) {
        try {
            Checks.floats(name, s, off, size);
        } catch (IllegalArgumentException e) {
            RnnDescriptor d = plan.desc;
            throw Checks.withShape(e, name, (long) d.layers() * d.directions(), plan.batch, d.hiddenSize());
        }
    }

    /**
     * Threads for the time loops: the batch split needs {@link RnnPlan#MIN_ROWS_PER_THREAD} rows per
     * thread, and every segment must be reachable from the workers (not confined, which
     * {@code shareable}, false when any is not, says). The caller checks its segments with
     * {@link WorkerPool#shareable}'s fixed arities: a varargs array of them was one allocation per
     * call.
     */
    static int threads(RnnPlan plan, boolean shareable) {
        int t = Math.min(WorkerPool.threads(), plan.batch / RnnPlan.MIN_ROWS_PER_THREAD);
        return t > 1 && shareable ? t : 1;
    }
}
