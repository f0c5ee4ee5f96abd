package dev.panamax.kernels.attention;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.SPECIES;
import static dev.panamax.kernels.gemm.MicroKernel.COLUMNS;
import static dev.panamax.kernels.gemm.MicroKernel.ROWS;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.gemm.MicroKernel;
import dev.panamax.kernels.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;

/**
 * Scaled dot-product attention, fused: {@code y = softmax(q k^T scale + masks) v} without ever
 * storing the {@code Tq x Tk} scores (FlashAttention). Tiles of {@code ROWS} queries meet tiles of
 * {@code COLUMNS} keys; each tile of scores is one call of the GEMM micro-kernel on panels packed
 * once per head ({@link HeadPanels}), folded into the rows' running maximum and sum
 * ({@link OnlineSoftmax}), and its probabilities multiply the values tile by tile into an
 * accumulator that is rescaled as the maximum grows. Causal attention computes only the tiles
 * at or below the diagonal and masks only the diagonal ones.
 *
 * <p>For training the log-sum-exp of every row is saved ({@code [N, H, Tq]}): backward recomputes
 * the probabilities from it instead of storing them. Extra memory is O(T (D + Dv)) per thread.
 * Work is split over (batch, key/value head, query tiles), query tiles dealt round-robin so that
 * causal rows of every length go to every thread.
 */
public final class FlashAttentionForward {

    private FlashAttentionForward() {
    }

    /**
     * Computes {@code out = softmax(q k^T scale + masks) v}.
     *
     * @param q     {@code [N, H, Tq, D]}
     * @param k     {@code [N, Hkv, Tk, D]}
     * @param v     {@code [N, Hkv, Tk, Dv]}
     * @param masks additive masks, or {@link AttentionMasks#NONE}
     * @param out   {@code [N, H, Tq, Dv]}, written
     * @param lse   the rows' log-sum-exp {@code [N, H, Tq]} contiguous at {@code lseOffset}, written; or null
     * @throws IllegalArgumentException naming the tensor that does not fit, before anything is written
     */
    public static void forward(AttentionShape s, HeadLayout q, HeadLayout k, HeadLayout v, AttentionMasks masks,
                               HeadLayout out, MemorySegment lse, long lseOffset) {
        check(s, q, k, v, masks, out);
        if (lse != null) {
            Checks.floats("lse", lse, lseOffset, Checks.elements(s.batch(), s.heads(), s.queries()));
        }
        if (s.batch() == 0 || s.queries() == 0) {
            return;
        }
        if (s.keys() == 0) {
            // no key to attend: an empty weighted sum, as PyTorch's softmax over an empty dimension gives
            out.zero(s.batch(), s.heads(), s.queries(), s.valueDim());
            if (lse != null) {
                FloatLanes.fill(lse, lseOffset, (long) s.batch() * s.heads() * s.queries(), Float.NEGATIVE_INFINITY);
            }
            return;
        }
        boolean shareable = WorkerPool.shareable(q.segment(), k.segment(), v.segment(), out.segment(), lse, masks.attn(),
                masks.keyPadding());
        if (s.queries() <= DecodeAttention.MAX_QUERIES && s.keys() > s.queries()) {
            DecodeAttention.forward(s, q, k, v, masks, out, lse, lseOffset, shareable);
            return;
        }
        int groups = s.batch() * s.kvHeads();
        int tiles = (s.queries() + ROWS - 1) / ROWS;
        int threads = shareable ? WorkerPool.threads() : 1;
        // enough items for every thread, whole heads first (each item packs its head's keys and values)
        int chunks = Math.min(tiles, Math.max(1, (2 * threads + groups - 1) / groups));
        int items = groups * chunks;
        if (threads == 1 || items == 1 || (long) s.queries() * s.keys() * (s.headDim() + s.valueDim()) * s.heads() * s.batch()
                < 1L << 18) {
            for (int i = 0; i < items; i++) {
                item(s, q, k, v, masks, out, lse, lseOffset, i, chunks);
            }
        } else {
            WorkerPool.run(Math.min(threads, items), (index, count) -> {
                for (int i = index; i < items; i += count) {
                    item(s, q, k, v, masks, out, lse, lseOffset, i, chunks);
                }
            });
        }
    }

    static void check(AttentionShape s, HeadLayout q, HeadLayout k, HeadLayout v, AttentionMasks masks, HeadLayout out) {
        q.check("q", s.batch(), s.heads(), s.queries(), s.headDim(), false);
        k.check("k", s.batch(), s.kvHeads(), s.keys(), s.headDim(), false);
        v.check("v", s.batch(), s.kvHeads(), s.keys(), s.valueDim(), false);
        out.check("out", s.batch(), s.heads(), s.queries(), s.valueDim(), true);
        masks.check(s);
    }

