package dev.panamax.kernels.rnn;

import dev.panamax.kernels.gemm.PackedMatrixB;

/**
 * A recurrent network planned for a shape, as cuDNN and oneDNN plan one: the
 * {@link RnnDescriptor}, the sequence length T and batch N, the sizes and layouts of the two
 * buffers the caller provides, and the reusable state of a call (the packed recurrent weights, the
 * packed-sequence layout). {@link #reshape} moves a plan to another T and N, keeping what does not
 * depend on them (a language model sees a new sequence length at every batch); a layer keeps one
 * plan. Calls through one plan must not overlap.
 *
 * <p><b>Reserve</b> ({@link #reserveFloats}): what a training forward keeps for backward, per layer
 * and direction the activated gates, the state each step started from, and the cell state (LSTM)
 * or the reset-gate operand (GRU), plus the outputs of every layer but the last. Pass the same
 * reserve, untouched, to {@link RnnBackward}. <b>Workspace</b> ({@link #workspaceFloats}): scratch
 * for one call. Both are float32 buffers sized for {@code T N} rows whatever the lengths, so one
 * allocation serves every batch of the shape; a caller with a step arena takes them from it.
 *
 * <p>Layouts (in floats, rows of the packed-sequence layout, {@code R = T N}):
 * <pre>
 *   state of one layer and direction: gates [R, G H], h_prev [R, H], and (LSTM: c, GRU: W_hn h or r h) [R, H]
 *   reserve:   per layer l: (l &lt; L-1: output [R, D H]), state of direction 0, (state of direction 1)
 *   forward workspace:  packed input [R, I], packed output [R, D H], biases [L D, G H + H], zeros [H],
 *                       inference only: one state and two layer outputs [R, D H]
 *   backward workspace: packed input [R, I], packed output gradient [R, D H], zeros [H],
 *                       two layer gradients [R, max(I, D H)], gate gradients [R, G H] (GRU: twice),
 *                       dh [N, H], dc [N, H] (LSTM), d(r h) [N, H] (GRU, reset before the product)
 * </pre>
 */
public final class RnnPlan {

    /** Fewer batch rows than this per thread do not pay for splitting a step. */
    static final int MIN_ROWS_PER_THREAD = 4;

    final RnnDescriptor desc;
    int steps;
    int batch;
    final PackedSequences sequences;
    /** Per layer and direction, per gate: {@code W_hh} rows of the gate, transposed, for the step product. */
    private PackedMatrixB[][] stepWeights;
    /** Per layer and direction: {@code W_hh} for backward's {@code dG W_hh} (GRU before reset: its rz and n rows). */
    private PackedMatrixB[][] backWeights;
    final ForwardSweep forwardSweep;
    final BackwardSweep backwardSweep;

    private RnnPlan(RnnDescriptor desc, int steps, int batch) {
        this.desc = desc;
        this.steps = steps;
        this.batch = batch;
        this.sequences = new PackedSequences(steps, batch);
        forwardSweep = new ForwardSweep(this);
        backwardSweep = new BackwardSweep(this);
    }

    // The packed weights are made when a call first needs them, after its tensors are checked: a
    // descriptor of a billion layers is refused by the weight tensor it cannot have, not by an
    // allocation here.

    /** The step-product weights of layer and direction {@code ld} ({@code layer * directions + direction}). */
    PackedMatrixB[] stepWeights(int ld) {
        if (stepWeights == null) {
            stepWeights = new PackedMatrixB[desc.layers() * desc.directions()][];
        }
        if (stepWeights[ld] == null) {
            stepWeights[ld] = packedMatrices(desc.gates());
        }
        return stepWeights[ld];
    }

    /** Backward's recurrent weights of layer and direction {@code ld}. */
    PackedMatrixB[] backWeights(int ld) {
        if (backWeights == null) {
            backWeights = new PackedMatrixB[desc.layers() * desc.directions()][];
        }
        if (backWeights[ld] == null) {
            backWeights[ld] = packedMatrices(desc.resetBeforeProduct() ? 2 : 1);
        }
        return backWeights[ld];
    }

    private static PackedMatrixB[] packedMatrices(int count) {
        PackedMatrixB[] m = new PackedMatrixB[count];
        for (int i = 0; i < count; i++) {
            m[i] = new PackedMatrixB();
        }
        return m;
    }

    /**
     * A plan for sequences of {@code steps} steps in batches of {@code batch}.
     *
     * @throws IllegalArgumentException when a size is below 1 or the buffers would pass 2^62 floats
     */
    public static RnnPlan of(RnnDescriptor desc, int steps, int batch) {
        if (desc == null) {
            throw new IllegalArgumentException("desc must not be null");
        }
        checkShape(desc, steps, batch);
        return new RnnPlan(desc, steps, batch);
    }

    /**
     * This plan, now for sequences of {@code steps} steps in batches of {@code batch}: the packed
     * weights stay, the sizes change (query them again).
     *
     * @throws IllegalArgumentException as {@link #of}
     */
    public RnnPlan reshape(int steps, int batch) {
        if (steps != this.steps || batch != this.batch) {
            checkShape(desc, steps, batch);
            this.steps = steps;
            this.batch = batch;
            sequences.resize(steps, batch);
        }
        return this;
    }

