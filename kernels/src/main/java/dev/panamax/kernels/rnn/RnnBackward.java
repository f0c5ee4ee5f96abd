package dev.panamax.kernels.rnn;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.gemm.Gemm;
import dev.panamax.kernels.gemm.RowBias;
import dev.panamax.kernels.parallel.WorkerPool;

/**
 * Backpropagation through time for {@link RnnForward}: the gradients of the input, the initial
 * states and every weight and bias, from the gradients of the output and the final states.
 *
 * <p>Per layer (last first) and direction: the time loop ({@link BackwardSweep}), last step
 * first, computes every step's gate gradients in one fused pass and carries the state gradient
 * back through the recurrent weights; then the weight gradients and the input gradient come from
 * merged products over all steps at once, as oneDNN does:
 * {@code dW_ih += dG^T X}, {@code dW_hh += dG^T H_prev}, {@code db += colsum(dG)},
 * {@code dX = dG W_ih} (summed over directions), which is the output gradient of the layer below.
 * With lengths, padded positions get zero input gradient and take no part.
 */
public final class RnnBackward {

    private RnnBackward() {
    }

    /**
     * Runs the backward pass of the last training {@link RnnForward#forward} through this plan.
     *
     * @param x, lengths, c0, w   what forward received (h0 is kept in the reserve)
     * @param dy       gradient of y, {@code [T, N, D H]} with strides as x, or null for zero
     * @param dhn      gradient of h_n {@code [L D, N, H]}, or null for zero
     * @param dcn      LSTM: gradient of c_n, or null for zero
     * @param dx       where the gradient of x goes ({@code [T, N, I]}, strides as given; zero at padded
     *                 positions), or null to skip it
     * @param dh0      where the gradient of h0 goes, or null; {@code dc0} likewise (LSTM)
     * @param dw       the weights' gradient in the flat layout: <em>accumulated</em> ({@code +=}), as a
     *                 layer's parameter gradients are
     * @param reserve  the reserve forward filled, untouched since
     * @param work     {@link RnnPlan#workspaceFloats(boolean) workspaceFloats(true)} floats of scratch
     * @throws IllegalArgumentException naming the argument at fault, before anything is written
     */
    public static void backward(RnnPlan plan, MemorySegment x, long xOff, long xStrideT, long xStrideN,
                                MemorySegment lengths, long lengthsOff, MemorySegment c0, long c0Off, MemorySegment w,
                                long wOff, MemorySegment dy, long dyOff, long dyStrideT, long dyStrideN, MemorySegment dhn,
                                long dhnOff, MemorySegment dcn, long dcnOff, MemorySegment dx, long dxOff, long dxStrideT,
                                long dxStrideN, MemorySegment dh0, long dh0Off, MemorySegment dc0, long dc0Off,
                                MemorySegment dw, long dwOff, MemorySegment reserve, long reserveOff, MemorySegment work,
                                long workOff) {
        RnnChecks.plan(plan);
        RnnDescriptor d = plan.desc;
        int steps = plan.steps;
        int batch = plan.batch;
        RnnChecks.input(plan, x, xOff, xStrideT, xStrideN, lengths, lengthsOff);
        RnnChecks.states(plan, null, 0, c0, c0Off, "h0", "c0");
        Checks.floats("w", w, wOff, d.weightCount());
        if (dy != null) {
            RnnChecks.sequence("dy", dy, dyOff, dyStrideT, dyStrideN, steps, batch, d.outputSize(), false);
        }
        RnnChecks.states(plan, dhn, dhnOff, dcn, dcnOff, "dhn", "dcn");
        if (dx != null) {
            RnnChecks.sequence("dx", dx, dxOff, dxStrideT, dxStrideN, steps, batch, d.inputSize(), true);
        }
        RnnChecks.states(plan, dh0, dh0Off, dc0, dc0Off, "dh0", "dc0");
        Checks.floats("dw", dw, dwOff, d.weightCount());
        Checks.floats("reserve", reserve, reserveOff, plan.reserveFloats());
        Checks.floats("work", work, workOff, plan.workspaceFloats(true));

        PackedSequences seq = plan.sequences;
        seq.set(lengths, lengthsOff);
        int rows = seq.rows();
        int threads = RnnChecks.threads(plan, WorkerPool.shareable(x, lengths, c0, w) && WorkerPool.shareable(dy, dhn, dcn, dx)
                && WorkerPool.shareable(dh0, dc0, dw, reserve) && WorkerPool.shareable(work));
        int dirs = d.directions();
        int hidden = d.hiddenSize();
        int gw = d.gateWidth();
        FloatLanes.fill(work, workOff + plan.backwardZeros(), hidden, 0f);

        boolean xInPlace = seq.uniform() && xStrideT == batch * xStrideN;
        MemorySegment x0 = x;
        long x0At = xOff;
        long x0Ld = xStrideN;
        if (!xInPlace) {
            x0 = work;
            x0At = workOff + plan.packedInput();
            x0Ld = d.inputSize();
            PackedRows.gather(seq, x, xOff, xStrideT, xStrideN, d.inputSize(), work, x0At);
        }
        // the last layer's output gradient, packed
        MemorySegment g = dy;
        long gAt = dyOff;
        long gLd = dyStrideN;
        if (dy != null && !(seq.uniform() && dyStrideT == batch * dyStrideN)) {
            g = work;
            gAt = workOff + plan.packedOutputGradient();
            gLd = d.outputSize();
            PackedRows.gather(seq, dy, dyOff, dyStrideT, dyStrideN, d.outputSize(), work, gAt);
        }
        boolean dxInPlace = xInPlace && dx != null && dxStrideT == batch * dxStrideN;
        long dGx = workOff + plan.gateGradients();
        long dGh = d.resetAfterProduct() ? workOff + plan.recurrentGateGradients() : dGx;
        for (int l = d.layers() - 1; l >= 0; l--) {
            int inSize = d.layerInputSize(l);
            MemorySegment in = l == 0 ? x0 : reserve;
            long inAt = l == 0 ? x0At : reserveOff + plan.reserveOutput(l - 1);
            long inLd = l == 0 ? x0Ld : d.outputSize();
            // where this layer's input gradient goes (the output gradient of the layer below)
            boolean wantInput = l > 0 || dx != null;
            MemorySegment gin = dxInPlace && l == 0 ? dx : work;
            long ginAt = dxInPlace && l == 0 ? dxOff : workOff + plan.layerGradient(l % 2);
            long ginLd = dxInPlace && l == 0 ? dxStrideN : inSize;
            for (int dir = 0; dir < dirs; dir++) {
                int ld = l * dirs + dir;
                long stateAt = reserveOff + plan.reserveState(l, dir);
                long wih = wOff + d.weightOffset(l, dir, RnnDescriptor.Weight.WEIGHT_IH);
                long whh = wOff + d.weightOffset(l, dir, RnnDescriptor.Weight.WEIGHT_HH);
                RecurrentWeights.packForBackward(d, plan.backWeights(ld), w, whh);
                long block = (long) ld * batch * hidden;
                plan.backwardSweep.run(l, dir, threads, reserve, stateAt, work, workOff, g, gAt, gLd, c0, c0Off + block,
                        dhn, dhnOff + block, dcn, dcnOff + block, dh0, dh0Off + block, dc0, dc0Off + block);
                // weight and bias gradients from every step at once
                long dwih = dwOff + d.weightOffset(l, dir, RnnDescriptor.Weight.WEIGHT_IH);
                long dwhh = dwOff + d.weightOffset(l, dir, RnnDescriptor.Weight.WEIGHT_HH);
                Gemm.sgemm(true, false, gw, inSize, rows, 1f, work, dGx, gw, in, inAt, inLd, 1f, dw, dwih, inSize);
                long hPrev = plan.hPrevAt(stateAt);
                if (d.resetBeforeProduct()) {
                    Gemm.sgemm(true, false, 2 * hidden, hidden, rows, 1f, work, dGx, gw, reserve, hPrev, hidden, 1f, dw,
                            dwhh, hidden);
                    Gemm.sgemm(true, false, hidden, hidden, rows, 1f, work, dGx + 2L * hidden, gw, reserve,
                            plan.extraAt(stateAt), hidden, 1f, dw, dwhh + 2L * hidden * hidden, hidden);
                } else {
                    Gemm.sgemm(true, false, gw, hidden, rows, 1f, work, dGh, gw, reserve, hPrev, hidden, 1f, dw, dwhh,
                            hidden);
                }
                RowBias.addColumnSums(rows, gw, work, dGx, gw, dw,
                        dwOff + d.weightOffset(l, dir, RnnDescriptor.Weight.BIAS_IH));
                RowBias.addColumnSums(rows, gw, work, dGh, gw, dw,
                        dwOff + d.weightOffset(l, dir, RnnDescriptor.Weight.BIAS_HH));
                if (wantInput) {
                    Gemm.sgemm(false, false, rows, inSize, gw, 1f, work, dGx, gw, w, wih, inSize, dir == 0 ? 0f : 1f, gin,
                            ginAt, ginLd);
                }
            }
            g = gin;
            gAt = ginAt;
            gLd = ginLd;
        }
        if (dx != null && !dxInPlace) {
            PackedRows.scatter(seq, g, gAt, d.inputSize(), dx, dxOff, dxStrideT, dxStrideN);
        }
    }
}
