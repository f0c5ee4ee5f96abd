package dev.panamax.kernels.attention;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.VectorMath;
import dev.panamax.kernels.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Attention of a few queries (decoding: one new token, or a few) over many keys (a growing
 * key/value cache). There is nothing to reuse a key for, so the tiles of
 * {@link FlashAttentionForward} would only add the cost of packing the cache: this kernel streams
 * every key and value row once, straight from where it lies, scoring a block of keys at a time
 * and folding it into the online softmax. The loops are shaped for the memory stream, not the
 * arithmetic: four keys per step of the score loop (four independent FMA chains, each ending in
 * one horizontal sum) and four vectors of features held in registers across a block's values, so
 * that no dependency chain longer than a row stalls the loads. (Copying each block into a heap
 * array first, to spare the segment's bounds checks, cost more than those checks: with these
 * loop shapes C2 hoists them.) A long cache is split over the threads (split-K): each
 * takes a range of keys and keeps its own maximum, sum and output, and the ranges are merged at
 * the end by their log-sum-exp.
 */
final class DecodeAttention {

    /** Queries up to which a call takes this kernel. */
    static final int MAX_QUERIES = 4;
    /** Keys scored before each softmax update. */
    private static final int BLOCK = 64;
    /** Fewer keys than this per thread do not pay for a split. */
    private static final int MIN_KEYS_PER_THREAD = 1024;

    private DecodeAttention() {
    }

    static void forward(AttentionShape s, HeadLayout q, HeadLayout k, HeadLayout v, AttentionMasks masks, HeadLayout out,
                        MemorySegment lse, long lseOffset, boolean shareable) {
        int rows = s.batch() * s.heads() * s.queries();
        int threads = shareable ? WorkerPool.threads() : 1;
        int splits = Math.max(1, Math.min(threads, s.keys() / MIN_KEYS_PER_THREAD));
        if (rows >= threads || splits == 1) {
            // enough rows for every thread: each row whole
            if (threads == 1 || rows == 1) {
                for (int r = 0; r < rows; r++) {
                    row(s, q, k, v, masks, r, 0, s.keys(), out, lse, lseOffset, null, 0);
                }
            } else {
                WorkerPool.run(Math.min(threads, rows),
                        AttentionJob.claim(AttentionJob.Kind.DECODE_ROWS, rows, s, q, k, v, masks, out, lse, lseOffset));
            }
            return;
        }
        // split-K: every row's keys in `splits` ranges, merged by log-sum-exp
        int stride = s.valueDim() + 2;
        float[] partial = AttentionWorkspace.get().partials(rows * splits * stride);
        WorkerPool.run(splits, AttentionJob.claim(AttentionJob.Kind.DECODE_KEY_RANGES, rows, s, q, k, v, masks, out, lse,
                lseOffset).partial(partial, stride));
        for (int r = 0; r < rows; r++) {
            merge(s, r, splits, partial, stride, out, lse, lseOffset);
        }
    }

    /**
     * Row {@code r} ({@code (n, h, i)} in row-major order) over keys {@code [from, to)}: the output and
     * log-sum-exp when {@code partial} is null, else {@code [m, l, acc...]} into {@code partial}.
     */
    static void row(AttentionShape s, HeadLayout q, HeadLayout k, HeadLayout v, AttentionMasks masks, int r, int from,
                            int to, HeadLayout out, MemorySegment lse, long lseOffset, float[] partial, int at) {
        int i = r % s.queries();
        int h = (r / s.queries()) % s.heads();
        int n = r / (s.queries() * s.heads());
        int kvh = h / s.group();
        int d = s.headDim();
        int dv = s.valueDim();
        AttentionWorkspace ws = AttentionWorkspace.get();
        float[] query = ws.decodeQuery(d);
        float[] acc = ws.decodeAcc(dv);
        float[] scores = ws.decodeScores(BLOCK);
        long qRow = q.at(n, h, i);
        for (int x = 0; x < d; x++) {
            query[x] = FloatLanes.get(q.segment(), qRow + x) * s.scale();
        }
        java.util.Arrays.fill(acc, 0, dv, 0f);
        float m = Float.NEGATIVE_INFINITY;
        float l = 0f;
        int end = Math.min(to, s.visibleKeys(i));
        for (int j0 = from; j0 < end; j0 += BLOCK) {
            int count = Math.min(BLOCK, end - j0);
            float blockMax = scoreBlock(s, k, masks, n, kvh, i, j0, count, query, scores);
            float next = Math.max(m, blockMax);
            if (next == Float.NEGATIVE_INFINITY) {
                continue;
            }
            float alpha = (float) Math.exp(m - next);
            l = l * alpha + softmaxBlock(count, next, scores);
            m = next;
            accumulate(v, n, kvh, j0, count, scores, alpha, acc, dv);
        }
        if (partial != null) {
            partial[at] = m;
            partial[at + 1] = l;
            System.arraycopy(acc, 0, partial, at + 2, dv);
            return;
        }
        finish(s, out, lse, lseOffset, n, h, i, m, l, acc);
    }

