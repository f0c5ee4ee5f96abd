package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.random.RandomGenerator;

import dev.panamax.kernels.gemm.Blas1;
import dev.panamax.kernels.rnn.RnnBackward;
import dev.panamax.kernels.rnn.RnnCell;
import dev.panamax.kernels.rnn.RnnDescriptor;
import dev.panamax.kernels.rnn.RnnForward;
import dev.panamax.kernels.rnn.RnnPlan;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * What {@link RNN}, {@link LSTM} and {@link GRU} share, as PyTorch's {@code nn.RNNBase}: stacked,
 * optionally bidirectional recurrent layers over {@code [T, N, I]} (or {@code [N, T, I]} with
 * {@code batch_first}), with optional initial states and per-sequence lengths, run by the fused
 * kernels of {@link RnnForward} and {@link RnnBackward}.
 *
 * <p>Parameters carry PyTorch's names and shapes ({@code weight_ih_l0 [G H, I]},
 * {@code weight_hh_l0 [G H, H]}, {@code bias_ih_l0}, {@code bias_hh_l0}, {@code ..._reverse}), so a
 * PyTorch {@code state_dict} loads as it is. They are views of one flat buffer (and their
 * gradients of another) in the kernels' layout, so a call hands the kernel one pointer, and
 * backward accumulates every weight gradient where the optimizer reads it. Initialised as PyTorch
 * does: every weight and bias uniform in {@code [-1/sqrt(H), 1/sqrt(H)]}.
 *
 * <p>Plans (one per sequence length and batch met) are cached, and reserve and workspace come
 * from the step's arena, so a steady-state training step allocates no memory of its own.
 * In training with {@code dropout > 0} the layers run one at a time with dropout between them.
 */
public abstract sealed class Recurrent extends Layer permits RNN, LSTM, GRU {

    /**
     * The outputs of a forward pass.
     *
     * @param y  every step's output of the last layer, {@code [T, N, D H]} ({@code [N, T, D H]} batch
     *           first); zero past a sequence's length
     * @param hn the final states {@code [L D, N, H]}
     * @param cn LSTM's final cell states {@code [L D, N, H]}, null for other cells
     *           (for an unbatched input, all three without N: {@code [T, D H]}, {@code [L D, H]})
     */
    public record Output(Tensor y, Tensor hn, Tensor cn) {
    }

    /**
     * The gradients backward returns (the parameters' are accumulated into their {@code grad}).
     *
     * @param x  of the input, null when the layer does not need its input gradient
     * @param h0 of the initial state, null when forward got none
     * @param c0 of LSTM's initial cell state, null when forward got none
     */
    public record Gradients(Tensor x, Tensor h0, Tensor c0) {
    }

    private final RnnDescriptor desc;
    private final RecurrentOptions options;
    private final Tensor weights;
    private final Tensor grads;
    private final Parameter initialH;
    private final Parameter initialC;
    private final Dropout[] dropouts;
    private final RnnDescriptor[] perLayer;
    /** One plan for all layers at once, and one per layer (training with dropout between layers). */
    private RnnPlan wholePlan;
    private final RnnPlan[] layerPlans;
    /** The shapes of the last call's batch and length ({@link #shapes}). */
    private Shapes lastShapes;
    /**
     * The last training forward's result and backward's gradients, handed back when they hold the
     * very tensors of this call (an arena that {@linkplain dev.panamax.nn.tensor.StepArena#reusingTensors()
     * reuses tensors}, in its steady state): a step then allocates nothing for them.
     */
    private Output lastOutput;
    private Gradients lastGradients;
    /**
     * The inference plan, taken by a call and put back after it (see {@link #infer}): a thread that
     * finds it taken, another thread serving the same model, makes a plan of its own. A slot, not a
     * queue: taking and returning it allocates nothing.
     */
    private final java.util.concurrent.atomic.AtomicReference<RnnPlan> spare = new java.util.concurrent.atomic.AtomicReference<>();
    private final Saved saved;

