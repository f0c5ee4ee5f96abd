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
 *
 * <p>{@link Options} carries PyTorch's other arguments: {@code max_norm} (the rows a forward pass
 * reads are first scaled in place to that norm at most), {@code norm_type}, and
 * {@code scale_grad_by_freq} (each row's gradient divided by how often the batch names it).
 * {@link #fromPretrained} loads a table, frozen by default as PyTorch's: a frozen table is a
 * buffer named {@code weight} (in the state dict, not among the parameters), and backward leaves
 * it alone.
 */
public final class Embedding extends Layer {

    /**
     * PyTorch's arguments besides the sizes, with its defaults from {@link #defaults()}.
     *
     * @param paddingIdx      the row that is zero and never updated, or null (negative counts from the end)
     * @param maxNorm         the largest norm a looked-up row may have, or null for no limit
     * @param normType        the p of that norm (2; {@code Double.POSITIVE_INFINITY} for the largest magnitude)
     * @param scaleGradByFreq whether each row's gradient is divided by its index's count in the batch
     */
    public record Options(Long paddingIdx, Double maxNorm, double normType, boolean scaleGradByFreq) {

        /** Validates max_norm >= 0 and norm_type > 0. */
        public Options {
            if (maxNorm != null && !(maxNorm >= 0) || !(normType > 0)) {
                throw new IllegalArgumentException("Embedding needs max_norm >= 0 (or none) and norm_type > 0, got " + maxNorm
                        + ", " + normType);
            }
        }

        /** No padding row, no max_norm, norm_type 2, no frequency scaling: PyTorch's defaults. */
        public static Options defaults() {
            return new Options(null, null, 2, false);
        }

        public Options paddingIdx(Long v) {
            return new Options(v, maxNorm, normType, scaleGradByFreq);
        }

        public Options maxNorm(Double v) {
            return new Options(paddingIdx, v, normType, scaleGradByFreq);
        }

        public Options normType(double v) {
            return new Options(paddingIdx, maxNorm, v, scaleGradByFreq);
        }

        public Options scaleGradByFreq(boolean v) {
            return new Options(paddingIdx, maxNorm, normType, v);
        }
    }

    private final long num;
    private final long dim;
    private final Options options;
    private final Parameter weight;
    /** The table: the parameter's value, or a buffer when frozen. */
    private final Tensor table;
    private Tensor indices;

    public Embedding(long num, long dim) {
        this(num, dim, Options.defaults(), Init.generator());
    }

    /** With a padding index ({@code null} for none; negative counts from the end). */
    public Embedding(long num, long dim, Long paddingIdx, RandomGenerator rng) {
        this(num, dim, Options.defaults().paddingIdx(paddingIdx), rng);
    }

    /** With PyTorch's other arguments, the table drawn from N(0, 1) by {@code rng}. */
    public Embedding(long num, long dim, Options options, RandomGenerator rng) {
        checkTable("Embedding", num, dim, options.paddingIdx());
        this.num = num;
        this.dim = dim;
        this.options = options;
        this.weight = parameter("weight", num, dim);
        this.table = weight.value();
        initTable(weight, options.paddingIdx(), rng);
    }

    private Embedding(Tensor embeddings, boolean freeze, Options options) {
        if (embeddings == null || embeddings.rank() != 2 || embeddings.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException("from_pretrained takes a float32 table [num, dim], got "
                    + (embeddings == null ? "null" : embeddings.dtype() + " " + java.util.Arrays.toString(embeddings.shape())));
        }
        this.num = embeddings.size(0);
        this.dim = embeddings.size(1);
        checkTable("Embedding", num, dim, options.paddingIdx());
        this.options = options;
        this.weight = freeze ? null : parameter("weight", num, dim);
        this.table = freeze ? buffer("weight", DType.FLOAT32, num, dim) : weight.value();
        table.copyFrom(embeddings);
    }

    /**
     * {@code torch.nn.Embedding.from_pretrained(embeddings, freeze)}: a table copied from
     * {@code embeddings [num, dim]} (the padding row, if any, keeps its values, as PyTorch's);
     * frozen (PyTorch's default) it is a buffer that training leaves alone.
     */
    public static Embedding fromPretrained(Tensor embeddings, boolean freeze, Options options) {
        return new Embedding(embeddings, freeze, options);
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

    /** The table's parameter, or null when the table is frozen ({@link #fromPretrained}). */
    public Parameter weight() {
        return weight;
    }

    /** The table {@code [num, dim]}, frozen or not. */
    public Tensor table() {
        return table;
    }

    @Override
    public Tensor forward(Tensor indices, Arena arena) {
        if (indices.dtype() != DType.INT64) {
            throw new IllegalArgumentException(describe() + " expects int64 indices, got " + indices.dtype());
        }
        if (options.maxNorm() != null) {
            Embeddings.renorm(table, indices, options.maxNorm(), options.normType(), arena);
        }
        this.indices = indices;
        return Embeddings.lookup(table, indices, arena);
    }

    /** Accumulates the table's gradient (none when frozen); returns null (integer input has no gradient). */
    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        Tensor seen = saved(indices);
        if (weight != null) {
            accumulate(weight, Embeddings.lookupBackward(table, seen, gy, options.paddingIdx(), options.scaleGradByFreq(),
                    arena));
        }
        return null;
    }

    @Override
    public String toString() {
        return describe() + "(" + num + ", " + dim + (options.paddingIdx() == null ? "" : ", padding_idx=" + options.paddingIdx())
                + (options.maxNorm() == null ? "" : ", max_norm=" + options.maxNorm())
                + (options.scaleGradByFreq() ? ", scale_grad_by_freq=True" : "") + (weight == null ? ", frozen" : "") + ")";
    }

    @Override
    public String family() {
        return "embedding";
    }
}
