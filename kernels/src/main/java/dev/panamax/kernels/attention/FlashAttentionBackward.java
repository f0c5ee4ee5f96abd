package dev.panamax.kernels.attention;

import static dev.panamax.kernels.gemm.MicroKernel.COLUMNS;
import static dev.panamax.kernels.gemm.MicroKernel.ROWS;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.gemm.MicroKernel;
import dev.panamax.kernels.parallel.WorkerPool;

/**
 * The gradients of {@link FlashAttentionForward} in the FlashAttention-2 manner: nothing of size
 * {@code Tq x Tk} is stored. With {@code S = q k^T scale + masks}, {@code P = softmax(S)} and
 * {@code delta_i = sum_j P_ij dP_ij}, each tile of queries recomputes its scores, takes
 * {@code P = exp(S - lse)} from the forward's log-sum-exp, and makes five micro-kernel products:
 * <pre>
 *   S = (scale q) k^T,   dP = dO v^T,   dS = P (dP - delta)
 *   dq += scale dS k,   dk^T += (scale q)^T dS,   dv^T += dO^T P
 * </pre>
 * Work is split over (batch, key/value head): each thread owns the key and value gradients of
 * its head (all query heads of a group add into them) and writes them at the end, so no two
 * threads write the same memory. Grouped-query attention sums the query heads of a group.
 */
public final class FlashAttentionBackward {

    private FlashAttentionBackward() {
    }

    /**
     * Computes {@code dq, dk, dv} (written) from the forward's inputs and log-sum-exp and the
     * output's gradient {@code dOut}. The forward's output is not needed: delta is summed from the
     * P and dP the tiles compute.
     *
     * @throws IllegalArgumentException naming the tensor that does not fit, before anything is written
     */
    public static void backward(AttentionShape s, HeadLayout q, HeadLayout k, HeadLayout v, AttentionMasks masks,
                                MemorySegment lse, long lseOffset, HeadLayout dOut, HeadLayout dq, HeadLayout dk,
                                HeadLayout dv) {
        FlashAttentionForward.checkInputs(s, q, k, v, masks);
        Checks.floats("lse", lse, lseOffset, Checks.elements(s.batch(), s.heads(), s.queries()));
        dOut.check("dOut", s.batch(), s.heads(), s.queries(), s.valueDim(), false);
        dq.check("dq", s.batch(), s.heads(), s.queries(), s.headDim(), true);
        dk.check("dk", s.batch(), s.kvHeads(), s.keys(), s.headDim(), true);
        dv.check("dv", s.batch(), s.kvHeads(), s.keys(), s.valueDim(), true);
        int items = s.batch() * s.kvHeads();
        if (items == 0) {
            return;
        }
        if (s.keys() == 0) {
            dq.zero(s.batch(), s.heads(), s.queries(), s.headDim());     // the output did not depend on q
            return;
        }
        boolean parallel = WorkerPool.threads() > 1 && items > 1
                && WorkerPool.shareable(q.segment(), k.segment(), v.segment())
                && WorkerPool.shareable(lse, dOut.segment(), dq.segment(), dk.segment())
                && WorkerPool.shareable(dv.segment(), masks.attn(), masks.keyPadding());
        if (!parallel) {
            for (int i = 0; i < items; i++) {
                group(s, q, k, v, masks, lse, lseOffset, dOut, dq, dk, dv, i);
            }
        } else {
            WorkerPool.run(Math.min(WorkerPool.threads(), items),
                    AttentionJob.claim(AttentionJob.Kind.BACKWARD_GROUPS, items, s, q, k, v, masks, null, lse, lseOffset)
                            .gradients(dOut, dq, dk, dv));
        }
    }

