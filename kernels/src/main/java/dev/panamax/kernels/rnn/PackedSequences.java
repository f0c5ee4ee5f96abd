package dev.panamax.kernels.rnn;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;

/**
 * How a batch of sequences of different lengths is laid out while a recurrent network runs: the
 * packed-sequence layout of {@code torch.nn.utils.rnn.pack_padded_sequence}.
 *
 * <p>Sequences are sorted by length, longest first (ties keep their batch order), so the
 * sequences still running at step {@code t} are always the first {@code active[t]} of that order:
 * each step works on a contiguous block of rows that shrinks as sequences end, and the time spent
 * follows the number of valid steps, not {@code T N}. Row {@code j} of step {@code t} lies at
 * packed row {@code start[t] + j} and belongs to sequence {@code order[j]} of the caller's batch.
 * Without lengths the order is the identity and every step has the whole batch: the packed layout
 * is then exactly a sequence-first {@code [T, N, *]} tensor.
 */
final class PackedSequences {

    int steps;
    int batch;
    /** {@code order[j]}: the caller's index of the j-th longest sequence. */
    int[] order = new int[0];
    /** {@code active[t]}: sequences longer than t. */
    int[] active = new int[0];
    /** {@code start[t]}: the packed row of step t's first row; {@code start[steps]} is the row count. */
    int[] start = new int[1];
    private int[] count = new int[2];
    private boolean uniform;

    PackedSequences(int steps, int batch) {
        resize(steps, batch);
    }

    /**
     * Takes another shape. Nothing is allocated until {@link #set}: a plan may be made for a shape
     * whose tensors are checked only when it runs, and these arrays grow with T and N.
     */
    void resize(int steps, int batch) {
        this.steps = steps;
        this.batch = batch;
    }

    /** The arrays for the current shape: they grow when needed and are kept otherwise. */
    private void reserve() {
        if (order.length < batch) {
            order = new int[batch];
        }
        if (active.length < steps) {
            active = new int[steps];
            start = new int[steps + 1];
            count = new int[steps + 2];
        }
    }

    /** Packed rows in all. */
    int rows() {
        return start[steps];
    }

    /** Whether every sequence runs all steps (no lengths): the packed layout is the sequence-first one. */
    boolean uniform() {
        return uniform;
    }

    /** Every sequence runs all {@code steps}. */
    private void setUniform() {
        for (int j = 0; j < batch; j++) {
            order[j] = j;
        }
        for (int t = 0; t < steps; t++) {
            active[t] = batch;
            start[t] = t * batch;
        }
        start[steps] = steps * batch;
        uniform = true;
    }

    /**
     * Checks {@code batch} int64 lengths without changing anything.
     *
     * @throws IllegalArgumentException naming the first length outside {@code [1, steps]}
     */
    static void check(MemorySegment lengths, long offset, int steps, int batch) {
        Checks.longs("lengths", lengths, offset, batch);
        for (int n = 0; n < batch; n++) {
            long len = FloatLanes.getLong(lengths, offset + n);
            if (len < 1 || len > steps) {
                throw new IllegalArgumentException("lengths[" + n + "] must be in [1, " + steps + "] (the sequence length), got "
                        + len);
            }
        }
    }

    /**
     * Lays out the batch: every sequence of T steps when {@code lengths} is null, else these
     * ({@link #check}ed). Called once the call's tensors are checked, which bounds T and N.
     */
    void set(MemorySegment lengths, long offset) {
        reserve();
        if (lengths == null) {
            setUniform();
        } else {
            setLengths(lengths, offset);
        }
    }

    /** Lays out the batch for these lengths ({@link #check}ed). */
    private void setLengths(MemorySegment lengths, long offset) {
        java.util.Arrays.fill(count, 0, steps + 2, 0);
        for (int n = 0; n < batch; n++) {
            count[(int) FloatLanes.getLong(lengths, offset + n)]++;
        }
        if (count[steps] == batch) {
            setUniform();
            return;
        }
        // slot of the first sequence of each length, longest first; active[t] = sequences longer than t
        int at = 0;
        for (int len = steps; len >= 1; len--) {
            int c = count[len];
            count[len] = at;
            at += c;
            active[len - 1] = at;
        }
        for (int n = 0; n < batch; n++) {
            order[count[(int) FloatLanes.getLong(lengths, offset + n)]++] = n;
        }
        int rows = 0;
        for (int t = 0; t < steps; t++) {
            start[t] = rows;
            rows += active[t];
        }
        start[steps] = rows;
        uniform = false;
    }
}
