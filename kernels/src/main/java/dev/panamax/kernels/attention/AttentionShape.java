package dev.panamax.kernels.attention;

/**
 * The sizes and options of a scaled dot-product attention, independent of where its tensors lie.
 *
 * @param batch    N
 * @param heads    H, heads of the queries (and of the output)
 * @param kvHeads  heads of the keys and values; {@code heads} is a multiple of it (grouped-query
 *                 attention: query head {@code h} reads key/value head {@code h / (heads / kvHeads)};
 *                 equal to {@code heads} for plain multi-head attention)
 * @param queries  Tq
 * @param keys     Tk
 * @param headDim  D, features of a query and a key
 * @param valueDim Dv, features of a value and of the output
 * @param scale    the factor of {@code q k^T} (usually {@code 1/sqrt(D)}, see {@link #of})
 * @param causal   query i sees keys {@code j <= i + causalOffset} only
 * @param causalOffset where query 0 stands among the keys when causal: 0 aligns the first query
 *                 with the first key (top-left, as {@code F.scaled_dot_product_attention(is_causal=True)},
 *                 also when Tq != Tk); {@code Tk - Tq} aligns the last query with the last key, as new
 *                 queries against a cache of the tokens before them
 */
public record AttentionShape(int batch, int heads, int kvHeads, int queries, int keys, int headDim, int valueDim, float scale,
                             boolean causal, int causalOffset) {

    /** Checks the sizes. */
    public AttentionShape {
        if (batch < 0 || queries < 0 || keys < 0) {
            throw new IllegalArgumentException("batch, queries and keys must be >= 0, got " + batch + ", " + queries + ", " + keys);
        }
        if (heads < 1 || kvHeads < 1 || headDim < 1 || valueDim < 1) {
            throw new IllegalArgumentException("heads, kvHeads, headDim and valueDim must be >= 1, got " + heads + ", " + kvHeads
                    + ", " + headDim + ", " + valueDim);
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("heads (" + heads + ") must be a multiple of kvHeads (" + kvHeads + ")");
        }
        if (causalOffset < 0) {
            throw new IllegalArgumentException("causalOffset must be >= 0, got " + causalOffset);
        }
        if (!Float.isFinite(scale)) {
            throw new IllegalArgumentException("scale must be finite, got " + scale);
        }
    }

    /** Multi-head attention with {@code 1/sqrt(D)} as scale. */
    public static AttentionShape of(int batch, int heads, int queries, int keys, int headDim, int valueDim, boolean causal) {
        return new AttentionShape(batch, heads, heads, queries, keys, headDim, valueDim, (float) (1 / Math.sqrt(headDim)),
                causal, 0);
    }

    /** This shape with another scale. */
    public AttentionShape withScale(float s) {
        return new AttentionShape(batch, heads, kvHeads, queries, keys, headDim, valueDim, s, causal, causalOffset);
    }

    /** This shape with {@code kvHeads} key/value heads (grouped-query attention). */
    public AttentionShape withKvHeads(int kv) {
        return new AttentionShape(batch, heads, kv, queries, keys, headDim, valueDim, scale, causal, causalOffset);
    }

    /** This shape, causal with the last query aligned to the last key (decoding against a cache). */
    public AttentionShape alignedToEnd() {
        return new AttentionShape(batch, heads, kvHeads, queries, keys, headDim, valueDim, scale, true,
                Math.max(0, keys - queries));
    }

    /** Query heads per key/value head. */
    public int group() {
        return heads / kvHeads;
    }

    /** Keys that query {@code i} sees: all, or {@code min(Tk, i + 1 + causalOffset)} when causal. */
    int visibleKeys(int i) {
        return causal ? (int) Math.min(keys, i + 1L + causalOffset) : keys;
    }
}