    Recurrent(RnnCell cell, long inputSize, long hiddenSize, RecurrentOptions options, boolean linearBeforeReset,
              RandomGenerator rng) {
        if (inputSize < 1 || hiddenSize < 1 || inputSize > Integer.MAX_VALUE || hiddenSize > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("input_size and hidden_size must be >= 1, got " + inputSize + " and "
                    + hiddenSize);
        }
        this.options = options;
        this.desc = new RnnDescriptor(cell, (int) inputSize, (int) hiddenSize, options.layers(), options.bidirectional(),
                linearBeforeReset);
        Arena memory = Arena.ofAuto();
        weights = Tensor.zeros(memory, desc.weightCount());
        grads = Tensor.zeros(memory, desc.weightCount());
        double bound = 1 / Math.sqrt(hiddenSize);
        for (int l = 0; l < desc.layers(); l++) {
            for (int d = 0; d < desc.directions(); d++) {
                for (RnnDescriptor.Weight w : RnnDescriptor.Weight.values()) {
                    boolean isBias = w == RnnDescriptor.Weight.BIAS_IH || w == RnnDescriptor.Weight.BIAS_HH;
                    if (isBias && !options.bias()) {
                        continue;
                    }
                    long at = desc.weightOffset(l, d, w);
                    long size = desc.weightSize(l, w);
                    long[] shape = isBias ? new long[] {desc.gateWidth()}
                            : new long[] {desc.gateWidth(), desc.layerInputSize(l)};
                    if (w == RnnDescriptor.Weight.WEIGHT_HH) {
                        shape[1] = hiddenSize;
                    }
                    Parameter p = parameter(RnnDescriptor.torchName(l, d, w), weights.slice(0, at, at + size).view(shape),
                            grads.slice(0, at, at + size).view(shape));
                    Init.uniform(p.value(), -bound, bound, rng);
                }
            }
        }
        long states = (long) desc.layers() * desc.directions();
        initialH = options.learnInitialState() ? parameter("h_0", states, hiddenSize) : null;
        initialC = options.learnInitialState() && cell == RnnCell.LSTM ? parameter("c_0", states, hiddenSize) : null;
        dropouts = new Dropout[Math.max(0, desc.layers() - 1)];
        perLayer = new RnnDescriptor[desc.layers()];
        for (int l = 0; l < desc.layers(); l++) {
            perLayer[l] = new RnnDescriptor(cell, desc.layerInputSize(l), (int) hiddenSize, 1, options.bidirectional(),
                    linearBeforeReset);
            if (l > 0 && options.dropout() > 0) {
                // children, so that train()/eval() reach them and checkpoints keep their position
                dropouts[l - 1] = child("dropout" + (l - 1), new Dropout(options.dropout(), rng.nextLong()));
            }
        }
        layerPlans = new RnnPlan[desc.layers()];
        saved = new Saved(desc.layers());
    }

    /** The kernels' description of this network. */
    public final RnnDescriptor descriptor() {
        return desc;
    }

    public final RecurrentOptions options() {
        return options;
    }

    /** Every weight and bias in the kernels' flat layout ({@link RnnDescriptor}); the parameters are views of it. */
    public final Tensor flatWeights() {
        return weights;
    }

    /** The gradients of {@link #flatWeights()}, in its layout; the parameters' gradients are views of it. */
    final Tensor flatGradients() {
        return grads;
    }

    /** {@link #forward(Tensor, Tensor, Tensor, Tensor, Arena)} from the initial state (zero, or learned): the output y. */
    @Override
    public final Tensor forward(Tensor x, Arena arena) {
        return forward(x, null, null, null, arena).y();
    }

    /** {@link #backward(Tensor, Tensor, Tensor, Arena)} with no gradient for the final states: the input's gradient. */
    @Override
    public final Tensor backward(Tensor gy, Arena arena) {
        return backward(gy, null, null, arena).x();
    }

    /**
     * Runs the network.
     *
     * @param x       {@code [T, N, I]}, or {@code [N, T, I]} batch first (any strides); T at least 1, N may
     *                be 0 (empty outputs, as in PyTorch). One sequence may come unbatched, {@code [T, I]}
     *                either way, as in PyTorch: its states are then {@code [L D, H]}, its output
     *                {@code [T, D H]}, and it has no lengths
     * @param h0      initial states {@code [L D, N, H]}, or null for zeros (or the learned state)
     * @param c0      LSTM initial cell states {@code [L D, N, H]}, or null; must be null for other cells
     * @param lengths int64 {@code [N]}, each in {@code [1, T]}, any order, or null when all have T steps:
     *                {@code pack_padded_sequence(enforce_sorted=False)} semantics
     * @throws IllegalArgumentException for a shape, dtype or length that does not fit, naming it
     */
    public final Output forward(Tensor x, Tensor h0, Tensor c0, Tensor lengths, Arena arena) {
        boolean single = x.rank() == 2;
        if (single) {
            if (lengths != null) {
                throw new IllegalArgumentException(describe() + ": lengths are for a batch of sequences, and input "
                        + Arrays.toString(x.shape()) + " is one, unbatched");
            }
            int batchDim = batchDim();
            Output o = forwardBatch(x.unsqueeze(batchDim), asBatchState("h0", h0), asBatchState("c0", c0), null, arena);
            saved.unbatched = true;
            return new Output(o.y().squeeze(batchDim), o.hn().squeeze(1), withoutBatch(o.cn(), 1));
        }
        Output o = forwardBatch(x, h0, c0, lengths, arena);
        saved.unbatched = false;
        return o;
    }

