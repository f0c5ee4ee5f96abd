package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.random.RandomGenerator;

import dev.panamax.nn.functional.Embeddings;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * A lookup table, as {@code torch.nn.Embedding}: int64 indices of any shape give
 * {@code indices.shape + [dim]}; weight {@code [num, dim]} drawn from N(0, 1), the
 * {@code paddingIdx} row zeroed and never updated. The input is integer, so {@link #backward}
 * returns null (there is no input gradient).
 */
public final class Embedding extends Layer {

    private final long num;
    private final long dim;
    private final Long paddingIdx;
    private final Parameter weight;
    private Tensor indices;

    public Embedding(long num, long dim) {
        this(num, dim, null, Init.generator());
    }

    /** With a padding index ({@code null} for none; negative counts from the end). */
    public Embedding(long num, long dim, Long paddingIdx, RandomGenerator rng) {
        checkTable("Embedding", num, dim, paddingIdx);
        this.num = num;
        this.dim = dim;
        this.paddingIdx = paddingIdx;
        this.weight = parameter("weight", num, dim);
        initTable(weight, paddingIdx, rng);
    }

    /** Fails unless a table of {@code num} rows of {@code dim} can have this padding index (null for none). */
    static void checkTable(String layer, long num, long dim, Long paddingIdx) {
        if (num <= 0 || dim <= 0) {
            throw new IllegalArgumentException(layer + " needs num > 0 and dim > 0, got " + num + ", " + dim);
        }
        if (paddingIdx != null && (paddingIdx < -num || paddingIdx >= num)) {
            throw new IllegalArgumentException("padding_idx must be within [-" + num + ", " + num + "), got " + paddingIdx);
        }
    }

    /** PyTorch's initialisation of a table: N(0, 1), the padding row (if any) zero. */
    static void initTable(Parameter weight, Long paddingIdx, RandomGenerator rng) {
        Init.normal(weight.value(), 0, 1, rng);
        if (paddingIdx != null) {
            long num = weight.value().size(0);
            weight.value().select(0, paddingIdx < 0 ? paddingIdx + num : paddingIdx).fill(0f);
        }
    }

    public Parameter weight() {
        return weight;
    }

    @Override
    public Tensor forward(Tensor indices, Arena arena) {
        if (indices.dtype() != DType.INT64) {
            throw new IllegalArgumentException(describe() + " expects int64 indices, got " + indices.dtype());
        }
        this.indices = indices;
        return Embeddings.lookup(weight.value(), indices, arena);
    }

    /** Accumulates the table's gradient; returns null (integer input has no gradient). */
    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        accumulate(weight, Embeddings.lookupBackward(weight.value(), saved(indices), gy, paddingIdx, arena));
        return null;
    }

    @Override
    public String toString() {
        return describe() + "(" + num + ", " + dim + (paddingIdx == null ? "" : ", padding_idx=" + paddingIdx) + ")";
    }

    @Override
    public String family() {
        return "embedding";
    }
}
