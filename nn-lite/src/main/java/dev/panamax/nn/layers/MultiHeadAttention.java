package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.random.RandomGenerator;

import dev.panamax.kernels.attention.AttentionMasks;
import dev.panamax.kernels.attention.AttentionShape;
import dev.panamax.kernels.attention.FlashAttentionBackward;
import dev.panamax.kernels.attention.FlashAttentionForward;
import dev.panamax.kernels.attention.HeadLayout;
import dev.panamax.kernels.gemm.Blas1;
import dev.panamax.nn.functional.Attention;
import dev.panamax.nn.functional.LinearAlgebra;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * Multi-head attention, as {@code torch.nn.MultiheadAttention(E, num_heads, bias, batch_first)}
 * with {@code need_weights=False}: {@code Q = query W_q^T + b_q}, {@code K}, {@code V} likewise
 * (the three row blocks of {@code in_proj_weight [3E, E]}), the heads' scaled dot-product
 * attention ({@link FlashAttentionForward}; the heads are read from the projections in place), and
 * {@code out_proj}. Parameter names as PyTorch's: {@code in_proj_weight}, {@code in_proj_bias},
 * {@code out_proj.weight}, {@code out_proj.bias}.
 *
 * <p>Inputs {@code [N, T, E]} with {@code batch_first}, else {@code [T, N, E]}, or one sequence
 * unbatched, {@code [T, E]} either way (PyTorch's unbatched input; its key padding mask is then
 * {@code [Tk]}, and the output {@code [Tq, E]}). Masks: an
 * additive {@code attn_mask [Tq, Tk]}, a {@code key_padding_mask [N, Tk]} (int64, nonzero = ignore
 * the key, as PyTorch's boolean mask; or float32, additive), and {@code causal} (query i sees keys
 * {@code j <= i}). When query, key and value are the same tensor (self-attention) the three
 * projections are one GEMM.
 */
public final class MultiHeadAttention extends Layer {

    /** The gradients backward returns: of the query, the key and the value (the same tensor for self-attention). */
    public record Gradients(Tensor query, Tensor key, Tensor value) {
    }

    private final long embed;
    private final int heads;
    private final int headDim;
    private final boolean batchFirst;
    private final Parameter inProjWeight;
    private final Parameter inProjBias;
    private final Linear outProj;
    private Saved saved;
    /**
     * The head layouts of the last calls' tensors and the last training forward's shape, handed
     * out again for the same memory and sizes: from an arena that
     * {@linkplain dev.panamax.nn.tensor.StepArena#reusingTensors() reuses tensors}, every step has
     * the same twelve (query, key, value and output, their gradients and the output's), and a
     * step then allocates none. They are immutable records, so threads that race on these slots
     * each see a whole one.
     */
    private final HeadLayout[] layouts = new HeadLayout[12];
    /** The last gradients of each block of in_proj's rows ({@link #project}, by its first block), handed back likewise. */
    private final LinearAlgebra.LinearGrads[] projectGrads = new LinearAlgebra.LinearGrads[3];
    private Gradients lastGradients;
    private int nextLayout;
    private AttentionShape lastShape;

    /** Batch-first, with biases, initialised as PyTorch does. */
    public MultiHeadAttention(long embedDim, int numHeads) {
        this(embedDim, numHeads, true, true, Init.generator());
    }

    public MultiHeadAttention(long embedDim, int numHeads, boolean bias, boolean batchFirst, RandomGenerator rng) {
        if (embedDim < 1 || numHeads < 1 || embedDim % numHeads != 0) {
            throw new IllegalArgumentException("embed_dim must be a positive multiple of num_heads, got " + embedDim + " and "
                    + numHeads);
        }
        this.embed = embedDim;
        this.heads = numHeads;
        this.headDim = (int) (embedDim / numHeads);
        this.batchFirst = batchFirst;
        this.inProjWeight = parameter("in_proj_weight", 3 * embedDim, embedDim);
        this.inProjBias = bias ? parameter("in_proj_bias", 3 * embedDim) : null;
        this.outProj = child("out_proj", new Linear(embedDim, embedDim, bias, rng));
        Init.xavierUniform(inProjWeight.value(), 1, rng);
        if (bias) {
            outProj.bias().value().fill(0f);
        }
    }