    /** One batch entry and key/value head: every query head of its group, every tile. */
    static void group(AttentionShape s, HeadLayout q, HeadLayout k, HeadLayout v, AttentionMasks masks, MemorySegment lse,
                      long lseOffset, HeadLayout dOut, HeadLayout dq, HeadLayout dk, HeadLayout dv, int index) {
        int n = index / s.kvHeads();
        int kvh = index % s.kvHeads();
        int keys = s.keys();
        int keyRows = AttentionWorkspace.panels(keys) * COLUMNS;
        AttentionWorkspace ws = AttentionWorkspace.get();
        ws.forBackward(keys, s.headDim(), s.valueDim());
        HeadPanels.transposed(k, n, kvh, keys, s.headDim(), COLUMNS, ws.keysT);
        HeadPanels.transposed(v, n, kvh, keys, s.valueDim(), COLUMNS, ws.valuesT);
        HeadPanels.columns(k, n, kvh, keys, keyRows, s.headDim(), COLUMNS, ws.keys);
        Arrays.fill(ws.keyGradT, 0, AttentionWorkspace.padRows(s.headDim()) * keyRows, 0f);
        Arrays.fill(ws.valueGradT, 0, AttentionWorkspace.padRows(s.valueDim()) * keyRows, 0f);
        for (int h = kvh * s.group(); h < (kvh + 1) * s.group(); h++) {
            for (int i0 = 0; i0 < s.queries(); i0 += ROWS) {
                tile(s, q, masks, lse, lseOffset, dOut, dq, n, h, i0, keyRows, ws);
            }
        }
        writeTransposed(ws.keyGradT, keyRows, s.headDim(), keys, dk, n, kvh);
        writeTransposed(ws.valueGradT, keyRows, s.valueDim(), keys, dv, n, kvh);
    }

    /**
     * One tile of ROWS queries against every key it sees, in two passes over the blocks of keys:
     * the first makes P and dP and their rows' sums, from which {@code delta = sum P dP / sum P}
     * ({@link TileProducts#consistentDelta}); the second makes {@code dS = P (dP - delta)} and its
     * products. FlashAttention-2's {@code delta = dO . O}, known before the loop and so one pass,
     * is the same number in exact arithmetic, but not with the P and dP the tile computes: each row
     * of dS then sums to their difference instead of 0, an error that scale and k magnify, where
     * the true gradient is small beside it (a softmax that is nearly one-hot): random conformance
     * draws with scale 0.5 to 8 failed 3 of 192 against PyTorch's float32, with scale 20 and 60 3 of
     * 84 more, each of them passing now. The two passes make the same products; against one pass
     * with {@code dO . O}, keeping a block's P and dP until the second changed a forward and
     * backward at T = 512 by -4 to +4 % and a backward at T = 32 by -6 to -2 % (8 lanes: backward
     * at T = 512 +3 to +4 %; Zen 5, one thread, both versions alternated in one JVM, either first).
     */
    private static void tile(AttentionShape s, HeadLayout q, AttentionMasks masks, MemorySegment lse, long lseOffset,
                             HeadLayout dOut, HeadLayout dq, int n, int h, int i0, int keyRows, AttentionWorkspace ws) {
        int m = Math.min(ROWS, s.queries() - i0);
        int d = s.headDim();
        int dv = s.valueDim();
        int dp = AttentionWorkspace.padded(d);
        HeadPanels.tile(q, n, h, i0, m, d, s.scale(), ROWS, ws.row, ws.query);
        HeadPanels.tile(dOut, n, h, i0, m, dv, 1f, ROWS, ws.row, ws.outGrad);
        transposeTile(ws.query, d, ws.queryT);
        transposeTile(ws.outGrad, dv, ws.outGradT);
        // two loops, not one with a test of r < m in it: C2 hoisted that test out of the loop on
        // the profile of whole tiles (a loop predicate), and a last tile of fewer rows then left
        // the compiled method through an uncommon trap, which recompiled it the same way: at Tq =
        // 32, tile() was compiled again every 100 to 200 ms for as long as it ran
        long lseRow = lseOffset + ((long) n * s.heads() + h) * s.queries() + i0;
        for (int r = 0; r < m; r++) {
            ws.rowLse[r] = FloatLanes.get(lse, lseRow + r);
        }
        Arrays.fill(ws.rowLse, m, ROWS, 0f);
        Arrays.fill(ws.queryGrad, 0, ROWS * dp, 0f);
        Arrays.fill(ws.rowDots, 0f);
        Arrays.fill(ws.rowProbs, 0f);
        int end = s.visibleKeys(i0 + m - 1);
        for (int j0 = 0; j0 < end; j0 += COLUMNS) {
            probabilityBlock(s, masks, n, i0, m, j0, keyRows, ws);
        }
        TileProducts.consistentDelta(m, ws.rowDots, ws.rowProbs, ws.delta);
        for (int j0 = 0; j0 < end; j0 += COLUMNS) {
            gradientBlock(s, j0, keyRows, m, ws);
        }
        for (int r = 0; r < m; r++) {
            for (int x = 0; x < d; x++) {
                ws.row[x] = ws.queryGrad[r * dp + x] * s.scale();
            }
            // one bulk copy per row, as the forward writes its output: element-wise stores into the
            // segment would each be checked
            MemorySegment.copy(ws.row, 0, dq.segment(), FloatLanes.FLOAT, dq.at(n, h, i0 + r) * Float.BYTES, d);
        }
    }

