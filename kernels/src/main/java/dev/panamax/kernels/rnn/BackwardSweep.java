package dev.panamax.kernels.rnn;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.gemm.PackedMatrixB;
import dev.panamax.kernels.gemm.PrepackedSgemm;
import dev.panamax.kernels.parallel.WorkerPool;

/**
 * The time loop of one layer and direction backward, last step first: at every step one fused
 * pass of the cell's backward over the rows running there, writing their gate gradients (kept for
 * all steps: the weight gradients are made from them afterwards in a few large products), then
 * the recurrent product {@code dG W_hh} that carries the gradient to the state the step started
 * from. Threads split the batch as in {@link ForwardSweep}, so no step waits for another thread.
 */
final class BackwardSweep {

    private final RnnPlan plan;
    private final RnnDescriptor desc;
    private final PackedSequences seq;
    private final int hidden;
    private final int gateWidth;
    private final WorkerPool.Block block = (index, count) -> run(index, count);

    private boolean reverse;
    private PackedMatrixB[] weights;
    private MemorySegment st;
    private long gates;
    private long hPrev;
    private long extra;
    private MemorySegment ws;
    private long zeros;
    private long dGx;
    private long dGh;
    private long dH;
    private long dC;
    private long dRh;
    private MemorySegment dy;
    private long dyAt;
    private long dyLd;
    private MemorySegment c0;
    private long c0At;
    private MemorySegment dhn;
    private long dhnAt;
    private MemorySegment dcn;
    private long dcnAt;
    private MemorySegment dh0;
    private long dh0At;
    private MemorySegment dc0;
    private long dc0At;

    BackwardSweep(RnnPlan plan) {
        this.plan = plan;
        this.desc = plan.desc;
        this.seq = plan.sequences;
        this.hidden = desc.hiddenSize();
        this.gateWidth = desc.gateWidth();
    }

    /**
     * Runs every step of layer {@code layer}, direction {@code direction} backward. {@code dy} (the
     * layer output's gradient, packed rows {@code dyLd} apart) may be null for zero, as may
     * dhn/dcn; dh0/dc0, when not null, receive the initial states' gradients (written).
     */
    void run(int layer, int direction, int threads, MemorySegment reserve, long stateAt, MemorySegment work, long workAt,
             MemorySegment dy, long dyAt, long dyLd, MemorySegment c0, long c0At, MemorySegment dhn, long dhnAt,
             MemorySegment dcn, long dcnAt, MemorySegment dh0, long dh0At, MemorySegment dc0, long dc0At) {
        this.reverse = direction == 1;
        this.weights = plan.backWeights(layer * desc.directions() + direction);
        this.st = reserve;
        this.gates = plan.gatesAt(stateAt);
        this.hPrev = plan.hPrevAt(stateAt);
        this.extra = plan.extraAt(stateAt);
        this.ws = work;
        this.zeros = workAt + plan.backwardZeros();
        this.dGx = workAt + plan.gateGradients();
        this.dGh = desc.resetAfterProduct() ? workAt + plan.recurrentGateGradients() : dGx;
        this.dH = workAt + plan.stateGradient();
        this.dC = workAt + plan.cellGradient();
        this.dRh = workAt + plan.resetProductGradient();
        this.dy = dy;
        this.dyAt = dyAt + (long) direction * hidden;
        this.dyLd = dyLd;
        this.c0 = c0;
        this.c0At = c0At;
        this.dhn = dhn;
        this.dhnAt = dhnAt;
        this.dcn = dcn;
        this.dcnAt = dcnAt;
        this.dh0 = dh0;
        this.dh0At = dh0At;
        this.dc0 = dc0;
        this.dc0At = dc0At;
        if (threads <= 1) {
            run(0, 1);
        } else {
            WorkerPool.run(threads, block);
        }
        this.st = null;
        this.ws = null;
        this.dy = null;
        this.c0 = null;
        this.dhn = null;
        this.dcn = null;
        this.dh0 = null;
        this.dc0 = null;
    }

