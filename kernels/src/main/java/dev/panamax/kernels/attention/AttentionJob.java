package dev.panamax.kernels.attention;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.parallel.WorkerPool;

/**
 * A parallel attention call's arguments (see {@link WorkerPool.Job}): one object per calling
 * thread, filled in and handed to the pool, so that a call makes no closure. A decoding step
 * makes one call per generated token.
 */
final class AttentionJob extends WorkerPool.Job {

    /** What the blocks compute, and what {@link #units} counts. */
    enum Kind {
        /** Decoding rows, each over all keys ({@link DecodeAttention}); units: rows. */
        DECODE_ROWS,
        /** Every decoding row over block {@code index}'s range of keys, into {@link #partial}; units: rows. */
        DECODE_KEY_RANGES,
        /** The forward's items ({@link FlashAttentionForward}); units: items. */
        FORWARD_ITEMS,
        /** The backward's groups ({@link FlashAttentionBackward}); units: groups. */
        BACKWARD_GROUPS
    }

    private static final WorkerPool.PerThread<AttentionJob> JOBS = new WorkerPool.PerThread<>(AttentionJob::new);

    private Kind kind;
    private int units;
    private AttentionShape s;
    private HeadLayout q;
    private HeadLayout k;
    private HeadLayout v;
    private AttentionMasks masks;
    private HeadLayout out;
    private MemorySegment lse;
    private long lseOffset;
    /** {@link Kind#FORWARD_ITEMS}: query chunks per item. */
    private int chunks;
    /** {@link Kind#DECODE_KEY_RANGES}: the partial results and their stride per row and range. */
    private float[] partial;
    private int stride;
    private HeadLayout dOut;
    private HeadLayout dq;
    private HeadLayout dk;
    private HeadLayout dv;

    /** The calling thread's job for a forward call (the backward's tensors are set apart). */
    static AttentionJob claim(Kind kind, int units, AttentionShape s, HeadLayout q, HeadLayout k, HeadLayout v,
                              AttentionMasks masks, HeadLayout out, MemorySegment lse, long lseOffset) {
        AttentionJob job = JOBS.claim();
        job.kind = kind;
        job.units = units;
        job.s = s;
        job.q = q;
        job.k = k;
        job.v = v;
        job.masks = masks;
        job.out = out;
        job.lse = lse;
        job.lseOffset = lseOffset;
        return job;
    }

    AttentionJob chunks(int chunks) {
        this.chunks = chunks;
        return this;
    }

    AttentionJob partial(float[] partial, int stride) {
        this.partial = partial;
        this.stride = stride;
        return this;
    }

    AttentionJob gradients(HeadLayout dOut, HeadLayout dq, HeadLayout dk, HeadLayout dv) {
        this.dOut = dOut;
        this.dq = dq;
        this.dk = dk;
        this.dv = dv;
        return this;
    }

    @Override
    public void run(int index, int count) {
        switch (kind) {
            case DECODE_ROWS -> {
                for (int r = index; r < units; r += count) {
                    DecodeAttention.row(s, q, k, v, masks, r, 0, s.keys(), out, lse, lseOffset, null, 0);
                }
            }
            case DECODE_KEY_RANGES -> {
                int from = (int) ((long) s.keys() * index / count);
                int to = (int) ((long) s.keys() * (index + 1) / count);
                for (int r = 0; r < units; r++) {
                    DecodeAttention.row(s, q, k, v, masks, r, from, to, out, lse, lseOffset, partial, (r * count + index) * stride);
                }
            }
            case FORWARD_ITEMS -> {
                for (int i = index; i < units; i += count) {
                    FlashAttentionForward.item(s, q, k, v, masks, out, lse, lseOffset, i, chunks);
                }
            }
            case BACKWARD_GROUPS -> {
                for (int i = index; i < units; i += count) {
                    FlashAttentionBackward.group(s, q, k, v, masks, lse, lseOffset, dOut, dq, dk, dv, i);
                }
            }
        }
    }

    @Override
    protected void clear() {
        s = null;
        q = k = v = out = dOut = dq = dk = dv = null;
        masks = null;
        lse = null;
        partial = null;
    }
}