    /** Scores of keys {@code j0 .. j0 + count} (masked), into {@code scores}; returns their maximum. */
    private static float scoreBlock(AttentionShape s, HeadLayout k, AttentionMasks masks, int n, int kvh, int i, int j0,
                                    int count, float[] query, float[] scores) {
        int d = s.headDim();
        MemorySegment seg = k.segment();
        long base = k.at(n, kvh, j0);
        long ld = k.tokenStride();
        int c = 0;
        // four keys at a time: four independent FMA chains, and one horizontal sum per key
        for (; c <= count - 4; c += 4) {
            long row = base + c * ld;
            FloatVector a0 = FloatVector.zero(SPECIES);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            int x = 0;
            for (; x <= d - LANES; x += LANES) {
                FloatVector qx = FloatVector.fromArray(SPECIES, query, x);
                a0 = qx.fma(FloatVector.fromMemorySegment(SPECIES, seg, (row + x) * Float.BYTES, ORDER), a0);
                a1 = qx.fma(FloatVector.fromMemorySegment(SPECIES, seg, (row + ld + x) * Float.BYTES, ORDER), a1);
                a2 = qx.fma(FloatVector.fromMemorySegment(SPECIES, seg, (row + 2 * ld + x) * Float.BYTES, ORDER), a2);
                a3 = qx.fma(FloatVector.fromMemorySegment(SPECIES, seg, (row + 3 * ld + x) * Float.BYTES, ORDER), a3);
            }
            // the lanes in a fixed order (see FloatLanes), the steps past LANES left out
            if (FloatLanes.LANES > 8) {
                a0 = a0.add(a0.rearrange(FloatLanes.PAIR_8));
                a1 = a1.add(a1.rearrange(FloatLanes.PAIR_8));
                a2 = a2.add(a2.rearrange(FloatLanes.PAIR_8));
                a3 = a3.add(a3.rearrange(FloatLanes.PAIR_8));
            }
            if (FloatLanes.LANES > 4) {
                a0 = a0.add(a0.rearrange(FloatLanes.PAIR_4));
                a1 = a1.add(a1.rearrange(FloatLanes.PAIR_4));
                a2 = a2.add(a2.rearrange(FloatLanes.PAIR_4));
                a3 = a3.add(a3.rearrange(FloatLanes.PAIR_4));
            }
            if (FloatLanes.LANES > 2) {
                a0 = a0.add(a0.rearrange(FloatLanes.PAIR_2));
                a1 = a1.add(a1.rearrange(FloatLanes.PAIR_2));
                a2 = a2.add(a2.rearrange(FloatLanes.PAIR_2));
                a3 = a3.add(a3.rearrange(FloatLanes.PAIR_2));
            }
            a0 = a0.add(a0.rearrange(FloatLanes.PAIR_1));
            a1 = a1.add(a1.rearrange(FloatLanes.PAIR_1));
            a2 = a2.add(a2.rearrange(FloatLanes.PAIR_1));
            a3 = a3.add(a3.rearrange(FloatLanes.PAIR_1));
            float s0 = a0.lane(0);
            float s1 = a1.lane(0);
            float s2 = a2.lane(0);
            float s3 = a3.lane(0);
            for (; x < d; x++) {
                float qv = query[x];
                s0 += qv * FloatLanes.get(seg, row + x);
                s1 += qv * FloatLanes.get(seg, row + ld + x);
                s2 += qv * FloatLanes.get(seg, row + 2 * ld + x);
                s3 += qv * FloatLanes.get(seg, row + 3 * ld + x);
            }
            scores[c] = s0;
            scores[c + 1] = s1;
            scores[c + 2] = s2;
            scores[c + 3] = s3;
        }
        for (; c < count; c++) {
            long row = base + c * ld;
            FloatVector acc = FloatVector.zero(SPECIES);
            int x = 0;
            for (; x <= d - LANES; x += LANES) {
                acc = FloatVector.fromArray(SPECIES, query, x).fma(FloatVector.fromMemorySegment(SPECIES, seg, (row + x) * Float.BYTES, ORDER), acc);
            }
            // the lanes in a fixed order (see FloatLanes); a step not below LANES is left out
            if (FloatLanes.LANES > 8) { acc = acc.add(acc.rearrange(FloatLanes.PAIR_8)); }
            if (FloatLanes.LANES > 4) { acc = acc.add(acc.rearrange(FloatLanes.PAIR_4)); }
            if (FloatLanes.LANES > 2) { acc = acc.add(acc.rearrange(FloatLanes.PAIR_2)); }
            acc = acc.add(acc.rearrange(FloatLanes.PAIR_1));
            float dot = acc.lane(0);
            for (; x < d; x++) {
                dot += query[x] * FloatLanes.get(seg, row + x);
            }
            scores[c] = dot;
        }
        if (masks.attn() != null) {
            long at = masks.attnOffset() + i * masks.attnStride() + j0;
            for (c = 0; c < count; c++) {
                scores[c] += FloatLanes.get(masks.attn(), at + c);
            }
        }
        if (masks.keyPadding() != null) {
            long at = masks.keyPaddingOffset() + n * masks.keyPaddingStride() + j0;
            for (c = 0; c < count; c++) {
                scores[c] += FloatLanes.get(masks.keyPadding(), at + c);
            }
        }
        float max = Float.NEGATIVE_INFINITY;
        for (c = 0; c < count; c++) {
            max = Math.max(max, scores[c]);
        }
        return max;
    }