    public long embedDim() {
        return embed;
    }

    public int numHeads() {
        return heads;
    }

    /** Self-attention without masks. */
    @Override
    public Tensor forward(Tensor x, Arena arena) {
        return forward(x, x, x, null, null, false, arena);
    }

    /** The gradient of the input of a self-attention forward: {@code dquery + dkey + dvalue}. */
    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        Gradients g = backwardAll(gy, arena);
        if (g.query() == g.key() && g.key() == g.value()) {
            return g.query();
        }
        Tensor sum = g.query().copy(arena);
        Blas1.saxpy(sum.numel(), 1f, g.key().segment(), g.key().offset(), sum.segment(), sum.offset());
        Blas1.saxpy(sum.numel(), 1f, g.value().segment(), g.value().offset(), sum.segment(), sum.offset());
        return sum;
    }

    /**
     * Attention of {@code query} over {@code key} and {@code value}.
     *
     * @param keyPaddingMask {@code [N, Tk]} ({@code [Tk]} unbatched): int64 (nonzero ignores the key) or
     *                       float32 (added), or null
     * @param attnMask       float32 {@code [Tq, Tk]} added to the scores, or null
     * @param causal         query i sees keys {@code j <= i} only
     * @return {@code [N, Tq, E]} (or {@code [Tq, N, E]}; {@code [Tq, E]} unbatched)
     */
    public Tensor forward(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask, Tensor attnMask, boolean causal,
                          Arena arena) {
        if (query.rank() != 2) {
            return forwardBatch(query, key, value, keyPaddingMask, attnMask, causal, false, arena);
        }
        if (key.rank() != 2 || value.rank() != 2) {
            throw new IllegalArgumentException(describe() + ": an unbatched query needs an unbatched key and value, got "
                    + Arrays.toString(query.shape()) + ", " + Arrays.toString(key.shape()) + ", "
                    + Arrays.toString(value.shape()));
        }
        int batchDim = batchDim();
        // the same tensor stays the same tensor, so that self-attention keeps its one projection
        Tensor q = query.unsqueeze(batchDim);
        Tensor k = key == query ? q : key.unsqueeze(batchDim);
        Tensor v = value == key ? k : value == query ? q : value.unsqueeze(batchDim);
        if (keyPaddingMask != null && keyPaddingMask.rank() != 1) {
            throw new IllegalArgumentException(describe() + ": the key_padding_mask of an unbatched input must be [Tk] = ["
                    + key.size(0) + "], got " + Arrays.toString(keyPaddingMask.shape()));
        }
        Tensor padding = keyPaddingMask == null ? null : keyPaddingMask.unsqueeze(0);
        return forwardBatch(q, k, v, padding, attnMask, causal, true, arena).squeeze(batchDim);
    }

    private Tensor forwardBatch(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask, Tensor attnMask,
                                boolean causal, boolean unbatched, Arena arena) {
        check("query", query);
        check("key", key);
        check("value", value);
        if (batchOf(key) != batchOf(query) || batchOf(value) != batchOf(key) || lengthOf(value) != lengthOf(key)) {
            throw new IllegalArgumentException(describe() + ": query, key and value must share the batch and key and value the "
                    + "length, got " + Arrays.toString(query.shape()) + ", " + Arrays.toString(key.shape()) + ", "
                    + Arrays.toString(value.shape()));
        }
        int n = (int) batchOf(query);
        int tq = (int) lengthOf(query);
        int tk = (int) lengthOf(key);
        // training reuses the last forward's record (no thread shares a model in training, and
        // backward only ever reads the last forward's); evaluation, which threads may share,
        // makes its own
        Saved s = isTraining() && saved != null ? saved : new Saved();
        s.complete = false;
        s.qkv = null;
        s.kv = null;
        s.query = rows(query, arena);
        s.key = key == query ? s.query : rows(key, arena);
        s.value = value == key ? s.key : rows(value, arena);
        s.self = query == key && key == value;
        s.sameKv = key == value;
        Tensor w = inProjWeight.value();
        if (s.self) {
            s.qkv = LinearAlgebra.linear(s.query, w, bias(), arena);
            s.q = columns(s.qkv, 0);
            s.k = columns(s.qkv, embed);
            s.v = columns(s.qkv, 2 * embed);
        } else {
            s.q = LinearAlgebra.linear(s.query, w.slice(0, 0, embed), bias(0), arena);
            if (s.sameKv) {
                s.kv = LinearAlgebra.linear(s.key, w.slice(0, embed, 3 * embed), bias(1, 3), arena);
                s.k = columns(s.kv, 0);
                s.v = columns(s.kv, embed);
            } else {
                s.k = LinearAlgebra.linear(s.key, w.slice(0, embed, 2 * embed), bias(1), arena);
                s.v = LinearAlgebra.linear(s.value, w.slice(0, 2 * embed, 3 * embed), bias(2), arena);
            }
        }
        AttentionShape shape = lastShape;
        if (shape == null || shape.batch() != n || shape.queries() != tq || shape.keys() != tk || shape.causal() != causal) {
            shape = new AttentionShape(n, heads, heads, tq, tk, headDim, headDim, (float) (1 / Math.sqrt(headDim)), causal, 0);
            lastShape = shape;
        }
        s.shape = shape;
        s.masks = masks(attnMask, keyPaddingMask, n, tq, tk, arena);
        Tensor out = Tensor.empty(arena, (long) n * tq, embed);
        s.lse = isTraining() ? Tensor.empty(arena, n, heads, tq) : null;
        FlashAttentionForward.forward(s.shape, heads(s.q, n, tq), heads(s.k, n, tk), heads(s.v, n, tk), s.masks,
                heads(out, n, tq), s.lse == null ? null : s.lse.segment(), s.lse == null ? 0 : s.lse.offset());
        s.queryInput = query;
        s.keyInput = key;
        s.unbatched = unbatched;
        s.complete = true;
        saved = s;
        return outProj.forward(out, arena).viewAs(query);
    }

    /** The gradients of the last forward's query, key and value; the parameters' are accumulated. */
    public Gradients backwardAll(Tensor gy, Arena arena) {
        Saved s = saved(saved);
        if (!s.complete) {
            throw new IllegalStateException(describe() + ": the last forward failed; backward needs one that completed");
        }
        if (s.unbatched) {
            int batchDim = batchDim();
            Gradients g = backwardBatch(s, gy.unsqueeze(batchDim), arena);
            Tensor query = g.query().squeeze(batchDim);
            Tensor key = g.key() == g.query() ? query : g.key().squeeze(batchDim);
            Tensor value = g.value() == g.key() ? key : g.value().squeeze(batchDim);
            return gradients(query, key, value);
        }
        return backwardBatch(s, gy, arena);
    }

    /** The batch dimension of a batched input: 0 batch first, else 1. */
    private int batchDim() {
        return batchFirst ? 0 : 1;
    }

    private Gradients backwardBatch(Saved s, Tensor gy, Arena arena) {
        if (s.lse == null) {
            throw new IllegalStateException(describe() + ": backward needs a forward in training mode");
        }
        if (!gy.sameShape(s.queryInput)) {
            throw new IllegalArgumentException(describe() + ": the output gradient must have shape " + Arrays.toString(s.queryInput.shape())
                    + ", got " + Arrays.toString(gy.shape()));
        }
        int n = s.shape.batch();
        int tq = s.shape.queries();
        int tk = s.shape.keys();
        Tensor dOut = outProj.backward(gy.contiguous(arena).view(-1, embed), arena);
        Tensor dq;
        Tensor dk;
        Tensor dv;
        Tensor dqkv = null;
        Tensor dkv = null;
        if (s.self) {
            dqkv = Tensor.emptyLike(arena, s.qkv);
            dq = columns(dqkv, 0);
            dk = columns(dqkv, embed);
            dv = columns(dqkv, 2 * embed);
        } else {
            dq = Tensor.emptyLike(arena, s.q);
            if (s.sameKv) {
                dkv = Tensor.emptyLike(arena, s.kv);
                dk = columns(dkv, 0);
                dv = columns(dkv, embed);
            } else {
                dk = Tensor.emptyLike(arena, s.k);
                dv = Tensor.emptyLike(arena, s.v);
            }
        }
        FlashAttentionBackward.backward(s.shape, heads(s.q, n, tq), heads(s.k, n, tk), heads(s.v, n, tk), s.masks,
                s.lse.segment(), s.lse.offset(), heads(dOut, n, tq), heads(dq, n, tq), heads(dk, n, tk), heads(dv, n, tk));
        if (s.self) {
            Tensor dx = project(s.query, dqkv, 0, 3, arena).viewAs(s.queryInput);
            return gradients(dx, dx, dx);
        }
        Tensor gq = project(s.query, dq, 0, 1, arena).viewAs(s.queryInput);
        if (s.sameKv) {
            Tensor gkv = project(s.key, dkv, 1, 3, arena).viewAs(s.keyInput);
            return gradients(gq, gkv, gkv);
        }
        return gradients(gq, project(s.key, dk, 1, 2, arena).viewAs(s.keyInput),
                project(s.value, dv, 2, 3, arena).viewAs(s.keyInput));
    }

    /**
     * Self-attention of new tokens {@code x} ({@code [N, t, E]}, or {@code [t, N, E]}) over every token
     * the cache holds and themselves, causally (new token i sees the cached ones and new tokens
     * {@code <= i}); their keys and values are appended to the cache. Equal to the last t rows of
     * a causal forward over the whole prefix. Inference only.
     *
     * @throws IllegalStateException when the cache would overflow its capacity
     */
    public Tensor forwardCached(Tensor x, KvCache cache, Arena arena) {
        check("x", x);
        int n = (int) batchOf(x);
        int t = (int) lengthOf(x);
        requireBatch(cache, n);
        KvCache.Entry e = cache.selfEntry(this, heads, headDim);
        int past = e.length;
        if (past + t > cache.capacity()) {
            throw new IllegalStateException(describe() + ": the cache holds " + past + " of " + cache.capacity()
                    + " tokens; " + t + " more overflow it");
        }
        Tensor qkv = LinearAlgebra.linear(rows(x, arena), inProjWeight.value(), bias(), arena);
        HeadLayout newKeys = heads(columns(qkv, embed), n, t);
        HeadLayout newValues = heads(columns(qkv, 2 * embed), n, t);
        HeadLayout keys = HeadLayout.contiguous(e.keys.segment(), e.keys.offset(), heads, cache.capacity(), headDim);
        HeadLayout values = HeadLayout.contiguous(e.values.segment(), e.values.offset(), heads, cache.capacity(), headDim);
        for (int b = 0; b < n; b++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < t; i++) {
                    copyRow(newKeys, keys, b, h, i, past + i);
                    copyRow(newValues, values, b, h, i, past + i);
                }
            }
        }
        e.length = past + t;
        Tensor out = Tensor.empty(arena, (long) n * t, embed);
        AttentionShape shape = new AttentionShape(n, heads, heads, t, past + t, headDim, headDim,
                (float) (1 / Math.sqrt(headDim)), true, past);
        FlashAttentionForward.forward(shape, heads(columns(qkv, 0), n, t), keys, values, AttentionMasks.NONE, heads(out, n, t),
                null, 0);
        return outProj.forward(out, arena).viewAs(x);
    }

    /**
     * Cross-attention of {@code x} over {@code memory}, whose projected keys and values the cache
     * keeps after the first call for this sequence. Inference only.
     */
    public Tensor forwardCachedCross(Tensor x, Tensor memory, Tensor memoryKeyPadding, KvCache cache, Arena arena) {
        check("x", x);
        check("memory", memory);
        int n = (int) batchOf(x);
        int t = (int) lengthOf(x);
        int s = (int) lengthOf(memory);
        requireBatch(cache, n);
        KvCache.Entry e = cache.crossEntry(this);
        if (e.memory == null) {
            e.memory = LinearAlgebra.linear(rows(memory, arena), inProjWeight.value().slice(0, embed, 3 * embed), bias(1, 3),
                    cache.arena());
        }
        Tensor q = LinearAlgebra.linear(rows(x, arena), inProjWeight.value().slice(0, 0, embed), bias(0), arena);
        Tensor out = Tensor.empty(arena, (long) n * t, embed);
        AttentionShape shape = new AttentionShape(n, heads, heads, t, s, headDim, headDim, (float) (1 / Math.sqrt(headDim)),
                false, 0);
        FlashAttentionForward.forward(shape, heads(q, n, t), heads(columns(e.memory, 0), n, s),
                heads(columns(e.memory, embed), n, s), masks(null, memoryKeyPadding, n, t, s, arena), heads(out, n, t), null, 0);
        return outProj.forward(out, arena).viewAs(x);
    }

    private void requireBatch(KvCache cache, int n) {
        if (cache.batch() != n) {
            throw new IllegalArgumentException(describe() + ": the cache is for a batch of " + cache.batch() + ", got " + n);
        }
    }

    private void copyRow(HeadLayout from, HeadLayout to, int b, int h, int i, int j) {
        java.lang.foreign.MemorySegment.copy(from.segment(), from.offset() * 4 + (b * from.batchStride() + h * from.headStride()
                + i * from.tokenStride()) * 4, to.segment(), (to.offset() + b * to.batchStride() + h * to.headStride()
                + j * to.tokenStride()) * 4, (long) headDim * 4);
    }

    // ---- helpers ----

    /** The gradients as a record: the last one again when it holds these very tensors (a reusing arena's steady state). */
    private Gradients gradients(Tensor query, Tensor key, Tensor value) {
        Gradients g = lastGradients;
        if (g == null || g.query() != query || g.key() != key || g.value() != value) {
            g = new Gradients(query, key, value);
            lastGradients = g;
        }
        return g;
    }

    /** The backward of the projection by row blocks {@code [from E, to E)} of in_proj: accumulates their gradients, returns the input's. */
    private Tensor project(Tensor x, Tensor g, int from, int to, Arena arena) {
        Tensor w = inProjWeight.value().slice(0, from * embed, to * embed);
        LinearAlgebra.LinearGrads lg = LinearAlgebra.linearBackward(x, w, inProjBias != null, g.contiguous(arena), true,
                projectGrads[from], arena);
        projectGrads[from] = lg;
        add(inProjWeight.grad().slice(0, from * embed, to * embed), lg.weight());
        if (inProjBias != null) {
            add(inProjBias.grad().slice(0, from * embed, to * embed), lg.bias());
        }
        return lg.x();
    }

    private static void add(Tensor dst, Tensor src) {
        Blas1.saxpy(src.numel(), 1f, src.segment(), src.offset(), dst.segment(), dst.offset());
    }

    private Tensor bias() {
        return inProjBias == null ? null : inProjBias.value();
    }

    private Tensor bias(int block) {
        return bias(block, block + 1);
    }

    private Tensor bias(int from, int to) {
        return inProjBias == null ? null : inProjBias.value().slice(0, from * embed, to * embed);
    }

    /** Fails unless {@code x} is a float32 {@code [N, T, E]} (or {@code [T, N, E]}). */
    private void check(String name, Tensor x) {
        if (x.rank() != 3 || x.dtype() != DType.FLOAT32 || x.size(2) != embed) {
            throw new IllegalArgumentException(describe() + " expects float32 " + name + " of shape "
                    + (batchFirst ? "[N, T, " : "[T, N, ") + embed + "] or, unbatched, [T, " + embed + "], got " + x.dtype() + " "
                    + Arrays.toString(x.shape()));
        }
    }

    /** N of a checked input {@code [N, T, E]} (or {@code [T, N, E]}). */
    private long batchOf(Tensor x) {
        return x.size(batchDim());
    }

    /** T of a checked input {@code [N, T, E]} (or {@code [T, N, E]}). */
    private long lengthOf(Tensor x) {
        return x.size(1 - batchDim());
    }

    /** The rows of an input, one token a row, in its own order. */
    private Tensor rows(Tensor x, Arena arena) {
        return x.contiguous(arena).view(-1, embed);
    }

    /** Columns {@code [from, from + E)} of a {@code [rows, k E]} projection, as a {@code [rows, E]} view. */
    private Tensor columns(Tensor t, long from) {
        return t.slice(1, from, from + embed);
    }

    /** The heads of a {@code [rows, E]} (view) of tokens: {@code [N, H, T, headDim]} for the kernels. */
    private HeadLayout heads(Tensor rows, int n, int t) {
        long ld = rows.stride(0);
        java.lang.foreign.MemorySegment segment = rows.segment();
        long offset = rows.offset();
        long batchStride = batchFirst ? t * ld : ld;
        long tokenStride = batchFirst ? ld : n * ld;
        HeadLayout[] kept = layouts;
        for (HeadLayout h : kept) {
            if (h != null && h.segment() == segment && h.offset() == offset && h.batchStride() == batchStride
                    && h.tokenStride() == tokenStride) {
                return h;
            }
        }
        HeadLayout h = new HeadLayout(segment, offset, batchStride, headDim, tokenStride);
        int at = nextLayout;
        kept[at] = h;
        nextLayout = (at + 1) % kept.length;
        return h;
    }

    private AttentionMasks masks(Tensor attnMask, Tensor keyPadding, int n, int tq, int tk, Arena arena) {
        if (attnMask != null && (!attnMask.hasShape(tq, tk) || attnMask.dtype() != DType.FLOAT32)) {
            throw new IllegalArgumentException(describe() + ": attn_mask must be float32 [" + tq + ", " + tk + "], got "
                    + attnMask.dtype() + " " + Arrays.toString(attnMask.shape()));
        }
        Tensor pad = null;
        if (keyPadding != null) {
            if (!keyPadding.hasShape(n, tk)) {
                throw new IllegalArgumentException(describe() + ": key_padding_mask must be [" + n + ", " + tk + "], got "
                        + Arrays.toString(keyPadding.shape()));
            }
            if (keyPadding.dtype() == DType.INT64) {
                pad = Tensor.empty(arena, n, tk);
                long[] flags = keyPadding.toLongArray();
                for (int i = 0; i < flags.length; i++) {
                    pad.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, pad.offset() + i,
                            flags[i] != 0 ? Float.NEGATIVE_INFINITY : 0f);
                }
            } else {
                pad = keyPadding;
            }
        }
        return Attention.masks(attnMask, pad, arena);
    }

    @Override
    public String toString() {
        return describe() + "(embed_dim=" + embed + ", num_heads=" + heads + ", batch_first=" + batchFirst + ")";
    }

    @Override
    public String family() {
        return "attention";
    }

    /** What forward keeps for backward. */
    private static final class Saved {
        Tensor query;
        Tensor key;
        Tensor value;
        boolean self;
        boolean sameKv;
        Tensor qkv;
        Tensor kv;
        Tensor q;
        Tensor k;
        Tensor v;
        Tensor lse;
        AttentionShape shape;
        AttentionMasks masks;
        /** The inputs were one sequence each, {@code [T, E]}, run as a batch of one. */
        boolean unbatched;
        /** Whether the forward that filled this record finished (a failed one leaves it half written). */
        boolean complete;
        /** The inputs, whose shapes the gradients take. */
        Tensor queryInput;
        Tensor keyInput;
    }
}