    private void run(int p, int count) {
        for (int s = seq.steps - 1; s >= 0; s--) {
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
        RnnCell cell = desc.cell();
        if (cell == RnnCell.LSTM) {
            // tanh(c) where the o gate's gradient goes: the row pass then needs no transcendental
            for (int j = p; j < rows; j += threads) {
                long r = row0 + j;
                GateActivation.tanh(hidden, st, extra + r * hidden, ws, dGx + r * gateWidth + 3L * hidden);
            }
        }
        update(rows, before, after, row0, rowBefore, p, threads);
        // the gradient of the state this step started from: dG W_hh (+ the direct part GRU wrote)
        int m = (rows - p + threads - 1) / threads;
        long lda = (long) threads * gateWidth;
        long c = dH + (long) p * hidden;
        long ldc = (long) threads * hidden;
        switch (cell) {
            case LSTM, TANH, RELU -> PrepackedSgemm.multiply(m, 1f, ws, dGx + (row0 + p) * gateWidth, lda, weights[0], 0,
                    hidden, 0f, ws, c, ldc);
            case GRU -> {
                if (desc.resetAfterProduct()) {
                    PrepackedSgemm.multiply(m, 1f, ws, dGh + (row0 + p) * gateWidth, lda, weights[0], 0, hidden, 1f, ws, c,
                            ldc);
                } else {
                    // d(r h) = dn W_hn first: dr needs it
                    PrepackedSgemm.multiply(m, 1f, ws, dGx + (row0 + p) * gateWidth + 2L * hidden, lda, weights[1], 0,
                            hidden, 0f, ws, dRh + (long) p * hidden, ldc);
                    for (int j = p; j < rows; j += threads) {
                        long r = row0 + j;
                        GruCellBackward.resetGradient(hidden, st, gates + r * gateWidth, hPrev + r * hidden, ws,
                                dRh + (long) j * hidden, dGx + r * gateWidth, dH + (long) j * hidden);
                    }
                    PrepackedSgemm.multiply(m, 1f, ws, dGx + (row0 + p) * gateWidth, lda, weights[0], 0, hidden, 1f, ws, c,
                            ldc);
                }
            }
        }
        // rows that started here began from h0 (and c0)
        for (int j = ForwardSweep.firstAtLeast(before, p, threads); j < rows; j += threads) {
            long n = seq.order[j];
            if (dh0 != null) {
                MemorySegment.copy(ws, (dH + (long) j * hidden) * Float.BYTES, dh0, (dh0At + n * hidden) * Float.BYTES,
                        (long) hidden * Float.BYTES);
            }
            if (dc0 != null) {
                MemorySegment.copy(ws, (dC + (long) j * hidden) * Float.BYTES, dc0, (dc0At + n * hidden) * Float.BYTES,
                        (long) hidden * Float.BYTES);
            }
        }
    }

    /** The gate gradients of the step's rows (a method of its own for the reason in {@link ForwardSweep}). */
    private void update(int rows, int before, int after, long row0, long rowBefore, int p, int threads) {
        RnnCell cell = desc.cell();
        for (int j = p; j < rows; j += threads) {
            long r = row0 + j;
            long n = seq.order[j];
            boolean goesOn = j < after;
            // the gradient reaching h (and c) from later: the next step's, or the final state's
            MemorySegment dhs = goesOn ? ws : dhn == null ? ws : dhn;
            long dhAt = goesOn ? dH + (long) j * hidden : dhn == null ? zeros : dhnAt + n * hidden;
            MemorySegment dys = dy == null ? ws : dy;
            long dyRow = dy == null ? zeros : dyAt + r * dyLd;
            long g = gates + r * gateWidth;
            switch (cell) {
                case LSTM -> {
                    boolean starts = j >= before;
                    MemorySegment cp = starts ? (c0 == null ? ws : c0) : st;
                    long cpAt = starts ? (c0 == null ? zeros : c0At + n * hidden) : extra + (rowBefore + j) * hidden;
                    MemorySegment dcs = goesOn ? ws : dcn == null ? ws : dcn;
                    long dcAt = goesOn ? dC + (long) j * hidden : dcn == null ? zeros : dcnAt + n * hidden;
                    LstmCellBackward.row(hidden, st, g, cp, cpAt, dys, dyRow, dhs, dhAt, dcs, dcAt, ws, dGx + r * gateWidth,
                            dC + (long) j * hidden);
                }
                case GRU -> {
                    if (desc.resetAfterProduct()) {
                        GruCellBackward.resetAfter(hidden, st, g, extra + r * hidden, hPrev + r * hidden, dys, dyRow, dhs,
                                dhAt, ws, dGx + r * gateWidth, dGh + r * gateWidth, dH + (long) j * hidden);
                    } else {
                        GruCellBackward.resetBefore(hidden, st, g, hPrev + r * hidden, dys, dyRow, dhs, dhAt, ws,
                                dGx + r * gateWidth, dH + (long) j * hidden);
                    }
                }
                case TANH, RELU -> ElmanCellBackward.row(hidden, cell == RnnCell.TANH, st, g, dys, dyRow, dhs, dhAt, ws,
                        dGx + r * gateWidth);
            }
        }
    }
}
