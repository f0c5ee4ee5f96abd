package dev.panamax.nn.layers;

import java.util.Arrays;

import dev.panamax.nn.tensor.Tensor;

/**
 * Dimension {@code dim} split into {@code sizes}, in row-major order, as
 * {@code torch.nn.Unflatten(dim, unflattened_size)}: the inverse of {@link Flatten}, e.g.
 * {@code [N, 784] -> [N, 1, 28, 28]} in a decoder. The sizes' product must be the dimension's size.
 */
public final class Unflatten extends Reshape {

    private final int dim;
    private final long[] sizes;

    /**
     * @param dim   the dimension to split (negative counts from the end)
     * @param sizes what it becomes, each at least 1
     */
    public Unflatten(int dim, long... sizes) {
        if (sizes == null || sizes.length == 0 || Arrays.stream(sizes).anyMatch(s -> s < 1)) {
            throw new IllegalArgumentException("unflattened_size must be one or more sizes >= 1, got "
                    + (sizes == null ? "null" : Arrays.toString(sizes)));
        }
        this.dim = dim;
        this.sizes = sizes.clone();
    }

    @Override
    public long[] outputShape(long[] shape) {
        int rank = shape.length;
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= rank || shape[d] != Tensor.product(sizes)) {
            throw new IllegalArgumentException(describe() + "(dim=" + dim + ", unflattened_size=" + Arrays.toString(sizes)
                    + ") needs an input whose dimension " + dim + " has " + Tensor.product(sizes) + " elements, got shape "
                    + Arrays.toString(shape));
        }
        long[] out = new long[rank - 1 + sizes.length];
        System.arraycopy(shape, 0, out, 0, d);
        System.arraycopy(sizes, 0, out, d, sizes.length);
        System.arraycopy(shape, d + 1, out, d + sizes.length, rank - d - 1);
        return out;
    }

    /** Each sample's output depends on that sample alone unless the batch dimension is split. */
    @Override
    public boolean samplesIndependent() {
        return dim >= 1;
    }

    @Override
    public String toString() {
        return describe() + "(dim=" + dim + ", unflattened_size=" + Arrays.toString(sizes) + ")";
    }
}
