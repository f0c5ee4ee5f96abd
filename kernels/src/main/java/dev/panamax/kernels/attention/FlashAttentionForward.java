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
 * storing the {@code Tq x Tk} scores (FlashAttention). A block of {@code COLUMNS} queries meets
 * blocks of {@link #KEY_BLOCK} keys, computed transposed, keys by queries: the scores
 * {@code S^T = K Q^T} are micro-kernel calls with K as the A panels (packed once per head) and the
 * query block as the B panel; the online softmax then runs down the block's columns
 * ({@link OnlineSoftmax}: vertical vector operations, no reductions across lanes, no transposition),
 * and the probabilities, in place, are the B panel of {@code O^T += V^T P^T}, with V^T packed as A
 * panels once per head. The output block stays transposed, rescaled as the maxima grow, until it
 * is divided by the sums and written out. Causal attention computes only the key blocks a query
 * of the block sees and masks only those that cross the diagonal.
 *
 * <p>For training the log-sum-exp of every row is saved ({@code [N, H, Tq]}): backward recomputes
 * the probabilities from it instead of storing them. Extra memory is O(T (D + Dv)) per thread.
 * Work is split over (batch, key/value head, query blocks), query blocks dealt round-robin so that
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
        boolean shareable = WorkerPool.shareable(q.segment(), k.segment(), v.segment(), out.segment())
                && WorkerPool.shareable(lse, masks.attn(), masks.keyPadding());
        if (s.queries() <= DecodeAttention.MAX_QUERIES && s.keys() > s.queries()) {
            DecodeAttention.forward(s, q, k, v, masks, out, lse, lseOffset, shareable);
            return;
        }
        int groups = s.batch() * s.kvHeads();
        int tiles = (s.queries() + COLUMNS - 1) / COLUMNS;
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
            WorkerPool.run(Math.min(threads, items),
                    AttentionJob.claim(AttentionJob.Kind.FORWARD_ITEMS, items, s, q, k, v, masks, out, lse, lseOffset).chunks(chunks));
        }
    }

    static void check(AttentionShape s, HeadLayout q, HeadLayout k, HeadLayout v, AttentionMasks masks, HeadLayout out) {
        checkInputs(s, q, k, v, masks);
        out.check("out", s.batch(), s.heads(), s.queries(), s.valueDim(), true);
    }

    /** q, k, v and the masks against the shape. */
    static void checkInputs(AttentionShape s, HeadLayout q, HeadLayout k, HeadLayout v, AttentionMasks masks) {
        q.check("q", s.batch(), s.heads(), s.queries(), s.headDim(), false);
        k.check("k", s.batch(), s.kvHeads(), s.keys(), s.headDim(), false);
        v.check("v", s.batch(), s.kvHeads(), s.keys(), s.valueDim(), false);
        masks.check(s);
    }

    /** Item {@code index}: one batch entry and key/value head, the query blocks {@code chunk, chunk + chunks, ...}. */
    static void item(AttentionShape s, HeadLayout q, HeadLayout k, HeadLayout v, AttentionMasks masks, HeadLayout out,
                             MemorySegment lse, long lseOffset, int index, int chunks) {
        int group = index / chunks;
        int chunk = index % chunks;
        int n = group / s.kvHeads();
        int kvh = group % s.kvHeads();
        AttentionWorkspace ws = AttentionWorkspace.get();
        ws.forForward(s.keys(), s.headDim(), s.valueDim());
        int keyRows = AttentionWorkspace.padRows(s.keys());
        HeadPanels.transposed(k, n, kvh, s.keys(), s.headDim(), ROWS, ws.keyPanels);
        HeadPanels.columns(v, n, kvh, s.keys(), keyRows, s.valueDim(), ROWS, ws.valuePanels);
        int blocks = (s.queries() + COLUMNS - 1) / COLUMNS;
        for (int h = kvh * s.group(); h < (kvh + 1) * s.group(); h++) {
            for (int b = chunk; b < blocks; b += chunks) {
                block(s, q, masks, out, lse, lseOffset, n, h, b * COLUMNS, keyRows, ws);
            }
        }
    }

    /** Keys per block of the online softmax: eight micro-kernel row panels. */
    static final int KEY_BLOCK = 8 * ROWS;

    /** One block of queries against every key it sees. */
    private static void block(AttentionShape s, HeadLayout q, AttentionMasks masks, HeadLayout out, MemorySegment lse,
                              long lseOffset, int n, int h, int i0, int keyRows, AttentionWorkspace ws) {
        int m = Math.min(COLUMNS, s.queries() - i0);
        int d = s.headDim();
        int dv = s.valueDim();
        int dvRows = AttentionWorkspace.padRows(dv);
        HeadPanels.tile(q, n, h, i0, m, d, s.scale(), COLUMNS, ws.row, ws.queryBlock);
        OnlineSoftmax.start(ws.colMax, ws.colSum);
        java.util.Arrays.fill(ws.outT, 0, dvRows * COLUMNS, 0f);
        int end = s.visibleKeys(i0 + m - 1);
        for (int j0 = 0; j0 < end; j0 += KEY_BLOCK) {
            int kb = Math.min(KEY_BLOCK, end - j0);
            for (int p = 0; p < kb; p += ROWS) {
                // into a tile, then copied: an offset parameter on the shared micro-kernel changed how C2
                // compiled the GEMM around it (its vectors were boxed in a LeNet training step)
                MicroKernel.run(d, ws.keyPanels, (j0 + p) * d, ws.queryBlock, 0, ws.product);
                System.arraycopy(ws.product, 0, ws.scoresT, p * COLUMNS, Math.min(ROWS, kb - p) * COLUMNS);
            }
            if (ScoreMasks.neededTransposed(s, masks, i0, j0, kb)) {
                ScoreMasks.applyTransposed(s, masks, n, i0, m, j0, kb, ws.scoresT);
            }
            OnlineSoftmax.update(kb, ws.scoresT, ws.colMax, ws.colSum, ws.colAlpha);
            // whole panels of ROWS value features; with 12-row panels the last 4 or 8 in four-row
            // steps (Dv = 64: a third of a 12-row product)
            for (int c = 0; c < dv; ) {
                int at = c * keyRows + j0 * ROWS;
                int rows = MicroKernel.FOUR_ROW_TAILS && dv - c <= 8 ? 4 : ROWS;
                int f = c % ROWS;
                if (rows == ROWS) {
                    MicroKernel.run(kb, ws.valuePanels, at, ws.scoresT, 0, ws.product);
                } else {
                    MicroKernel.runFourRowsPacked(kb, ws.valuePanels, (c - f) * keyRows + j0 * ROWS + f, ws.scoresT, 0,
                            ws.product);
                }
                rescaleAndAdd(ws.outT, c, ws.colAlpha, ws.product, rows);
                c += rows;
            }
        }
        finish(s, out, lse, lseOffset, n, h, i0, m, ws);
    }

    /** {@code outT[c + r][..] = alpha outT[c + r][..] + product[r][..]} for the first {@code rows} rows of a product. */
    private static void rescaleAndAdd(float[] outT, int c, float[] alpha, float[] product, int rows) {
        FloatVector a0 = FloatVector.fromArray(SPECIES, alpha, 0);
        FloatVector a1 = FloatVector.fromArray(SPECIES, alpha, LANES);
        for (int r = 0; r < rows; r++) {
            int o = (c + r) * COLUMNS;
            int p = r * COLUMNS;
            FloatVector.fromArray(SPECIES, outT, o).fma(a0, FloatVector.fromArray(SPECIES, product, p)).intoArray(outT, o);
            FloatVector.fromArray(SPECIES, outT, o + LANES).fma(a1, FloatVector.fromArray(SPECIES, product, p + LANES))
                    .intoArray(outT, o + LANES);
        }
    }

    /** The queries' outputs {@code O^T / l}, transposed back into rows, and their log-sum-exp {@code m + log l}. */
    private static void finish(AttentionShape s, HeadLayout out, MemorySegment lse, long lseOffset, int n, int h, int i0, int m,
                               AttentionWorkspace ws) {
        int dv = s.valueDim();
        float[] row = ws.outRow;
        for (int r = 0; r < m; r++) {
            float inv = 1f / ws.colSum[r];
            for (int x = 0; x < dv; x++) {
                row[x] = ws.outT[x * COLUMNS + r] * inv;
            }
            // one bulk copy per row: element-wise stores into the segment would each be checked
            MemorySegment.copy(row, 0, out.segment(), FloatLanes.FLOAT, out.at(n, h, i0 + r) * Float.BYTES, dv);
            if (lse != null) {
                FloatLanes.set(lse, lseOffset + ((long) n * s.heads() + h) * s.queries() + i0 + r,
                        ws.colMax[r] + (float) Math.log(ws.colSum[r]));
            }
        }
    }
}
