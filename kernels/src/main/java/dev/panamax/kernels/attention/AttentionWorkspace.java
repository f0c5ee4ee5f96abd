package dev.panamax.kernels.attention;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.gemm.MicroKernel.COLUMNS;
import static dev.panamax.kernels.gemm.MicroKernel.ROWS;
import static dev.panamax.kernels.gemm.MicroKernel.TILE;

import java.util.Arrays;

/**
 * The scratch of one thread's attention tiles, allocated on first use and grown when a longer
 * sequence comes, so that steady-state calls allocate nothing. Heap arrays: the micro-kernel
 * reads its panels from arrays. Its size is O(T (D + Dv)) per thread, never O(T^2).
 */
final class AttentionWorkspace {

    private static final ThreadLocal<AttentionWorkspace> PER_THREAD = ThreadLocal.withInitial(AttentionWorkspace::new);

    /** Forward: K of one head as A panels of {@code ROWS} keys, {@code [ceil(Tk / ROWS)][D][ROWS]}. */
    float[] keyPanels = new float[0];
    /** Forward: V^T of one head as A panels of {@code ROWS} features, {@code [ceil(Dv / ROWS)][padRows(Tk)][ROWS]}. */
    float[] valuePanels = new float[0];
    /** Forward: a block of queries (scaled) as a B panel, {@code [D][COLUMNS]}. */
    float[] queryBlock = new float[0];
    /** Forward: the block's output transposed, {@code [padRows(Dv)][COLUMNS]}, and one row of it back in order. */
    float[] outT = new float[0];
    float[] outRow = new float[0];
    /** Forward: a block of scores, then probabilities, keys by queries: {@code [KEY_BLOCK][COLUMNS]}. */
    final float[] scoresT = new float[FlashAttentionForward.KEY_BLOCK * COLUMNS];
    /** Forward: per query of the block, the running maximum and sum of its online softmax, and their rescaling. */
    final float[] colMax = new float[COLUMNS];
    final float[] colSum = new float[COLUMNS];
    final float[] colAlpha = new float[COLUMNS];
    /** Backward: K^T of one head, in panels of {@code COLUMNS} keys: {@code [panels][D][COLUMNS]}. */
    float[] keysT = new float[0];
    /** Backward: K in column panels {@code [ceil(D / COLUMNS)][panels * COLUMNS][COLUMNS]}. */
    float[] keys = new float[0];
    /** Backward: V^T in panels of keys, {@code [panels][Dv][COLUMNS]}. */
    float[] valuesT = new float[0];
    /** Backward: the head's dK^T and dV^T, {@code [D][panels * COLUMNS]} and {@code [Dv][panels * COLUMNS]}. */
    float[] keyGradT = new float[0];
    float[] valueGradT = new float[0];
    /** A tile of queries (scaled), packed as a micro-panel of A: {@code [D][ROWS]}. */
    float[] query = new float[0];
    /** Backward: a tile of the output's gradient as a micro-panel of A, {@code [Dv][ROWS]}. */
    float[] outGrad = new float[0];
    /** Backward: queries and output gradients of a tile transposed, as A panels {@code [ROWS][ceil(D/ROWS) ROWS]}. */
    float[] queryT = new float[0];
    float[] outGradT = new float[0];
    /** Backward: the tile's dQ rows, {@code [ROWS][ceil(D / COLUMNS) COLUMNS]}. */
    float[] queryGrad = new float[0];
    /** One row of a head, read in bulk before it is spread into a panel. */
    float[] row = new float[0];
    /** Backward: a tile of dS, row-major and transposed. */
    final float[] scoreGrad = new float[TILE];
    final float[] scoreGradT = new float[TILE];
    /** A micro-kernel's product tile. */
    final float[] product = new float[TILE];
    /** Backward: per row of a query tile, its log-sum-exp from the forward and its delta. */
    final float[] rowLse = new float[ROWS];
    final float[] delta = new float[ROWS];
    /**
     * Backward: a query tile's P and dP against each block of keys, {@code [panels][ROWS x COLUMNS]}:
     * a tile array per block, so that the micro-kernel writes them in place (it writes a whole tile
     * from index 0).
     */
    float[][] blockProbs = new float[0][];
    float[][] blockOutProducts = new float[0][];
    /** Backward: per row of a query tile, the lanes of its sums {@code sum P dP} and {@code sum P}, {@code [ROWS][LANES]}. */
    final float[] rowDots = new float[ROWS * LANES];
    final float[] rowProbs = new float[ROWS * LANES];

    private float[] decodeQuery = new float[0];
    private float[] decodeAcc = new float[0];
    private float[] decodeScores = new float[0];
    private float[] partials = new float[0];

    private AttentionWorkspace() {
    }

    float[] decodeQuery(int d) {
        return decodeQuery = grow(decodeQuery, d);
    }

    float[] decodeAcc(int dv) {
        return decodeAcc = grow(decodeAcc, dv);
    }

    float[] decodeScores(int n) {
        return decodeScores = grow(decodeScores, n);
    }

    /** The split-K partial results of a call, on the calling thread's workspace (the workers write disjoint parts). */
    float[] partials(int n) {
        return partials = grow(partials, n);
    }

    static AttentionWorkspace get() {
        return PER_THREAD.get();
    }

    static int panels(int keys) {
        return (keys + COLUMNS - 1) / COLUMNS;
    }

    static int padded(int features) {
        return (features + COLUMNS - 1) / COLUMNS * COLUMNS;
    }

    /** Room for a forward loop over {@code keys} keys. */
    void forForward(int keys, int headDim, int valueDim) {
        keyPanels = grow(keyPanels, (long) padRows(keys) * headDim);
        valuePanels = grow(valuePanels, (long) padRows(valueDim) * padRows(keys));
        queryBlock = grow(queryBlock, (long) headDim * COLUMNS);
        outT = grow(outT, (long) padRows(valueDim) * COLUMNS);
        outRow = grow(outRow, valueDim);
        row = grow(row, Math.max(headDim, valueDim));
    }

    /** Room for a backward tile loop. */
    void forBackward(int tk, int headDim, int valueDim) {
        int kp = panels(tk) * COLUMNS;
        keysT = grow(keysT, (long) kp * headDim);
        query = grow(query, (long) headDim * ROWS);
        row = grow(row, Math.max(headDim, valueDim));
        keys = grow(keys, (long) padded(headDim) * kp);
        valuesT = grow(valuesT, (long) kp * valueDim);
        keyGradT = grow(keyGradT, (long) padRows(headDim) * kp);
        valueGradT = grow(valueGradT, (long) padRows(valueDim) * kp);
        outGrad = grow(outGrad, (long) valueDim * ROWS);
        queryT = grow(queryT, (long) ROWS * padRows(headDim));
        outGradT = grow(outGradT, (long) ROWS * padRows(valueDim));
        queryGrad = grow(queryGrad, (long) ROWS * padded(headDim));
        blockProbs = growTiles(blockProbs, panels(tk));
        blockOutProducts = growTiles(blockOutProducts, panels(tk));
    }

    static int padRows(int n) {
        return (n + ROWS - 1) / ROWS * ROWS;
    }

    private static float[][] growTiles(float[][] tiles, int need) {
        if (tiles.length >= need) {
            return tiles;
        }
        float[][] grown = Arrays.copyOf(tiles, need);
        for (int b = tiles.length; b < need; b++) {
            grown[b] = new float[TILE];
        }
        return grown;
    }

    private static float[] grow(float[] a, long need) {
        if (need > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("an attention head of " + need + " floats of scratch is too large");
        }
        return a.length >= need ? a : new float[(int) need];
    }
}