    /** {@code scores[c] = exp(scores[c] - max)} for the block; returns their sum. */
    private static float softmaxBlock(int count, float max, float[] scores) {
        FloatVector sum = FloatVector.zero(SPECIES);
        int c = 0;
        for (; c <= count - LANES; c += LANES) {
            FloatVector p = VectorMath.expNonPositive(FloatVector.fromArray(SPECIES, scores, c).sub(max));
            p.intoArray(scores, c);
            sum = sum.add(p);
        }
        // the lanes in a fixed order (see FloatLanes); a step not below LANES is left out
        if (FloatLanes.LANES > 8) { sum = sum.add(sum.rearrange(FloatLanes.PAIR_8)); }
        if (FloatLanes.LANES > 4) { sum = sum.add(sum.rearrange(FloatLanes.PAIR_4)); }
        if (FloatLanes.LANES > 2) { sum = sum.add(sum.rearrange(FloatLanes.PAIR_2)); }
        sum = sum.add(sum.rearrange(FloatLanes.PAIR_1));
        float total = sum.lane(0);
        for (; c < count; c++) {
            scores[c] = (float) Math.exp(scores[c] - max);
            total += scores[c];
        }
        return total;
    }

    /**
     * {@code acc = alpha acc + sum_c p[c] v[j0 + c]}. The keys are the inner loop and four vectors
     * of features the outer one, so that four independent accumulators stay in registers: with the
     * features inner, each vector of {@code acc} was one chain of {@code count} dependent FMAs.
     */
    private static void accumulate(HeadLayout v, int n, int kvh, int j0, int count, float[] p, float alpha, float[] acc,
                                   int dv) {
        MemorySegment seg = v.segment();
        long base = v.at(n, kvh, j0);
        long ld = v.tokenStride();
        int x = 0;
        for (; x <= dv - 4 * LANES; x += 4 * LANES) {
            FloatVector a0 = FloatVector.fromArray(SPECIES, acc, x).mul(alpha);
            FloatVector a1 = FloatVector.fromArray(SPECIES, acc, x + LANES).mul(alpha);
            FloatVector a2 = FloatVector.fromArray(SPECIES, acc, x + 2 * LANES).mul(alpha);
            FloatVector a3 = FloatVector.fromArray(SPECIES, acc, x + 3 * LANES).mul(alpha);
            long row = base + x;
            for (int c = 0; c < count; c++, row += ld) {
                FloatVector pc = FloatVector.broadcast(SPECIES, p[c]);
                a0 = FloatVector.fromMemorySegment(SPECIES, seg, row * Float.BYTES, ORDER).fma(pc, a0);
                a1 = FloatVector.fromMemorySegment(SPECIES, seg, (row + LANES) * Float.BYTES, ORDER).fma(pc, a1);
                a2 = FloatVector.fromMemorySegment(SPECIES, seg, (row + 2 * LANES) * Float.BYTES, ORDER).fma(pc, a2);
                a3 = FloatVector.fromMemorySegment(SPECIES, seg, (row + 3 * LANES) * Float.BYTES, ORDER).fma(pc, a3);
            }
            a0.intoArray(acc, x);
            a1.intoArray(acc, x + LANES);
            a2.intoArray(acc, x + 2 * LANES);
            a3.intoArray(acc, x + 3 * LANES);
        }
        for (; x <= dv - LANES; x += LANES) {
            FloatVector a = FloatVector.fromArray(SPECIES, acc, x).mul(alpha);
            for (int c = 0; c < count; c++) {
                a = FloatVector.fromMemorySegment(SPECIES, seg, (base + c * ld + x) * Float.BYTES, ORDER).fma(FloatVector.broadcast(SPECIES, p[c]), a);
            }
            a.intoArray(acc, x);
        }
        for (; x < dv; x++) {
            float a = acc[x] * alpha;
            for (int c = 0; c < count; c++) {
                a += p[c] * FloatLanes.get(seg, base + c * ld + x);
            }
            acc[x] = a;
        }
    }

