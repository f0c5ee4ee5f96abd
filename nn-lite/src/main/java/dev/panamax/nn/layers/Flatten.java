package dev.panamax.nn.layers;

import dev.panamax.nn.tensor.Tensor;

/**
 * Dimensions {@code startDim} to {@code endDim} merged into one, in row-major order, as
 * {@code torch.nn.Flatten(start_dim, end_dim)}: by default {@code [N, d1, d2, ...] -> [N, d1 d2 ...]}
 * ((C, H, W) order). An input without those dimensions (rank under 2 by default) is refused, as
 * there. A view when the input is contiguous, else a contiguous copy.
 */
public final class Flatten extends Reshape {

    private final int startDim;
    private final int endDim;

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

    /**
     * The shape of the output for an input of {@code shape}: the merged dimensions' product named,
     * not -1, so that an empty batch flattens too (-1 is ambiguous with 0 rows).
     *
     * @throws IllegalArgumentException when the input lacks the dimensions to merge
     */
    @Override
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