    /** The batch dimension of a batched input: 1, or 0 batch first. */
    private int batchDim() {
        return options.batchFirst() ? 0 : 1;
    }

    /** An unbatched sequence's state {@code [L D, H]} (or its gradient) as a batch of one's, or null. */
    private Tensor asBatchState(String name, Tensor state) {
        if (state == null) {
            return null;
        }
        if (state.rank() != 2) {
            throw new IllegalArgumentException(describe() + ": with an unbatched input, " + name + " must be [L D, H] = ["
                    + (long) desc.layers() * desc.directions() + ", " + desc.hiddenSize() + "], got "
                    + Arrays.toString(state.shape()));
        }
        return state.unsqueeze(1);
    }

    private Output forwardBatch(Tensor x, Tensor h0, Tensor c0, Tensor lengths, Arena arena) {
        if (x.rank() != 3 || x.dtype() != DType.FLOAT32 || x.size(2) != desc.inputSize()) {
            throw new IllegalArgumentException(describe() + " expects float32 input " + layoutName(desc.inputSize())
                    + ", got " + x.dtype() + " " + Arrays.toString(x.shape()));
        }
        int tDim = options.batchFirst() ? 1 : 0;
        long steps = x.size(tDim);
        long batch = x.size(1 - tDim);
        if (steps < 1 || steps > Integer.MAX_VALUE || batch > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(describe() + " needs at least one step (as PyTorch's), got input "
                    + Arrays.toString(x.shape()));
        }
        Shapes shapes = shapes(batch, steps);
        long[] stateShape = shapes.state;
        if (x.stride(2) != 1) {
            x = x.contiguous(arena);
        }
        h0 = state("h0", h0, stateShape, arena);
        if (c0 != null && desc.cell() != RnnCell.LSTM) {
            throw new IllegalArgumentException(describe() + ": c0 is only for LSTM");
        }
        c0 = state("c0", c0, stateShape, arena);
        if (lengths != null) {
            if (lengths.dtype() != DType.INT64 || !lengths.hasShape(batch)) {
                throw new IllegalArgumentException(describe() + ": lengths must be int64 [" + batch + "] (one per sequence), got "
                        + lengths.dtype() + " " + Arrays.toString(lengths.shape()));
            }
            lengths = lengths.contiguous(arena);
        }
        boolean callerH0 = h0 != null;
        boolean callerC0 = c0 != null;
        if (h0 == null && initialH != null) {
            h0 = broadcast(initialH.value(), stateShape, arena);
        }
        if (c0 == null && initialC != null) {
            c0 = broadcast(initialC.value(), stateShape, arena);
        }
        long[] yShape = shapes.y;
        Tensor y = Tensor.empty(arena, yShape);
        Tensor hn = Tensor.empty(arena, stateShape);
        Tensor cn = desc.cell() == RnnCell.LSTM ? Tensor.empty(arena, stateShape) : null;
        boolean training = isTraining();
        if (batch == 0) {
            // an empty batch (a data-parallel shard's last, say) gives empty outputs, as in PyTorch;
            // no kernel runs, and its backward adds nothing to the weights' gradients
            saved.training = training;
            if (training) {
                saved.segments = 0;
                saved.x = x;
                saved.lengths = lengths;
                saved.callerH0 = callerH0;
                saved.callerC0 = callerC0;
            }
            return new Output(y, hn, cn);
        }
        if (!training) {
            saved.training = false;      // the same value from every thread: a later backward is refused
            return infer(x, h0, c0, lengths, y, hn, cn, (int) steps, (int) batch, arena);
        }
        Saved s = saved;
        s.callerH0 = callerH0;
        s.callerC0 = callerC0;
        int segments = options.dropout() > 0 && desc.layers() > 1 ? desc.layers() : 1;
        Tensor in = x;
        for (int k = 0; k < segments; k++) {
            RnnPlan plan = plan(segments, k, (int) steps, (int) batch);
            int first = segments == 1 ? 0 : k;
            boolean last = k == segments - 1;
            Tensor out = last ? y : Tensor.empty(arena, yShape);
            Tensor reserve = Tensor.empty(arena, plan.reserveFloats());
            Tensor work = Tensor.empty(arena, plan.workspaceFloats(true));
            long stateAt = stateOffset(first, batch);
            RnnForward.forward(plan, true, in.segment(), in.offset(), strideT(in), strideN(in),
                    lengths == null ? null : lengths.segment(), lengths == null ? 0 : lengths.offset(),
                    h0 == null ? null : h0.segment(), h0 == null ? 0 : h0.offset() + stateAt,
                    c0 == null ? null : c0.segment(), c0 == null ? 0 : c0.offset() + stateAt,
                    weights.segment(), weights.offset() + desc.weightOffset(first, 0, RnnDescriptor.Weight.WEIGHT_IH),
                    out.segment(), out.offset(), strideT(out), strideN(out),
                    hn.segment(), hn.offset() + stateAt, cn == null ? null : cn.segment(), cn == null ? 0 : cn.offset() + stateAt,
                    reserve.segment(), 0, work.segment(), 0);
            s.plans[k] = plan;
            s.reserves[k] = reserve;
            s.inputs[k] = in;
            if (!last) {
                in = dropouts[k].forward(out, arena);
            }
        }
        s.segments = segments;
        s.x = x;
        s.lengths = lengths;
        s.h0 = h0;
        s.c0 = c0;
        s.training = true;
        Output out = lastOutput;
        if (out == null || out.y() != y || out.hn() != hn || out.cn() != cn) {
            out = new Output(y, hn, cn);
            lastOutput = out;
        }
        return out;
    }

