package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.tensor.Tensor;

/**
 * Dimensions {@code startDim} to {@code endDim} merged into one, in row-major order, as
 * {@code torch.nn.Flatten(start_dim, end_dim)}: by default {@code [N, d1, d2, ...] -> [N, d1 d2 ...]}
 * ((C, H, W) order). An input without those dimensions (rank under 2 by default) is refused, as
 * there. A view when the input is contiguous, else a contiguous copy.
 */
public final class Flatten extends Layer {

    private final int startDim;
    private final int endDim;
    private long[] inputShape;
    /**
     * Each thread's last input and its view: threads sharing the layer in inference (a
     * {@code Predictor} cutting a batch into parts, one per thread) each hand their own input
     * object call after call, and one shared pair made a new view for every call of each.
     */
    private final ThreadLocal<Reshaped> last = new ThreadLocal<>();
    private Reshaped lastGradient;

    /** {@code torch.nn.Flatten()}: every dimension after the batch's into one. */
    public Flatten() {
        this(1, -1);
    }

    /**
     * {@code torch.nn.Flatten(start_dim, end_dim)}: dimensions {@code startDim} to {@code endDim}
     * (inclusive; negative ones count from the end, -1 the last) into one.
     */
    public Flatten(int startDim, int endDim) {
        this.startDim = startDim;
        this.endDim = endDim;
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        if (!InferenceMode.active() && (inputShape == null || !x.hasShape(inputShape))) {
            outputShape(x.shape());     // checks the input before it is kept
            inputShape = x.shape();     // for backward alone
        }
        if (!x.isContiguous()) {
            return x.contiguous(arena).view(outputShape(x.shape()));
        }
        Reshaped last = this.last.get();
        if (last == null || last.input != x) {   // the same tensor object has the same shape and memory
            last = new Reshaped(x, x.view(outputShape(x.shape())));
            this.last.set(last);
        }
        return last.output;
    }

    /**
     * The shape of the output for an input of {@code shape}: the merged dimensions' product named,
     * not -1, so that an empty batch flattens too (-1 is ambiguous with 0 rows).
     *
     * @throws IllegalArgumentException when the input lacks the dimensions to merge
     */
    public long[] outputShape(long[] shape) {
        int rank = shape.length;
        int start = startDim < 0 ? startDim + rank : startDim;
        int end = endDim < 0 ? endDim + rank : endDim;
        if (start < 0 || end >= rank || start > end) {
            // torch.nn.Flatten() raises here too (its start_dim 1 is out of range for [N]): an
            // [N] input is most often a batch whose feature dimension was lost, not a batch of scalars
            throw new IllegalArgumentException(describe() + "(start_dim=" + startDim + ", end_dim=" + endDim + ") needs "
                    + "an input with those dimensions" + (startDim == 1 && endDim == -1 ? ", [N, d1, ...] of rank 2 or more" : "")
                    + ", got " + (rank == 0 ? "a scalar" : "shape " + java.util.Arrays.toString(shape)));
        }
        long[] out = new long[rank - (end - start)];
        for (int d = 0; d < start; d++) {
            out[d] = shape[d];
        }
        out[start] = Tensor.product(java.util.Arrays.copyOfRange(shape, start, end + 1));
        for (int d = end + 1; d < rank; d++) {
            out[d - (end - start)] = shape[d];
        }
        return out;
    }

    /**
     * An input and its flattened view, as one object so that a reader sees a consistent pair: an
     * arena that {@linkplain dev.panamax.nn.tensor.StepArena#reusingTensors() reuses tensors}
     * hands the same input object every step, and the view then costs nothing.
     */
    private record Reshaped(Tensor input, Tensor output) {
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        long[] shape = saved(inputShape);
        if (!gy.isContiguous()) {
            return gy.contiguous(arena).view(shape);
        }
        Reshaped last = this.lastGradient;
        if (last == null || last.input != gy || !last.output.hasShape(shape)) {
            last = new Reshaped(gy, gy.view(shape));
            this.lastGradient = last;
        }
        return last.output;
    }

    @Override
    public String family() {
        return "reshape";
    }

    /**
     * Each sample's output depends on that sample alone (see {@link Layer#samplesIndependent()})
     * unless the batch dimension is merged; a negative start, which may reach it, counts as merged.
     */
    @Override
    public boolean samplesIndependent() {
        return startDim >= 1;
    }

    @Override
    public String toString() {
        return describe() + "(start_dim=" + startDim + ", end_dim=" + endDim + ")";
    }
}
