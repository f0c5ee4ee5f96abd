package dev.panamax.kernels.rnn;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.gemm.Gemm;
import dev.panamax.kernels.parallel.WorkerPool;

/**
 * A stacked, optionally bidirectional RNN, LSTM or GRU over a batch of sequences, forward:
 * {@code torch.nn.RNN / LSTM / GRU} with {@code pack_padded_sequence} semantics when lengths are
 * given. Shapes and names as in the golden suite's OPS.md; the weights in the flat layout of
 * {@link RnnDescriptor}.
 *
 * <p>Per layer and direction (oneDNN's and cuDNN's structure): the input projection of all time
 * steps in one large GEMM before the time loop, {@code G = X W_ih^T} over the packed rows; the
 * recurrent weights packed once ({@link dev.panamax.kernels.gemm.PackedMatrixB}); then the time
 * loop ({@link ForwardSweep}), each step one product of the running rows' states against them,
 * accumulated onto G, and one fused pass of the cell. Layer {@code l + 1} reads layer {@code l}'s
 * packed output.
 *
 * <p>Variable lengths: sequence n runs steps {@code 0 .. lengths[n] - 1}; the reverse direction
 * starts at its own last step; outputs past a sequence's end are zero; h_n, c_n hold each
 * sequence's final states. Work follows the valid steps (see {@link PackedSequences}).
 */
public final class RnnForward {

    private RnnForward() {
    }

    /**
     * Runs the network.
     *
     * @param plan      the planned shape (T, N); calls through one plan must not overlap
     * @param training  keep what backward needs in {@code reserve}
     * @param x         input {@code [T, N, I]}: element {@code (t, n, i)} at
     *                  {@code xOff + t xStrideT + n xStrideN + i} (sequence-first:
     *                  {@code xStrideT = N I, xStrideN = I}; batch-first: {@code I, T I})
     * @param lengths   int64 {@code [N]}, each in {@code [1, T]}, any order; null when every
     *                  sequence has T steps
     * @param h0        initial states {@code [L D, N, H]}, or null for zeros
     * @param c0        LSTM initial cell states {@code [L D, N, H]}, or null for zeros; null for other cells
     * @param w         the weights, flat ({@link RnnDescriptor#weightCount()} floats at {@code wOff})
     * @param y         output {@code [T, N, D H]} with strides like x (forward features, then reverse)
     * @param hn        final states {@code [L D, N, H]}, or null
     * @param cn        LSTM final cell states {@code [L D, N, H]}, or null
     * @param reserve   training: {@link RnnPlan#reserveFloats()} floats kept for backward; else ignored
     * @param work      {@link RnnPlan#workspaceFloats(boolean)} floats of scratch
     * @throws IllegalArgumentException naming the argument at fault, before anything is written
     */
    public static void forward(RnnPlan plan, boolean training, MemorySegment x, long xOff, long xStrideT, long xStrideN,
                               MemorySegment lengths, long lengthsOff, MemorySegment h0, long h0Off, MemorySegment c0,
                               long c0Off, MemorySegment w, long wOff, MemorySegment y, long yOff, long yStrideT,
                               long yStrideN, MemorySegment hn, long hnOff, MemorySegment cn, long cnOff,
                               MemorySegment reserve, long reserveOff, MemorySegment work, long workOff) {
        RnnChecks.plan(plan);
        RnnDescriptor d = plan.desc;
        int steps = plan.steps;
        int batch = plan.batch;
        RnnChecks.input(plan, x, xOff, xStrideT, xStrideN, lengths, lengthsOff);
        RnnChecks.states(plan, h0, h0Off, c0, c0Off, "h0", "c0");
        Checks.floats("w", w, wOff, d.weightCount());
        RnnChecks.sequence("y", y, yOff, yStrideT, yStrideN, steps, batch, d.outputSize(), true);
        RnnChecks.states(plan, hn, hnOff, cn, cnOff, "hn", "cn");
        if (training) {
            Checks.floats("reserve", reserve, reserveOff, plan.reserveFloats());
        }
        Checks.floats("work", work, workOff, plan.workspaceFloats(training));

        PackedSequences seq = plan.sequences;
        seq.set(lengths, lengthsOff);
        int rows = seq.rows();
        int threads = RnnChecks.threads(plan, WorkerPool.shareable(x, lengths, h0, c0)
                && WorkerPool.shareable(w, y, hn, cn) && WorkerPool.shareable(reserve, work));
        boolean xInPlace = seq.uniform() && xStrideT == batch * xStrideN;
        boolean yInPlace = seq.uniform() && yStrideT == batch * yStrideN;
        MemorySegment in = x;
        long inAt = xOff;
        long inLd = xStrideN;
        if (!xInPlace) {
            in = work;
            inAt = workOff + plan.packedInput();
            inLd = d.inputSize();
            PackedRows.gather(seq, x, xOff, xStrideT, xStrideN, d.inputSize(), work, inAt);
        }
        long zeros = workOff + plan.forwardZeros();
        FloatLanes.fill(work, zeros, d.hiddenSize(), 0f);
        int dirs = d.directions();
        int gw = d.gateWidth();
        int hidden = d.hiddenSize();
        for (int l = 0; l < d.layers(); l++) {
            boolean lastLayer = l == d.layers() - 1;
            MemorySegment out;
            long outAt;
            long outLd;
            if (lastLayer && yInPlace) {
                out = y;
                outAt = yOff;
                outLd = yStrideN;
            } else if (lastLayer) {
                out = work;
                outAt = workOff + plan.packedOutput();
                outLd = d.outputSize();
            } else {
                out = training ? reserve : work;
                outAt = training ? reserveOff + plan.reserveOutput(l) : workOff + plan.inferenceOutput(l);
                outLd = d.outputSize();
            }
            int inSize = d.layerInputSize(l);
            for (int dir = 0; dir < dirs; dir++) {
                int ld = l * dirs + dir;
                MemorySegment state = training ? reserve : work;
                long stateAt = training ? reserveOff + plan.reserveState(l, dir) : workOff + plan.inferenceState();
                long wih = wOff + d.weightOffset(l, dir, RnnDescriptor.Weight.WEIGHT_IH);
                long whh = wOff + d.weightOffset(l, dir, RnnDescriptor.Weight.WEIGHT_HH);
                long biasAt = workOff + plan.biasAt(ld);
                RecurrentWeights.biases(d, w, wOff + d.weightOffset(l, dir, RnnDescriptor.Weight.BIAS_IH),
                        wOff + d.weightOffset(l, dir, RnnDescriptor.Weight.BIAS_HH), work, biasAt);
                RecurrentWeights.packForSteps(d, plan.stepWeights(ld), w, whh);
                // the input projection of every step at once
                Gemm.sgemm(false, true, rows, gw, inSize, 1f, in, inAt, inLd, w, wih, inSize, 0f, state,
                        plan.gatesAt(stateAt), gw);
                long block = (long) ld * batch * hidden;
                plan.forwardSweep.run(l, dir, threads, state, stateAt, work, biasAt, zeros, out, outAt, outLd,
                        h0, h0Off + block, c0, c0Off + block, hn, hnOff + block, cn, cnOff + block);
            }
            in = out;
            inAt = outAt;
            inLd = outLd;
        }
        if (!yInPlace) {
            PackedRows.scatter(seq, in, inAt, d.outputSize(), y, yOff, yStrideT, yStrideN);
        }
    }
}
