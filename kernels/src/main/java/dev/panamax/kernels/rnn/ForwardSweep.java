package dev.panamax.kernels.rnn;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.gemm.PackedMatrixB;
import dev.panamax.kernels.gemm.PrepackedSgemm;
import dev.panamax.kernels.parallel.WorkerPool;

/**
 * The time loop of one layer and direction: at every step the recurrent product of the rows
 * still running, accumulated onto the gates that already hold the input projection, then one
 * fused pass of the cell over those rows.
 *
 * <p>Threads split the batch, not the step: thread {@code p} of {@code P} owns rows
 * {@code p, p + P, ...} of every step. Sequences never exchange data, so each thread runs all T
 * steps without waiting for the others (one fork per layer and direction, none per step), reads
 * its rows of A {@code P} rows apart, and, rows being sorted by length, gets an even share of
 * the work when lengths differ.
 *
 * <p>One instance per plan holds the operands of the current call in fields, so that the fork
 * passes a block made once, and a steady-state call allocates nothing.
 */
final class ForwardSweep {

    private final RnnPlan plan;
    private final RnnDescriptor desc;
    private final PackedSequences seq;
    private final int hidden;
    private final int gateWidth;
    private final WorkerPool.Block block = (index, count) -> run(index, count);

    // the layer and direction being run
    private boolean reverse;
    private PackedMatrixB[] weights;
    private MemorySegment st;
    private long gates;
    private long hPrev;
    private long extra;
    private MemorySegment ws;
    private long bias;
    private long zeros;
    private MemorySegment y;
    private long yAt;
    private long yLd;
    private MemorySegment h0;
    private long h0At;
    private MemorySegment c0;
    private long c0At;
    private MemorySegment hn;
    private long hnAt;
    private MemorySegment cn;
    private long cnAt;

    ForwardSweep(RnnPlan plan) {
        this.plan = plan;
        this.desc = plan.desc;
        this.seq = plan.sequences;
        this.hidden = desc.hiddenSize();
        this.gateWidth = desc.gateWidth();
    }

    /**
     * Runs every step of layer {@code layer}, direction {@code direction}; the gates at
     * {@code state} already hold the input projection. Null h0/c0 are zeros; null hn/cn are not
     * written. {@code h0At}... are the offsets of this layer and direction's {@code [N, H]} block.
     */
    void run(int layer, int direction, int threads, MemorySegment state, long stateAt, MemorySegment work, long biasAt,
             long zerosAt, MemorySegment out, long outAt, long outLd, MemorySegment h0, long h0At, MemorySegment c0,
             long c0At, MemorySegment hn, long hnAt, MemorySegment cn, long cnAt) {
        this.reverse = direction == 1;
        this.weights = plan.stepWeights(layer * desc.directions() + direction);
        this.st = state;
        this.gates = plan.gatesAt(stateAt);
        this.hPrev = plan.hPrevAt(stateAt);
        this.extra = plan.extraAt(stateAt);
        this.ws = work;
        this.bias = biasAt;
        this.zeros = zerosAt;
        this.y = out;
        this.yAt = outAt + (long) direction * hidden;
        this.yLd = outLd;
        this.h0 = h0;
        this.h0At = h0At;
        this.c0 = c0;
        this.c0At = c0At;
        this.hn = hn;
        this.hnAt = hnAt;
        this.cn = cn;
        this.cnAt = cnAt;
        if (threads <= 1) {
            run(0, 1);
        } else {
            WorkerPool.run(threads, block);
        }
        this.st = null;
        this.ws = null;
        this.y = null;
        this.h0 = null;
        this.c0 = null;
        this.hn = null;
        this.cn = null;
    }

    /** All steps for the rows of thread {@code p} of {@code count}. */
    private void run(int p, int count) {
        for (int s = 0; s < seq.steps; s++) {
            step(s, p, count);
        }
    }

    private int time(int s) {
        return reverse ? seq.steps - 1 - s : s;
    }

