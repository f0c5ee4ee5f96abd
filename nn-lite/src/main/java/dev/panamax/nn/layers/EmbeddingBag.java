package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.random.RandomGenerator;

import dev.panamax.kernels.embedding.EmbeddingBag.Mode;
import dev.panamax.nn.functional.Embeddings;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.Tensor;

/**
 * Bags of embeddings reduced on the fly, as {@code torch.nn.EmbeddingBag}: the bag-of-words layer
 * of PyTorch's text classifier. Weight {@code [num, dim]} drawn from N(0, 1) (the padding row zeroed);
 * indices int64 {@code [B, L]} (B bags of L) or {@code [count]} with offsets {@code [B]} (the first
 * index of each bag; {@code [B + 1]} with {@code includeLastOffset}); output {@code [B, dim]}, each
 * bag's rows summed, averaged (PyTorch's default) or maxed per dimension ({@link Mode}), an empty
 * bag zeros. Per-sample weights scale the rows of a sum. The padding index takes no part: it adds
 * nothing and does not count in a mean. The input is integer, so {@link #backward} returns null;
 * {@link #backwardAll} also gives the per-sample weights' gradient.
 */
public final class EmbeddingBag extends Layer {

    private final long num;
    private final long dim;
    private final Mode mode;
    private final Long paddingIdx;
    private final boolean includeLastOffset;
    private final Parameter weight;
    private Embeddings.Bags bags;
    private Embeddings.BagOutput output;

    /** Mean bags, no padding index: PyTorch's defaults. */
    public EmbeddingBag(long num, long dim) {
        this(num, dim, Mode.MEAN, null, false, Init.generator());
    }

    /**
     * @param paddingIdx        the row that takes no part ({@code null} for none; negative counts from the end)
     * @param includeLastOffset whether offsets carry one more entry, the end of the last bag (the CSR form)
     */
    public EmbeddingBag(long num, long dim, Mode mode, Long paddingIdx, boolean includeLastOffset, RandomGenerator rng) {
        if (mode == null) {
            throw new IllegalArgumentException("EmbeddingBag needs a mode (SUM, MEAN or MAX)");
        }
        Embedding.checkTable("EmbeddingBag", num, dim, paddingIdx);
        this.num = num;
        this.dim = dim;
        this.mode = mode;
        this.paddingIdx = paddingIdx;
        this.includeLastOffset = includeLastOffset;
        this.weight = parameter("weight", num, dim);
        Embedding.initTable(weight, paddingIdx, rng);
    }

    public Parameter weight() {
        return weight;
    }

    /** Bags of equal length: indices {@code [B, L]}. */
    @Override
    public Tensor forward(Tensor indices, Arena arena) {
        return forward(indices, null, null, arena);
    }

    /**
     * @param indices          int64 {@code [B, L]}, or {@code [count]} with offsets
     * @param offsets          int64 {@code [B]} ({@code [B + 1]} with includeLastOffset), or null for 2-d indices
     * @param perSampleWeights float32 of the indices' shape (mode SUM only), or null
     * @return {@code [B, dim]}
     */
    public Tensor forward(Tensor indices, Tensor offsets, Tensor perSampleWeights, Arena arena) {
        Embeddings.Bags b = new Embeddings.Bags(indices, offsets, includeLastOffset, perSampleWeights, paddingIdx);
        Embeddings.BagOutput out = Embeddings.bag(weight.value(), b, mode, arena);
        bags = b;
        output = out;
        return out.y();
    }

    /** Accumulates the table's gradient; returns null (integer input has no gradient). */
    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        backwardAll(gy, arena);
        return null;
    }

    /** Accumulates the table's gradient; returns the per-sample weights' gradient, or null when there were none. */
    public Tensor backwardAll(Tensor gy, Arena arena) {
        Tensor[] g = Embeddings.bagBackward(weight.value(), saved(bags), mode, output, gy, arena);
        accumulate(weight, g[0]);
        return g[1];
    }

    @Override
    public boolean samplesIndependent() {
        return true;
    }

    @Override
    public String toString() {
        return describe() + "(" + num + ", " + dim + ", mode='" + mode.name().toLowerCase(java.util.Locale.ROOT) + "'"
                + (paddingIdx == null ? "" : ", padding_idx=" + paddingIdx)
                + (includeLastOffset ? ", include_last_offset=True" : "") + ")";
    }

    @Override
    public String family() {
        return "embedding";
    }
}
