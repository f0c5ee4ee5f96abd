package dev.panamax.nn.functional;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.kernels.attention.AttentionMasks;
import dev.panamax.kernels.attention.AttentionShape;
import dev.panamax.kernels.attention.FlashAttentionBackward;
import dev.panamax.kernels.attention.FlashAttentionForward;
import dev.panamax.kernels.attention.HeadLayout;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * Scaled dot-product attention on tensors, forward and backward:
 * {@code F.scaled_dot_product_attention(q, k, v, attn_mask, is_causal, scale)} of PyTorch 2, run
 * by the fused kernels ({@link FlashAttentionForward}), which never store the {@code Tq x Tk}
 * scores. Heads may be views (any strides but a contiguous last dimension): the heads of a
 * projection {@code [N, T, H * D]} viewed as {@code [N, H, T, D]} are read in place.
 */
public final class Attention {

    private Attention() {
    }

    /** The output {@code [N, H, Tq, Dv]} and what backward needs: the rows' log-sum-exp {@code [N, H, Tq]}. */
    public record Result(Tensor y, Tensor lse) {
    }

    /** The gradients of q, k and v. */
    public record Grads(Tensor q, Tensor k, Tensor v) {
    }

    /**
     * {@code softmax(q k^T scale + attnMask + keyPadding) v}.
     *
     * @param q          {@code [N, H, Tq, D]}
     * @param k          {@code [N, Hkv, Tk, D]}, {@code Hkv} dividing H (grouped-query attention when smaller)
     * @param v          {@code [N, Hkv, Tk, Dv]}
     * @param attnMask   additive {@code [Tq, Tk]}, or null
     * @param keyPadding additive {@code [N, Tk]} (0 to attend, -inf to ignore a key), or null
     * @param causal     query i sees keys j &lt;= i only (top-left aligned)
     * @param scale      the factor of the scores, or null for {@code 1/sqrt(D)}
     */
    public static Result scaledDotProduct(Tensor q, Tensor k, Tensor v, Tensor attnMask, Tensor keyPadding, boolean causal,
                                          Float scale, Arena arena) {
        AttentionShape s = shape(q, k, v, attnMask, keyPadding, causal, scale);
        q = rowsDense(q, arena);
        k = rowsDense(k, arena);
        v = rowsDense(v, arena);
        Tensor y = Tensor.empty(arena, s.batch(), s.heads(), s.queries(), s.valueDim());
        Tensor lse = Tensor.empty(arena, s.batch(), s.heads(), s.queries());
        FlashAttentionForward.forward(s, layout(q), layout(k), layout(v), masks(attnMask, keyPadding, arena), layout(y),
                lse.segment(), lse.offset());
        return new Result(y, lse);
    }

    /** The gradients of {@link #scaledDotProduct} for the upstream gradient {@code gy [N, H, Tq, Dv]}. */
    public static Grads scaledDotProductBackward(Tensor q, Tensor k, Tensor v, Tensor attnMask, Tensor keyPadding,
                                                 boolean causal, Float scale, Result forward, Tensor gy, Arena arena) {
        AttentionShape s = shape(q, k, v, attnMask, keyPadding, causal, scale);
        Layouts.requireSameShape("the output gradient", gy, forward.y());
        q = rowsDense(q, arena);
        k = rowsDense(k, arena);
        v = rowsDense(v, arena);
        gy = rowsDense(gy, arena);
        Tensor dq = Tensor.emptyLike(arena, q);
        Tensor dk = Tensor.emptyLike(arena, k);
        Tensor dv = Tensor.emptyLike(arena, v);
        Tensor lse = forward.lse().contiguous(arena);
        FlashAttentionBackward.backward(s, layout(q), layout(k), layout(v), masks(attnMask, keyPadding, arena),
                lse.segment(), lse.offset(), layout(gy), layout(dq), layout(dk), layout(dv));
        return new Grads(dq, dk, dv);
    }

    /** The shape of an attention call, checking every tensor against the others. */
    static AttentionShape shape(Tensor q, Tensor k, Tensor v, Tensor attnMask, Tensor keyPadding, boolean causal, Float scale) {
        for (var e : new Object[][] {{"q", q}, {"k", k}, {"v", v}}) {
            Tensor t = (Tensor) e[1];
            Layouts.requireRank((String) e[0], t, 4);
            Layouts.requireType((String) e[0], t, DType.FLOAT32);
        }
        long n = q.size(0);
        long h = q.size(1);
        long hkv = k.size(1);
        long d = q.size(3);
        if (k.size(0) != n || v.size(0) != n || v.size(1) != hkv || k.size(3) != d || v.size(2) != k.size(2)
                || hkv == 0 || h % hkv != 0) {
            throw new IllegalArgumentException("attention needs q [N, H, Tq, D], k [N, Hkv, Tk, D], v [N, Hkv, Tk, Dv] with Hkv "
                    + "dividing H; got q " + Arrays.toString(q.shape()) + ", k " + Arrays.toString(k.shape()) + ", v "
                    + Arrays.toString(v.shape()));
        }
        long tq = q.size(2);
        long tk = k.size(2);
        if (attnMask != null) {
            Layouts.requireType("attn_mask", attnMask, DType.FLOAT32);
            Layouts.requireShape("attn_mask", attnMask, tq, tk);
        }
        if (keyPadding != null) {
            Layouts.requireType("key_padding_mask", keyPadding, DType.FLOAT32);
            Layouts.requireShape("key_padding_mask", keyPadding, n, tk);
        }
        float sc = scale == null ? (float) (1 / Math.sqrt(d)) : scale;
        return new AttentionShape(Math.toIntExact(n), Math.toIntExact(h), Math.toIntExact(hkv), Math.toIntExact(tq),
                Math.toIntExact(tk), Math.toIntExact(d), Math.toIntExact(v.size(3)), sc, causal, 0);
    }

    /** Where a {@code [N, H, T, D]} tensor (any strides, the last 1) lies, for the kernels. */
    public static HeadLayout layout(Tensor t) {
        return new HeadLayout(t.segment(), t.offset(), t.stride(0), t.stride(1), t.stride(2));
    }

    /** {@code t} when its last dimension is contiguous, else a contiguous copy. */
    static Tensor rowsDense(Tensor t, Arena arena) {
        return t.size(-1) <= 1 || t.stride(-1) == 1 ? t : t.contiguous(arena);
    }

    /** The kernels' view of the optional masks (additive float, {@code [Tq, Tk]} and {@code [N, Tk]}). */
    public static AttentionMasks masks(Tensor attnMask, Tensor keyPadding, Arena arena) {
        if (attnMask == null && keyPadding == null) {
            return AttentionMasks.NONE;
        }
        AttentionMasks m = AttentionMasks.NONE;
        if (attnMask != null) {
            Tensor a = rowsDense(attnMask, arena);
            m = AttentionMasks.attn(a.segment(), a.offset(), a.stride(0));
        }
        if (keyPadding != null) {
            Tensor p = rowsDense(keyPadding, arena);
            m = m.withKeyPadding(p.segment(), p.offset(), p.stride(0));
        }
        return m;
    }
}