    /** Item {@code index}: one batch entry and key/value head, the query tiles {@code chunk, chunk + chunks, ...}. */
    private static void item(AttentionShape s, HeadLayout q, HeadLayout k, HeadLayout v, AttentionMasks masks, HeadLayout out,
                             MemorySegment lse, long lseOffset, int index, int chunks) {
        int group = index / chunks;
        int chunk = index % chunks;
        int n = group / s.kvHeads();
        int kvh = group % s.kvHeads();
        AttentionWorkspace ws = AttentionWorkspace.get();
        ws.forForward(s.keys(), s.headDim(), s.valueDim());
        HeadPanels.transposed(k, n, kvh, s.keys(), s.headDim(), ws.keysT);
        HeadPanels.columns(v, n, kvh, s.keys(), s.valueDim(), ws.values);
        int tiles = (s.queries() + ROWS - 1) / ROWS;
        for (int h = kvh * s.group(); h < (kvh + 1) * s.group(); h++) {
            for (int t = chunk; t < tiles; t += chunks) {
                tile(s, q, masks, out, lse, lseOffset, n, h, t * ROWS, ws);
            }
        }
    }

    /** One tile of queries against every key it sees. */
    private static void tile(AttentionShape s, HeadLayout q, AttentionMasks masks, HeadLayout out, MemorySegment lse,
                             long lseOffset, int n, int h, int i0, AttentionWorkspace ws) {
        int m = Math.min(ROWS, s.queries() - i0);
        int d = s.headDim();
        int dvp = AttentionWorkspace.padded(s.valueDim());
        int keyRows = AttentionWorkspace.panels(s.keys()) * COLUMNS;
        HeadPanels.tile(q, n, h, i0, m, d, s.scale(), ws.query);
        OnlineSoftmax.start(ws.rowMax, ws.rowSum);
        java.util.Arrays.fill(ws.acc, 0, ROWS * dvp, 0f);
        int end = s.visibleKeys(i0 + m - 1);
        for (int j0 = 0; j0 < end; j0 += COLUMNS) {
            MicroKernel.run(d, ws.query, 0, ws.keysT, j0 * d, ws.scores);
            if (ScoreMasks.needed(s, masks, i0, j0)) {
                ScoreMasks.apply(s, masks, n, i0, m, j0, ws.scores);
            }
            OnlineSoftmax.update(m, ws.scores, ws.rowMax, ws.rowSum, ws.alpha, ws.probsT);
            for (int c = 0; c < dvp; c += COLUMNS) {
                MicroKernel.run(COLUMNS, ws.probsT, 0, ws.values, c * keyRows + j0 * COLUMNS, ws.product);
                rescaleAndAdd(m, ws.acc, c, dvp, ws.alpha, ws.product);
            }
        }
        finish(s, out, lse, lseOffset, n, h, i0, m, dvp, ws);
    }

    /** {@code acc[r][c .. c + COLUMNS) = alpha[r] acc + product[r]} for the tile's rows. */
    private static void rescaleAndAdd(int m, float[] acc, int c, int dvp, float[] alpha, float[] product) {
        for (int r = 0; r < m; r++) {
            int a = r * dvp + c;
            int p = r * COLUMNS;
            FloatVector al = FloatVector.broadcast(SPECIES, alpha[r]);
            for (int x = 0; x < COLUMNS; x += LANES) {
                FloatVector.fromArray(SPECIES, acc, a + x).fma(al, FloatVector.fromArray(SPECIES, product, p + x))
                        .intoArray(acc, a + x);
            }
        }
    }

    /** The rows' outputs {@code acc / l} and their log-sum-exp {@code m + log l}. */
    private static void finish(AttentionShape s, HeadLayout out, MemorySegment lse, long lseOffset, int n, int h, int i0, int m,
                               int dvp, AttentionWorkspace ws) {
        for (int r = 0; r < m; r++) {
            float inv = 1f / ws.rowSum[r];
            long row = out.at(n, h, i0 + r);
            int a = r * dvp;
            for (int x = 0; x < s.valueDim(); x++) {
                FloatLanes.set(out.segment(), row + x, ws.acc[a + x] * inv);
            }
            if (lse != null) {
                FloatLanes.set(lse, lseOffset + ((long) n * s.heads() + h) * s.queries() + i0 + r,
                        ws.rowMax[r] + (float) Math.log(ws.rowSum[r]));
            }
        }
    }
}