    private static void merge(AttentionShape s, int r, int splits, float[] partial, int stride, HeadLayout out,
                              MemorySegment lse, long lseOffset) {
        int base = r * splits * stride;
        float m = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < splits; c++) {
            m = Math.max(m, partial[base + c * stride]);
        }
        float[] acc = AttentionWorkspace.get().decodeAcc(s.valueDim());
        java.util.Arrays.fill(acc, 0, s.valueDim(), 0f);
        float l = 0f;
        for (int c = 0; c < splits; c++) {
            int at = base + c * stride;
            if (partial[at] == Float.NEGATIVE_INFINITY) {
                continue;
            }
            float w = (float) Math.exp(partial[at] - m);
            l += partial[at + 1] * w;
            for (int x = 0; x < s.valueDim(); x++) {
                acc[x] += partial[at + 2 + x] * w;
            }
        }
        int i = r % s.queries();
        int h = (r / s.queries()) % s.heads();
        int n = r / (s.queries() * s.heads());
        finish(s, out, lse, lseOffset, n, h, i, m, l, acc);
    }

    private static void finish(AttentionShape s, HeadLayout out, MemorySegment lse, long lseOffset, int n, int h, int i, float m,
                               float l, float[] acc) {
        long row = out.at(n, h, i);
        float inv = 1f / l;
        for (int x = 0; x < s.valueDim(); x++) {
            FloatLanes.set(out.segment(), row + x, acc[x] * inv);
        }
        if (lse != null) {
            FloatLanes.set(lse, lseOffset + ((long) n * s.heads() + h) * s.queries() + i, m + (float) Math.log(l));
        }
    }
}