    private void step(int s, int p, int threads) {
        int t = time(s);
        int rows = seq.active[t];
        if (p >= rows) {
            return;
        }
        int last = seq.steps - 1;
        int before = s == 0 ? 0 : seq.active[time(s - 1)];
        int after = s == last ? 0 : seq.active[time(s + 1)];
        long row0 = seq.start[t];
        long rowBefore = s == 0 ? -1 : seq.start[time(s - 1)];
        long rowAfter = s == last ? -1 : seq.start[time(s + 1)];
        // rows that start here (all at the first step; more in the reverse direction) begin from h0
        for (int j = firstAtLeast(before, p, threads); j < rows; j += threads) {
            long to = hPrev + (row0 + j) * hidden;
            if (h0 == null) {
                FloatLanes.fill(st, to, hidden, 0f);
            } else {
                MemorySegment.copy(h0, (h0At + (long) seq.order[j] * hidden) * Float.BYTES, st, to * Float.BYTES,
                        (long) hidden * Float.BYTES);
            }
        }
        int m = (rows - p + threads - 1) / threads;
        long a = hPrev + (row0 + p) * hidden;
        long lda = (long) threads * hidden;
        long c = gates + (row0 + p) * gateWidth;
        long ldc = (long) threads * gateWidth;
        RnnCell cell = desc.cell();
        boolean resetAfter = desc.resetAfterProduct();
        boolean resetBefore = desc.resetBeforeProduct();
        int products = resetBefore ? 2 : cell.gates();
        for (int g = 0; g < products; g++) {
            if (resetAfter && g == 2) {
                // W_hn h stays apart from the n gate: r scales it
                PrepackedSgemm.multiply(m, 1f, st, a, lda, weights[g], 0, hidden, 0f, st, extra + (row0 + p) * hidden,
                        lda);
            } else {
                PrepackedSgemm.multiply(m, 1f, st, a, lda, weights[g], 0, hidden, 1f, st, c + (long) g * hidden, ldc);
            }
        }
        // the sigmoid gates (and LSTM's tanh gate), every row of the step
        if (cell == RnnCell.LSTM || cell == RnnCell.GRU) {
            int blocks = cell == RnnCell.LSTM ? 4 : 2;
            int tanhBlock = cell == RnnCell.LSTM ? 2 : -1;
            for (int j = p; j < rows; j += threads) {
                GateActivation.apply(hidden, blocks, tanhBlock, st, gates + (row0 + j) * gateWidth, ws, bias);
            }
        }
        if (resetBefore) {
            for (int j = p; j < rows; j += threads) {
                long r = row0 + j;
                GruCellForward.resetProduct(hidden, st, gates + r * gateWidth, extra + r * hidden, hPrev + r * hidden);
            }
            PrepackedSgemm.multiply(m, 1f, st, extra + (row0 + p) * hidden, lda, weights[2], 0, hidden, 1f, st,
                    c + 2L * hidden, ldc);
        }
        update(rows, before, after, row0, rowBefore, rowAfter, p, threads);
    }

    /**
     * The new states of the step's rows, from their activated gates. A method of its own, above
     * C2's inlining size, so that its one transcendental function (the cell's tanh) is never
     * compiled together with the sigmoid of {@link GateActivation} (see there).
     */
    private void update(int rows, int before, int after, long row0, long rowBefore, long rowAfter, int p,
                        int threads) {
        RnnCell cell = desc.cell();
        for (int j = p; j < rows; j += threads) {
            long r = row0 + j;
            int n = seq.order[j];
            boolean goesOn = j < after;
            MemorySegment next = goesOn ? st : hn;
            long nextAt = goesOn ? hPrev + (rowAfter + j) * hidden : hnAt + (long) n * hidden;
            long g = gates + r * gateWidth;
            long out = yAt + r * yLd;
            switch (cell) {
                case LSTM -> {
                    boolean starts = j >= before;
                    MemorySegment cp = starts ? (c0 == null ? ws : c0) : st;
                    long cpAt = starts ? (c0 == null ? zeros : c0At + (long) n * hidden) : extra + (rowBefore + j) * hidden;
                    LstmCellForward.row(hidden, st, g, extra + r * hidden, cp, cpAt, y, out, next, nextAt,
                            goesOn ? null : cn, cnAt + (long) n * hidden);
                }
                case GRU -> {
                    if (desc.resetAfterProduct()) {
                        GruCellForward.resetAfter(hidden, st, g, extra + r * hidden, hPrev + r * hidden, ws, bias, y, out,
                                next, nextAt);
                    } else {
                        GruCellForward.newState(hidden, st, g, hPrev + r * hidden, ws, bias, y, out, next, nextAt);
                    }
                }
                case TANH, RELU -> ElmanCellForward.row(hidden, cell == RnnCell.TANH, st, g, ws, bias, y, out, next, nextAt);
            }
        }
    }

    /** The first row {@code j >= from} with {@code j = p mod threads}. */
    static int firstAtLeast(int from, int p, int threads) {
        if (from <= p) {
            return p;
        }
        return from + Math.floorMod(p - from, threads);
    }
}