    /**
     * Inference: one plan for the whole stack, borrowed from {@link #spare} for the call and
     * nothing written to the layer, so that threads may share a model in eval mode (a plan holds
     * the packed weights and the batch layout of one call at a time).
     */
    private Output infer(Tensor x, Tensor h0, Tensor c0, Tensor lengths, Tensor y, Tensor hn, Tensor cn, int steps, int batch,
                         Arena arena) {
        RnnPlan plan = spare.getAndSet(null);
        plan = plan == null ? RnnPlan.of(desc, steps, batch) : plan.reshape(steps, batch);
        try {
            Tensor work = Tensor.empty(arena, plan.workspaceFloats(false));
            RnnForward.forward(plan, false, x.segment(), x.offset(), strideT(x), strideN(x),
                    lengths == null ? null : lengths.segment(), lengths == null ? 0 : lengths.offset(),
                    h0 == null ? null : h0.segment(), h0 == null ? 0 : h0.offset(),
                    c0 == null ? null : c0.segment(), c0 == null ? 0 : c0.offset(),
                    weights.segment(), weights.offset(), y.segment(), y.offset(), strideT(y), strideN(y),
                    hn.segment(), hn.offset(), cn == null ? null : cn.segment(), cn == null ? 0 : cn.offset(),
                    null, 0, work.segment(), 0);
        } finally {
            spare.set(plan);
        }
        return new Output(y, hn, cn);
    }

    /**
     * Backpropagation through time for the last forward (in training mode): accumulates every
     * parameter's gradient and returns the gradients of the input and of the initial states.
     *
     * @param gy  gradient of y (its shape), or null for zero
     * @param ghn gradient of h_n {@code [L D, N, H]} ({@code [L D, H]} after an unbatched input), or null for zero
     * @param gcn LSTM: gradient of c_n, or null for zero
     * @throws IllegalStateException when there was no training forward
     */
    public final Gradients backward(Tensor gy, Tensor ghn, Tensor gcn, Arena arena) {
        if (!saved.unbatched) {
            return backwardBatch(gy, ghn, gcn, arena);
        }
        int batchDim = batchDim();
        Gradients g = backwardBatch(gy == null ? null : gy.unsqueeze(batchDim), asBatchState("the gradient of h_n", ghn),
                asBatchState("the gradient of c_n", gcn), arena);
        return new Gradients(withoutBatch(g.x(), batchDim), withoutBatch(g.h0(), 1), withoutBatch(g.c0(), 1));
    }

    /** A batch of one's tensor without its batch dimension {@code dim}, or null. */
    private static Tensor withoutBatch(Tensor t, int dim) {
        return t == null ? null : t.squeeze(dim);
    }

