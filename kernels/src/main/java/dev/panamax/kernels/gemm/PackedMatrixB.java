package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.gemm.BlockSizes.KC;
import static dev.panamax.kernels.gemm.BlockSizes.NR;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;

/**
 * A whole {@code op(B)} ({@code k x n}) packed once into the micro-kernel's panel layout, for a
 * B that many products share: the recurrent weights of an RNN meet a new batch of states at
 * every time step, and packing them once per sequence instead of once per step removes the
 * packing from the time loop ({@link PrepackedSgemm}).
 *
 * <p>Layout: K is cut into blocks of {@link BlockSizes#KC} rows; block {@code pc} holds the
 * panels of {@link BlockSizes#NR} columns one after another, each stored step by step
 * ({@code [kc][NR]}), the last one zero-padded: exactly what {@link PackedPanelB} writes for one
 * block of a GEMM. The buffer is a heap array, grown when a larger matrix is packed and reused
 * otherwise, so that repacking the same shape allocates nothing.
 *
 * <p>Not thread-safe to pack; safe to read from many threads once packed.
 */
public final class PackedMatrixB {

    private float[] data = new float[0];
    private int k;
    private int n;
    private int width;

    /** An empty packing; {@link #pack} fills it. */
    public PackedMatrixB() {
    }

    /**
     * Packs {@code op(B)}: {@code B [k, n]} row-major with leading dimension {@code ldb}, or
     * {@code B [n, k]} when {@code trans}.
     *
     * @throws IllegalArgumentException for a negative size, a leading dimension below its row
     *         length, a B that does not fit its segment, or a packing of more than 2^31 floats
     */
    public void pack(boolean trans, int k, int n, MemorySegment b, long bOff, long ldb) {
        Checks.nonNegative("K", k);
        Checks.nonNegative("N", n);
        Sgemm.matrix("B", trans ? n : k, trans ? k : n, b, bOff, ldb, trans ? "K (transB)" : "N");
        int w = (n + NR - 1) / NR * NR;
        long need = (long) k * w;
        if (need > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("a packed B of " + k + " x " + n + " needs " + need
                    + " floats, more than a Java array holds");
        }
        if (data.length < need) {
            data = new float[(int) need];
        }
        this.k = k;
        this.n = n;
        this.width = w;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            long at = trans ? bOff + pc : bOff + (long) pc * ldb;
            PackedPanelB.pack(b, at, ldb, null, 0, trans, kc, n, data, pc * w);
        }
    }

    /** Rows of op(B). */
    public int k() {
        return k;
    }

    /** Columns of op(B). */
    public int n() {
        return n;
    }

    float[] data() {
        return data;
    }

    /** Where the panels of the K block starting at row {@code pc} begin. */
    int blockOffset(int pc) {
        return pc * width;
    }
}