    private static void checkShape(RnnDescriptor desc, int steps, int batch) {
        if (steps < 1 || batch < 1) {
            throw new IllegalArgumentException("steps and batch must be >= 1, got " + steps + " and " + batch);
        }
        // every buffer, in bytes, and every packed row index must fit
        long rows = (long) steps * batch;
        long widest = (long) desc.gateWidth() + 2L * desc.hiddenSize() + desc.inputSize() + desc.outputSize();
        if (rows > Integer.MAX_VALUE || Math.multiplyHigh(rows * desc.layers() * desc.directions(), widest * 16) != 0) {
            throw new IllegalArgumentException("a plan for " + steps + " steps of " + batch + " sequences needs buffers too large");
        }
    }

    public RnnDescriptor descriptor() {
        return desc;
    }

    /** Sequence length T. */
    public int steps() {
        return steps;
    }

    /** Batch N. */
    public int batch() {
        return batch;
    }

    /** Floats of the reserve a training forward fills and backward reads. */
    public long reserveFloats() {
        return reserveLayer(desc.layers());
    }

    /** Floats of workspace a call needs: a training forward and backward, or an inference forward. */
    public long workspaceFloats(boolean training) {
        long forward = forwardScratch() + (training ? 0 : stateFloats() + 2 * rows() * desc.outputSize());
        return training ? Math.max(forward, backwardEnd()) : forward;
    }

    // ---- sizes ----

    long rows() {
        return (long) steps * batch;
    }

    private long hidden() {
        return desc.hiddenSize();
    }

    /** Floats of the third state buffer: LSTM's c, GRU's W_hn h or r h; none for Elman. */
    private long extraWidth() {
        return desc.gates() > 1 ? hidden() : 0;
    }

    long stateFloats() {
        return rows() * (desc.gateWidth() + hidden() + extraWidth());
    }

    // ---- the state of one layer and direction, relative to its start ----

    long gatesAt(long state) {
        return state;
    }

    long hPrevAt(long state) {
        return state + rows() * desc.gateWidth();
    }

    long extraAt(long state) {
        return hPrevAt(state) + rows() * hidden();
    }

    // ---- reserve ----

    /** Start of layer {@code l}'s part of the reserve. */
    private long reserveLayer(int layer) {
        // every layer before it: its states, and its output unless it is the last layer
        return Math.min(layer, desc.layers() - 1L) * rows() * desc.outputSize() + (long) layer * desc.directions() * stateFloats();
    }

    /** Layer {@code l}'s output in the reserve ({@code l < L - 1}). */
    long reserveOutput(int layer) {
        return reserveLayer(layer);
    }

    /** The state of layer {@code l}, direction {@code d} in the reserve. */
    long reserveState(int layer, int direction) {
        return reserveLayer(layer) + (layer < desc.layers() - 1 ? rows() * desc.outputSize() : 0)
                + direction * stateFloats();
    }

    // ---- forward workspace ----

    long packedInput() {
        return 0;
    }

    long packedOutput() {
        return rows() * desc.inputSize();
    }

    long biasAt(int layerDirection) {
        return packedOutput() + rows() * desc.outputSize() + (long) layerDirection * (desc.gateWidth() + hidden());
    }

    long forwardZeros() {
        return biasAt(desc.layers() * desc.directions());
    }

    private long forwardScratch() {
        return forwardZeros() + hidden();
    }

    /** Inference: the one state all layers and directions share. */
    long inferenceState() {
        return forwardScratch();
    }

    /** Inference: the two buffers the layers' outputs alternate between. */
    long inferenceOutput(int layer) {
        return inferenceState() + stateFloats() + (layer % 2) * rows() * desc.outputSize();
    }

    // ---- backward workspace ----

    long packedOutputGradient() {
        return packedOutput();
    }

    long backwardZeros() {
        return packedOutputGradient() + rows() * desc.outputSize();
    }

    /** The two buffers the layers' input gradients alternate between. */
    long layerGradient(int index) {
        return backwardZeros() + hidden() + index * rows() * Math.max(desc.inputSize(), desc.outputSize());
    }

    long gateGradients() {
        return layerGradient(2);
    }

    /** GRU, reset after the product: the recurrent side's gate gradients. */
    long recurrentGateGradients() {
        return gateGradients() + rows() * desc.gateWidth();
    }

    long stateGradient() {
        return recurrentGateGradients() + (desc.resetAfterProduct() ? rows() * desc.gateWidth() : 0);
    }

    long cellGradient() {
        return stateGradient() + (long) batch * hidden();
    }

    long resetProductGradient() {
        return cellGradient() + (desc.cell() == RnnCell.LSTM ? (long) batch * hidden() : 0);
    }

    private long backwardEnd() {
        return resetProductGradient() + (desc.resetBeforeProduct() ? (long) batch * hidden() : 0);
    }
}