    private Gradients backwardBatch(Tensor gy, Tensor ghn, Tensor gcn, Arena arena) {
        Saved s = saved;
        if (s.x == null || !s.training) {
            throw new IllegalStateException(describe() + ": backward needs a forward in training mode first");
        }
        Tensor x = s.x;
        int tDim = options.batchFirst() ? 1 : 0;
        long steps = x.size(tDim);
        long batch = x.size(1 - tDim);
        Shapes shapes = shapes(batch, steps);
        long[] stateShape = shapes.state;
        long[] yShape = shapes.y;
        if (gy != null) {
            if (!gy.hasShape(yShape) || gy.dtype() != DType.FLOAT32) {
                throw new IllegalArgumentException(describe() + ": the output gradient must be float32 "
                        + Arrays.toString(yShape) + ", got " + gy.dtype() + " " + Arrays.toString(gy.shape()));
            }
            if (gy.stride(2) != 1) {
                gy = gy.contiguous(arena);
            }
        }
        ghn = state("the gradient of h_n", ghn, stateShape, arena);
        gcn = state("the gradient of c_n", gcn, stateShape, arena);
        Tensor dx = inputGradientRequired() ? Tensor.emptyLike(arena, x) : null;
        boolean wantH0 = s.callerH0 || initialH != null;
        boolean wantC0 = desc.cell() == RnnCell.LSTM && (s.callerC0 || initialC != null);
        Tensor dh0 = wantH0 ? Tensor.empty(arena, stateShape) : null;
        Tensor dc0 = wantC0 ? Tensor.empty(arena, stateShape) : null;
        Tensor g = gy;
        for (int k = s.segments - 1; k >= 0; k--) {
            RnnPlan plan = s.plans[k];
            int first = s.segments == 1 ? 0 : k;
            Tensor in = s.inputs[k];
            Tensor din = k == 0 ? dx : Tensor.empty(arena, yShape);
            Tensor work = Tensor.empty(arena, plan.workspaceFloats(true));
            long stateAt = stateOffset(first, batch);
            long weightAt = desc.weightOffset(first, 0, RnnDescriptor.Weight.WEIGHT_IH);
            RnnBackward.backward(plan, in.segment(), in.offset(), strideT(in), strideN(in),
                    s.lengths == null ? null : s.lengths.segment(), s.lengths == null ? 0 : s.lengths.offset(),
                    s.c0 == null ? null : s.c0.segment(), s.c0 == null ? 0 : s.c0.offset() + stateAt,
                    weights.segment(), weights.offset() + weightAt,
                    g == null ? null : g.segment(), g == null ? 0 : g.offset(), g == null ? 0 : strideT(g),
                    g == null ? 0 : strideN(g),
                    ghn == null ? null : ghn.segment(), ghn == null ? 0 : ghn.offset() + stateAt,
                    gcn == null ? null : gcn.segment(), gcn == null ? 0 : gcn.offset() + stateAt,
                    din == null ? null : din.segment(), din == null ? 0 : din.offset(), din == null ? 0 : strideT(din),
                    din == null ? 0 : strideN(din),
                    dh0 == null ? null : dh0.segment(), dh0 == null ? 0 : dh0.offset() + stateAt,
                    dc0 == null ? null : dc0.segment(), dc0 == null ? 0 : dc0.offset() + stateAt,
                    grads.segment(), grads.offset() + weightAt, s.reserves[k].segment(), 0, work.segment(), 0);
            if (k > 0) {
                g = dropouts[k - 1].backward(din, arena);
            }
        }
        if (initialH != null && !s.callerH0) {
            sumOverBatch(dh0, initialH);
        }
        if (initialC != null && !s.callerC0) {
            sumOverBatch(dc0, initialC);
        }
        Tensor gh0 = s.callerH0 ? dh0 : null;
        Tensor gc0 = s.callerC0 ? dc0 : null;
        Gradients grads = lastGradients;
        if (grads == null || grads.x() != dx || grads.h0() != gh0 || grads.c0() != gc0) {
            grads = new Gradients(dx, gh0, gc0);
            lastGradients = grads;
        }
        return grads;
    }

    // ---- helpers ----

    /** The plan of segment {@code k}, reshaped for this call (its packed weights are kept across shapes). */
    private RnnPlan plan(int segments, int k, int steps, int batch) {
        if (segments == 1) {
            wholePlan = wholePlan == null ? RnnPlan.of(desc, steps, batch) : wholePlan.reshape(steps, batch);
            return wholePlan;
        }
        layerPlans[k] = layerPlans[k] == null ? RnnPlan.of(perLayer[k], steps, batch) : layerPlans[k].reshape(steps, batch);
        return layerPlans[k];
    }