    /**
     * The first pass of a query tile over one block of COLUMNS keys: scores, probabilities,
     * {@code dV += dO^T P} and {@code dP = dO V^T}; P and dP are kept for {@link #gradientBlock},
     * and their rows' sums {@code sum P dP} and {@code sum P} grow. Methods of their own, not the
     * bodies of {@link #tile}'s loops: as a loop's body, C2 sometimes compiled {@code tile}
     * without the probabilities inlined and called their profiled C1 form, which then stayed in
     * use for the rest of the run, every vector boxed (about one JVM in eight training a
     * two-layer transformer model, 0.8 MB a step).
     */
    private static void probabilityBlock(AttentionShape s, AttentionMasks masks, int n, int i0, int m, int j0,
                                         int keyRows, AttentionWorkspace ws) {
        int d = s.headDim();
        int dv = s.valueDim();
        float[] probs = ws.blockProbs[j0 / COLUMNS];
        float[] products = ws.blockOutProducts[j0 / COLUMNS];
        MicroKernel.run(d, ws.query, 0, ws.keysT, j0 * d, probs);
        if (ScoreMasks.needed(s, masks, i0, j0)) {
            ScoreMasks.apply(s, masks, n, i0, m, j0, probs);
        }
        TileProducts.probabilities(m, probs, ws.rowLse);
        // dV^T[:, j0 ..] += dO^T P, ROWS features at a time
        for (int b = 0; b < dv; b += ROWS) {
            MicroKernel.run(ROWS, ws.outGradT, b * ROWS, probs, 0, ws.product);
            TileProducts.add(ws.product, Math.min(ROWS, dv - b), ws.valueGradT, b, keyRows, j0);
        }
        MicroKernel.run(dv, ws.outGrad, 0, ws.valuesT, j0 * dv, products);
        TileProducts.addRowSums(probs, products, ws.rowDots, ws.rowProbs);
    }

    /**
     * The second pass over the block: {@code dS = P (dP - delta)} from what {@link #probabilityBlock}
     * kept, then {@code dK^T += (scale q)^T dS} and {@code dQ += dS K}.
     */
    private static void gradientBlock(AttentionShape s, int j0, int keyRows, int m, AttentionWorkspace ws) {
        int d = s.headDim();
        int dp = AttentionWorkspace.padded(d);
        TileProducts.scoreGradient(ws.blockProbs[j0 / COLUMNS], ws.blockOutProducts[j0 / COLUMNS], ws.delta, ws.scoreGrad,
                ws.scoreGradT);
        // dK^T[:, j0 ..] += (scale q)^T dS
        for (int b = 0; b < d; b += ROWS) {
            MicroKernel.run(ROWS, ws.queryT, b * ROWS, ws.scoreGrad, 0, ws.product);
            TileProducts.add(ws.product, Math.min(ROWS, d - b), ws.keyGradT, b, keyRows, j0);
        }
        // dQ += dS K (scaled once at the end)
        for (int c = 0; c < dp; c += COLUMNS) {
            MicroKernel.run(COLUMNS, ws.scoreGradT, 0, ws.keys, c * keyRows + j0 * COLUMNS, ws.product);
            TileProducts.add(ws.product, m, ws.queryGrad, 0, dp, c);
        }
    }

    /**
     * A tile packed as an A panel ({@code [features][ROWS]}) transposed into A panels of ROWS
     * features each ({@code [ROWS tokens][ROWS features]} per block of features), zero past the end.
     */
    private static void transposeTile(float[] tile, int features, float[] dst) {
        for (int b = 0; b < features; b += ROWS) {
            int base = b * ROWS;
            for (int r = 0; r < ROWS; r++) {
                for (int f = 0; f < ROWS; f++) {
                    dst[base + r * ROWS + f] = b + f < features ? tile[(b + f) * ROWS + r] : 0f;
                }
            }
        }
    }

    /** {@code x[n, h, j, f] = gradT[f][j]}. */
    private static void writeTransposed(float[] gradT, int ld, int features, int tokens, HeadLayout x, int n, int h) {
        for (int j = 0; j < tokens; j++) {
            long row = x.at(n, h, j);
            for (int f = 0; f < features; f++) {
                FloatLanes.set(x.segment(), row + f, gradT[f * ld + j]);
            }
        }
    }
}
