package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;

import dev.panamax.kernels.rnn.RnnBackward;
import dev.panamax.kernels.rnn.RnnCell;
import dev.panamax.kernels.rnn.RnnDescriptor;
import dev.panamax.kernels.rnn.RnnForward;
import dev.panamax.kernels.rnn.RnnPlan;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * What {@link RNNCell}, {@link LSTMCell} and {@link GRUCell} share, as PyTorch's
 * {@code nn.RNNCellBase}: one step of a recurrent cell, {@code x [N, I]} (or, unbatched,
 * {@code [I]}) and the state {@code [N, H]} (or {@code [H]}) to the next state, for loops the caller
 * writes (a decoder feeding back its own output, attention over an encoder between steps).
 *
 * <p>Parameters carry PyTorch's cell names and shapes ({@code weight_ih [G H, I]},
 * {@code weight_hh [G H, H]}, {@code bias_ih}, {@code bias_hh}), so a cell's {@code state_dict}
 * loads as it is, and are initialised as PyTorch does (uniform in {@code [-1/sqrt(H), 1/sqrt(H)]}).
 * A step runs the fused kernels of the sequence layers ({@link RnnForward}, {@link RnnBackward}) for
 * one time step.
 *
 * <p><b>Backpropagation through a loop.</b> Each {@code step} returns a {@link Step} that keeps
 * what its own backward needs (in training mode, outside {@link InferenceMode}), from the step's
 * arena: call {@code backward(step, ...)} for the steps of a loop in reverse order, passing each
 * the gradient of its output state plus what flowed back from the step after it, as autograd would.
 * The weights' gradients accumulate over the steps. The {@link Layer} form ({@link #forward(Tensor,
 * Arena)}, {@link #backward(Tensor, Arena)}) is one step from a zero state, its output the new
 * hidden state. In eval mode a step keeps nothing and threads may share the cell.
 */
public abstract sealed class RecurrentCell extends Layer permits RNNCell, LSTMCell, GRUCell {

    /**
     * One step's result: the new hidden state {@code h} ({@code [N, H]}, or {@code [H]}), LSTM's new
     * cell state {@code c} (null for the other cells), and what the step's backward needs.
     */
    public static final class Step {
        private final Tensor h;
        private final Tensor c;
        private final Tensor x;
        private final Tensor c0;
        private final Tensor reserve;
        private final int batch;
        private final boolean unbatched;
        private final boolean givenH;
        private final boolean givenC;

        private Step(Tensor h, Tensor c, Tensor x, Tensor c0, Tensor reserve, int batch, boolean unbatched, boolean givenH,
                     boolean givenC) {
            this.h = h;
            this.c = c;
            this.x = x;
            this.c0 = c0;
            this.reserve = reserve;
            this.batch = batch;
            this.unbatched = unbatched;
            this.givenH = givenH;
            this.givenC = givenC;
        }

        /** The new hidden state, {@code [N, H]} ({@code [H]} unbatched). */
        public Tensor h() {
            return h;
        }

        /** LSTM's new cell state, of h's shape; null for RNN and GRU cells. */
        public Tensor c() {
            return c;
        }
    }

    /** The weights' owner: one layer, one direction; its flat layout, names and initialisation. */
    private final Recurrent weights;
    private final RnnDescriptor desc;
    /** A plan for one step, taken by a call and put back after it, so that threads may share the cell in eval mode. */
    private final AtomicReference<RnnPlan> spare = new AtomicReference<>();
    private Step last;

    RecurrentCell(Recurrent weights) {
        this.weights = weights;
        this.desc = weights.descriptor();
        // weight_ih_l0 -> weight_ih: PyTorch's cells name their parameters without the layer
        weights.namedParameters().forEach((name, p) -> parameter(name.substring(0, name.length() - 3), p.value(), p.grad()));
    }

    /** The kernels' description of this cell: one layer, one direction. */
    public final RnnDescriptor descriptor() {
        return desc;
    }

    /** One step from a zero state: the new hidden state. */
    @Override
    public final Tensor forward(Tensor x, Arena arena) {
        last = run(x, null, null, arena);
        return last.h();
    }

    /** The input's gradient for {@code gy}, the gradient of the last {@link #forward(Tensor, Arena)}'s output. */
    @Override
    public final Tensor backward(Tensor gy, Arena arena) {
        if (last == null) {
            throw new IllegalStateException(describe() + ": backward called before forward");
        }
        return runBackward(last, gy, null, arena).x();
    }

    /** Each row of the batch is a sample of its own. */
    @Override
    public final boolean samplesIndependent() {
        return true;
    }

    /**
     * One step of the cell.
     *
     * @param h the state, {@code [N, H]} ({@code [H]} for an unbatched x), or null for zeros
     * @param c LSTM's cell state likewise, or null; null for the other cells
     */
    final Step run(Tensor x, Tensor h, Tensor c, Arena arena) {
        int inputs = desc.inputSize();
        int hidden = desc.hiddenSize();
        if (x.dtype() != DType.FLOAT32 || x.rank() < 1 || x.rank() > 2 || x.size(-1) != inputs
                || x.rank() == 2 && x.size(0) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(describe() + " expects float32 input [N, " + inputs + "] or, unbatched, ["
                    + inputs + "], got " + x.dtype() + " " + Arrays.toString(x.shape()));
        }
        boolean unbatched = x.rank() == 1;
        int batch = unbatched ? 1 : (int) x.size(0);
        long[] stateShape = unbatched ? new long[] {hidden} : new long[] {batch, hidden};
        Tensor h0 = state("h", h, stateShape, batch, arena);
        if (c != null && desc.cell() != RnnCell.LSTM) {
            throw new IllegalArgumentException(describe() + ": a cell state is only for LSTM cells");
        }
        Tensor c0 = state("c", c, stateShape, batch, arena);
        Tensor x3 = x.contiguous(arena).view(1, batch, inputs);
        Tensor hn = Tensor.empty(arena, 1, batch, hidden);
        Tensor cn = desc.cell() == RnnCell.LSTM ? Tensor.empty(arena, 1, batch, hidden) : null;
        boolean training = isTraining() && !InferenceMode.active();
        Tensor reserve = null;
        if (batch > 0) {
            RnnPlan plan = take(batch);
            try {
                reserve = training ? Tensor.empty(arena, plan.reserveFloats()) : null;
                Tensor work = Tensor.empty(arena, plan.workspaceFloats(training));
                RnnForward.forward(plan, training, x3.segment(), x3.offset(), (long) batch * inputs, inputs, null, 0,
                        h0 == null ? null : h0.segment(), h0 == null ? 0 : h0.offset(),
                        c0 == null ? null : c0.segment(), c0 == null ? 0 : c0.offset(),
                        weights.flatWeights().segment(), weights.flatWeights().offset(),
                        hn.segment(), hn.offset(), (long) batch * hidden, hidden, null, 0,
                        cn == null ? null : cn.segment(), cn == null ? 0 : cn.offset(),
                        reserve == null ? null : reserve.segment(), 0, work.segment(), 0);
            } finally {
                spare.set(plan);
            }
        } else if (training) {
            reserve = Tensor.empty(arena, 0);          // an empty batch: empty outputs, nothing to add in backward
        }
        return new Step(hn.view(stateShape), cn == null ? null : cn.view(stateShape), x3, c0, reserve, batch, unbatched,
                h != null, c != null);
    }

    /**
     * The backward of one step: accumulates the weights' gradients and returns the gradients of
     * the step's input and of the states it was given (null for a state it was not given, and for
     * the input when {@link #inputGradientRequired()} is false).
     *
     * @param gh the gradient of the step's new hidden state, or null for zero
     * @param gc LSTM: the gradient of its new cell state, or null for zero
     */
    final Recurrent.Gradients runBackward(Step step, Tensor gh, Tensor gc, Arena arena) {
        if (step == null) {
            throw new IllegalArgumentException(describe() + ": step must not be null");
        }
        if (step.reserve == null) {
            throw new IllegalStateException(describe() + ": this step ran in eval mode or inference mode and kept nothing "
                    + "for backward");
        }
        int batch = step.batch;
        int hidden = desc.hiddenSize();
        Tensor dh = gradient("the gradient of h", gh, step, arena);
        if (gc != null && desc.cell() != RnnCell.LSTM) {
            throw new IllegalArgumentException(describe() + ": a cell state's gradient is only for LSTM cells");
        }
        Tensor dc = gradient("the gradient of c", gc, step, arena);
        Tensor dx = inputGradientRequired() ? Tensor.zeros(arena, 1, batch, desc.inputSize()) : null;
        Tensor dh0 = step.givenH ? Tensor.zeros(arena, 1, batch, hidden) : null;
        Tensor dc0 = step.givenC ? Tensor.zeros(arena, 1, batch, hidden) : null;
        if (batch > 0) {
            RnnPlan plan = take(batch);
            try {
                Tensor work = Tensor.empty(arena, plan.workspaceFloats(true));
                Tensor dw = weights.flatGradients();
                RnnBackward.backward(plan, step.x.segment(), step.x.offset(), (long) batch * desc.inputSize(),
                        desc.inputSize(), null, 0, step.c0 == null ? null : step.c0.segment(),
                        step.c0 == null ? 0 : step.c0.offset(), weights.flatWeights().segment(),
                        weights.flatWeights().offset(), null, 0, 0, 0, dh == null ? null : dh.segment(),
                        dh == null ? 0 : dh.offset(), dc == null ? null : dc.segment(), dc == null ? 0 : dc.offset(),
                        dx == null ? null : dx.segment(), dx == null ? 0 : dx.offset(), (long) batch * desc.inputSize(),
                        desc.inputSize(), dh0 == null ? null : dh0.segment(), dh0 == null ? 0 : dh0.offset(),
                        dc0 == null ? null : dc0.segment(), dc0 == null ? 0 : dc0.offset(), dw.segment(), dw.offset(),
                        step.reserve.segment(), 0, work.segment(), 0);
            } finally {
                spare.set(plan);
            }
        }
        long[] stateShape = step.h.shape();
        long[] inputShape = step.unbatched ? new long[] {desc.inputSize()} : new long[] {batch, desc.inputSize()};
        return new Recurrent.Gradients(dx == null ? null : dx.view(inputShape), dh0 == null ? null : dh0.view(stateShape),
                dc0 == null ? null : dc0.view(stateShape));
    }

    /** The spare plan reshaped for {@code batch} rows, or a new one when another thread holds it. */
    private RnnPlan take(int batch) {
        RnnPlan plan = spare.getAndSet(null);
        return plan == null ? RnnPlan.of(desc, 1, batch) : plan.reshape(1, batch);
    }

    /** A state given to a step, as {@code [1, N, H]} dense, or null. */
    private Tensor state(String name, Tensor t, long[] shape, int batch, Arena arena) {
        if (t == null) {
            return null;
        }
        if (t.dtype() != DType.FLOAT32 || !t.hasShape(shape)) {
            throw new IllegalArgumentException(describe() + ": " + name + " must be float32 " + Arrays.toString(shape)
                    + " (the input's batch by hidden_size), got " + t.dtype() + " " + Arrays.toString(t.shape()));
        }
        return t.contiguous(arena).view(1, batch, desc.hiddenSize());
    }

    /** A gradient of a step's new state, as {@code [1, N, H]} dense, or null. */
    private Tensor gradient(String name, Tensor g, Step step, Arena arena) {
        if (g == null) {
            return null;
        }
        if (g.dtype() != DType.FLOAT32 || !g.sameShape(step.h)) {
            throw new IllegalArgumentException(describe() + ": " + name + " must be float32 " + Arrays.toString(step.h.shape())
                    + ", got " + g.dtype() + " " + Arrays.toString(g.shape()));
        }
        return g.contiguous(arena).view(1, step.batch, desc.hiddenSize());
    }

    @Override
    public String toString() {
        return describe() + "(" + desc.inputSize() + ", " + desc.hiddenSize() + (weights.options().bias() ? "" : ", bias=False")
                + weights.extraRepr() + ")";
    }

    @Override
    public String family() {
        return "recurrent";
    }
}