    /** Where layer {@code layer}'s block starts in a {@code [L D, N, H]} state tensor. */
    private long stateOffset(int layer, long batch) {
        return (long) layer * desc.directions() * batch * desc.hiddenSize();
    }

    /** The time stride of a {@code [T, N, F]} tensor in this layer's layout ({@code [N, T, F]} batch first). */
    private long strideT(Tensor t) {
        return options.batchFirst() ? t.stride(1) : t.stride(0);
    }

    /** The batch stride, likewise. */
    private long strideN(Tensor t) {
        return options.batchFirst() ? t.stride(0) : t.stride(1);
    }

    private Tensor state(String name, Tensor t, long[] shape, Arena arena) {
        if (t == null) {
            return null;
        }
        if (!t.hasShape(shape) || t.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException(describe() + ": " + name + " must be float32 " + Arrays.toString(shape)
                    + " ([layers * directions, batch, hidden_size]), got " + t.dtype() + " " + Arrays.toString(t.shape()));
        }
        return t.contiguous(arena);
    }

    /**
     * The shapes of the states ({@code [L D, N, H]}) and of the output ({@code [T, N, D H]}, or
     * {@code [N, T, D H]} batch first) for a batch and length. Steps of one batch and length
     * repeat, so they are made once, not at every call; the arrays are never changed (nothing
     * that is given a shape array keeps or changes it), and a record's fields are final, so a
     * thread that races another here sees a whole one.
     */
    private record Shapes(long batch, long steps, long[] state, long[] y) {
    }

    private Shapes shapes(long batch, long steps) {
        Shapes s = lastShapes;
        if (s == null || s.batch != batch || s.steps != steps) {
            long[] y = options.batchFirst() ? new long[] {batch, steps, desc.outputSize()}
                    : new long[] {steps, batch, desc.outputSize()};
            s = new Shapes(batch, steps, new long[] {(long) desc.layers() * desc.directions(), batch, desc.hiddenSize()}, y);
            lastShapes = s;
        }
        return s;
    }

    /** A learned {@code [L D, H]} state repeated for every sequence of the batch. */
    private static Tensor broadcast(Tensor state, long[] shape, Arena arena) {
        Tensor out = Tensor.empty(arena, shape);
        for (long i = 0; i < shape[0]; i++) {
            for (long n = 0; n < shape[1]; n++) {
                out.select(0, i).select(0, n).copyFrom(state.select(0, i));
            }
        }
        return out;
    }

    /** {@code p.grad[i, :] += sum_n g[i, n, :]}. */
    private static void sumOverBatch(Tensor g, Parameter p) {
        long h = g.size(2);
        for (long i = 0; i < g.size(0); i++) {
            for (long n = 0; n < g.size(1); n++) {
                Blas1.saxpy(h, 1f, g.segment(), g.offset() + (i * g.size(1) + n) * h, p.grad().segment(),
                        p.grad().offset() + i * h);
            }
        }
    }

    private String layoutName(long features) {
        return options.batchFirst() ? "[N, T, " + features + "]" : "[T, N, " + features + "]";
    }

    @Override
    public String toString() {
        return describe() + "(" + desc.inputSize() + ", " + desc.hiddenSize() + (desc.layers() > 1 ? ", num_layers="
                + desc.layers() : "") + (options.bias() ? "" : ", bias=False") + (options.batchFirst() ? ", batch_first=True" : "")
                + (options.dropout() > 0 ? ", dropout=" + options.dropout() : "")
                + (options.bidirectional() ? ", bidirectional=True" : "") + extraRepr() + ")";
    }

    /** Cell-specific options for {@link #toString()}. */
    String extraRepr() {
        return "";
    }

    @Override
    public String family() {
        return "recurrent";
    }

    /** What forward keeps for backward; one object per layer, refilled by every forward. */
    private static final class Saved {
        final RnnPlan[] plans;
        final Tensor[] reserves;
        final Tensor[] inputs;
        int segments;
        Tensor x;
        Tensor lengths;
        Tensor h0;
        Tensor c0;
        boolean callerH0;
        boolean callerC0;
        boolean training;
        /** The input was one sequence, {@code [T, I]}, run as a batch of one. */
        boolean unbatched;

        Saved(int layers) {
            plans = new RnnPlan[layers];
            reserves = new Tensor[layers];
            inputs = new Tensor[layers];
        }
    }
}
