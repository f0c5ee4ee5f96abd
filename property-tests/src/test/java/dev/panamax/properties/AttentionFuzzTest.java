package dev.panamax.properties;

import static dev.panamax.properties.FuzzArgs.at;
import static dev.panamax.properties.FuzzArgs.footprint;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.panamax.kernels.attention.AttentionMasks;
import dev.panamax.kernels.attention.AttentionShape;
import dev.panamax.kernels.attention.FlashAttentionBackward;
import dev.panamax.kernels.attention.FlashAttentionForward;
import dev.panamax.kernels.attention.HeadLayout;

/**
 * Fused attention forward (tiled, and the decoding kernel for a few queries over a long cache)
 * and backward under fuzzed shapes (grouped heads, Tq != Tk, D != Dv, causal with an offset, a
 * scale), head layouts with fuzzed strides and offsets, additive and key-padding masks holding
 * {@code -inf}, and segment sizes. Refusal is an {@link IllegalArgumentException} before any write;
 * an accepted forward equals the naive double {@code softmax(q k^T scale + masks) v} (NaN for a row
 * that sees no key, as PyTorch) and its log-sum-exp; an accepted backward writes finite
 * gradients where the forward's rows are finite.
 */
class AttentionFuzzTest {

    @FuzzTest
    void attention(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            FuzzArgs f = new FuzzArgs(data, arena);
            boolean decode = f.pick(0, 1, 2, 3, 4, 5, 6, 7) == 0;
            AttentionShape s;
            try {
                int kvHeads = f.positive(2);
                s = new AttentionShape(f.dim(2), kvHeads * f.positive(3), kvHeads, decode ? f.positive(4) : f.dim(30),
                        decode ? 1000 + f.dim(1100) : f.dim(40), f.positive(decode ? 4 : 20), f.positive(decode ? 4 : 20),
                        f.pick(0, 1) == 0 ? 0.25f : f.scalar(), f.bool(), f.pick(0, 1, 2) == 0 ? f.dim(8) : 0);
            } catch (IllegalArgumentException refused) {
                return;
            }
            boolean backward = f.bool();
            HeadLayout q = layout(f, s.batch(), s.heads(), s.queries(), s.headDim());
            HeadLayout k = layout(f, s.batch(), s.kvHeads(), s.keys(), s.headDim());
            HeadLayout v = layout(f, s.batch(), s.kvHeads(), s.keys(), s.valueDim());
            HeadLayout out = layout(f, s.batch(), s.heads(), s.queries(), s.valueDim());
            long lseOff = f.offset();
            MemorySegment lse = f.bool() && !backward ? null
                    : f.floats(footprint(lseOff, (long) s.batch() * s.heads() * s.queries(), 1));
            AttentionMasks masks = AttentionMasks.NONE;
            if (f.bool()) {
                long off = f.offset();
                long stride = f.stride(s.keys());
                masks = AttentionMasks.attn(withInfinities(f, f.floats(footprint(off, s.queries(), stride, s.keys(), 1))), off, stride);
            }
            if (f.bool()) {
                long off = f.offset();
                long stride = f.stride(s.keys());
                masks = masks.withKeyPadding(withInfinities(f, f.floats(footprint(off, s.batch(), stride, s.keys(), 1))), off, stride);
            }
            AttentionMasks m = masks;
            String what = s + " q " + q + " k " + k + " v " + v + " out " + out;
            if (!FuzzArgs.accepted(() -> FlashAttentionForward.forward(s, q, k, v, m, out, lse, lseOff), out.segment(), lse)
                    || s.batch() == 0 || s.queries() == 0) {
                return;                  // refused, or nothing computed (the reference would loop over a huge empty batch)
            }
            double[] want = reference(s, q, k, v, m);
            double[] rowLse = logSumExp(s, q, k, m);
            int row = 0;
            for (int n = 0; n < s.batch(); n++) {
                for (int h = 0; h < s.heads(); h++) {
                    for (int i = 0; i < s.queries(); i++, row++) {
                        for (int x = 0; x < s.valueDim(); x++) {
                            FuzzArgs.close(what + " out[" + n + "][" + h + "][" + i + "][" + x + "]",
                                    at(out.segment(), out.offset() + n * out.batchStride() + h * out.headStride()
                                            + i * out.tokenStride() + x), want[row * s.valueDim() + x], 10);
                        }
                        if (lse != null) {
                            FuzzArgs.close(what + " lse row " + row, at(lse, lseOff + row), rowLse[row], 10 + Math.abs(rowLse[row]));
                        }
                    }
                }
            }
            if (!backward) {
                return;
            }
            HeadLayout dOut = layout(f, s.batch(), s.heads(), s.queries(), s.valueDim());
            HeadLayout dq = layout(f, s.batch(), s.heads(), s.queries(), s.headDim());
            HeadLayout dk = layout(f, s.batch(), s.kvHeads(), s.keys(), s.headDim());
            HeadLayout dv = layout(f, s.batch(), s.kvHeads(), s.keys(), s.valueDim());
            if (FuzzArgs.accepted(() -> FlashAttentionBackward.backward(s, q, k, v, m, lse, lseOff, dOut, dq, dk, dv),
                    dq.segment(), dk.segment(), dv.segment())) {
                boolean finiteRows = true;
                for (double l : rowLse) {
                    finiteRows &= Double.isFinite(l);
                }
                if (finiteRows && Float.isFinite(s.scale())) {
                    requireFinite(what + " dq", dq, s.batch(), s.heads(), s.queries(), s.headDim());
                    requireFinite(what + " dk", dk, s.batch(), s.kvHeads(), s.keys(), s.headDim());
                    requireFinite(what + " dv", dv, s.batch(), s.kvHeads(), s.keys(), s.valueDim());
                }
            }
        }
    }

    /** A contiguous, batch-first or fuzzed-stride layout of [n, heads, tokens, features], with its segment. */
    private static HeadLayout layout(FuzzArgs f, int n, int heads, int tokens, int features) {
        long off = f.offset();
        long token;
        long head;
        long batch;
        if (f.bool()) {
            token = f.stride(features);
            head = f.stride(tokens * token);
            batch = f.stride(heads * head);
        } else {
            head = f.stride(features);
            token = f.stride(heads * head);
            batch = f.stride(tokens * token);
        }
        MemorySegment seg = f.floats(footprint(off, n, batch, heads, head, tokens, token, features, 1));
        return new HeadLayout(seg, off, batch, head, token);
    }

    private static MemorySegment withInfinities(FuzzArgs f, MemorySegment mask) {
        if (mask != null && f.bool()) {
            for (long i = 0; i < mask.byteSize() / Float.BYTES; i++) {
                if (f.nextInt(4) == 0) {
                    mask.setAtIndex(ValueLayout.JAVA_FLOAT, i, Float.NEGATIVE_INFINITY);
                }
            }
        }
        return mask;
    }

    private static double[] dense(HeadLayout l, int n, int heads, int tokens, int features) {
        double[] a = new double[n * heads * tokens * features];
        int i = 0;
        for (int b = 0; b < n; b++) {
            for (int h = 0; h < heads; h++) {
                for (int t = 0; t < tokens; t++) {
                    for (int x = 0; x < features; x++) {
                        a[i++] = at(l.segment(), l.offset() + b * l.batchStride() + h * l.headStride() + t * l.tokenStride() + x);
                    }
                }
            }
        }
        return a;
    }

    private static double[] masks(AttentionMasks m, AttentionShape s, boolean padding) {
        MemorySegment seg = padding ? m.keyPadding() : m.attn();
        if (seg == null) {
            return null;
        }
        int rows = padding ? s.batch() : s.queries();
        long off = padding ? m.keyPaddingOffset() : m.attnOffset();
        long stride = padding ? m.keyPaddingStride() : m.attnStride();
        double[] a = new double[rows * s.keys()];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < s.keys(); j++) {
                a[r * s.keys() + j] = at(seg, off + r * stride + j);
            }
        }
        return a;
    }

    private static double[] reference(AttentionShape s, HeadLayout q, HeadLayout k, HeadLayout v, AttentionMasks m) {
        return AttentionPropertiesTest.naive(dense(q, s.batch(), s.heads(), s.queries(), s.headDim()),
                dense(k, s.batch(), s.kvHeads(), s.keys(), s.headDim()), dense(v, s.batch(), s.kvHeads(), s.keys(), s.valueDim()),
                masks(m, s, false), masks(m, s, true), s.batch(), s.heads(), s.kvHeads(), s.queries(), s.keys(), s.headDim(),
                s.valueDim(), s.scale(), s.causal(), s.causalOffset());
    }

    /** Each row's log-sum-exp of its scores, in double ({@code -inf} for a row that sees no key). */
    private static double[] logSumExp(AttentionShape s, HeadLayout q, HeadLayout k, AttentionMasks m) {
        double[] qs = dense(q, s.batch(), s.heads(), s.queries(), s.headDim());
        double[] ks = dense(k, s.batch(), s.kvHeads(), s.keys(), s.headDim());
        double[] mask = masks(m, s, false);
        double[] pad = masks(m, s, true);
        double[] out = new double[s.batch() * s.heads() * s.queries()];
        int row = 0;
        for (int n = 0; n < s.batch(); n++) {
            for (int h = 0; h < s.heads(); h++) {
                int kh = h / s.group();
                for (int i = 0; i < s.queries(); i++, row++) {
                    double[] scores = new double[s.keys()];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < s.keys(); j++) {
                        double dot = 0;
                        for (int x = 0; x < s.headDim(); x++) {
                            dot += qs[((n * s.heads() + h) * s.queries() + i) * s.headDim() + x]
                                    * ks[((n * s.kvHeads() + kh) * s.keys() + j) * s.headDim() + x];
                        }
                        scores[j] = dot * s.scale() + (mask == null ? 0 : mask[i * s.keys() + j])
                                + (pad == null ? 0 : pad[n * s.keys() + j]);
                        if (s.causal() && j > i + s.causalOffset()) {
                            scores[j] = Double.NEGATIVE_INFINITY;
                        }
                        max = Math.max(max, scores[j]);
                    }
                    double sum = 0;
                    for (double sc : scores) {
                        sum += Math.exp(sc - max);
                    }
                    out[row] = max == Double.NEGATIVE_INFINITY ? max : max + Math.log(sum);
                }
            }
        }
        return out;
    }

    private static void requireFinite(String what, HeadLayout l, int n, int heads, int tokens, int features) {
        for (double x : dense(l, n, heads, tokens, features)) {
            if (!Double.isFinite(x)) {
                throw new AssertionError(what + " holds " + x + " for finite inputs");
            }
        }
    }
}
