package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.gemm.BlockSizes.KC;
import static dev.panamax.kernels.gemm.BlockSizes.MR;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;

/**
 * A whole {@code op(A)} ({@code m x k}) packed once into the micro-kernel's panel layout, for an
 * A that many products share: a Winograd convolution's transformed filters meet every small
 * block of transformed input tiles, and packing them once per call instead of once per block
 * keeps the blocks small enough to stay in L2 ({@link PrepackedSgemm#multiply(PackedMatrixA,
 * int, float, MemorySegment, long, long, float, MemorySegment, long, long)}). The dual of
 * {@link PackedMatrixB}.
 *
 * <p>Layout: K is cut into blocks of {@link BlockSizes#KC} columns; block {@code pc} holds the
 * panels of {@link BlockSizes#MR} rows one after another, each stored step by step
 * ({@code [kc][MR]}), the last one zero-padded: what {@link PackedPanelA} writes for one block
 * of a GEMM. With 16 vector registers, panels of six rows where the rows fill them
 * ({@link Sgemm#sixRowsPay}), for the six-row tiles. The buffer is a heap array, grown when a
 * larger matrix is packed and reused otherwise, so that repacking the same shape allocates
 * nothing.
 *
 * <p>Not thread-safe to pack; safe to read from many threads once packed.
 */
public final class PackedMatrixA {

    private float[] data = new float[0];
    private int m;
    private int k;
    private int height;
    private boolean sixRows;

    /** An empty packing; {@link #pack} fills it. */
    public PackedMatrixA() {
    }

    /**
     * Packs {@code op(A)}: {@code A [m, k]} row-major with leading dimension {@code lda}, or
     * {@code A [k, m]} when {@code trans}.
     *
     * @throws IllegalArgumentException for a negative size, a leading dimension below its row
     *         length, an A that does not fit its segment, or a packing of more than 2^31 floats
     */
    public void pack(boolean trans, int m, int k, MemorySegment a, long aOff, long lda) {
        Checks.nonNegative("M", m);
        Checks.nonNegative("K", k);
        Sgemm.matrix("A", trans ? k : m, trans ? m : k, a, aOff, lda, trans ? "M (transA)" : "K");
        boolean six = Sgemm.SIX_ROW_PANELS && Sgemm.sixRowsPay(m);
        int rows = six ? SixRowKernel.ROWS : MR;
        int h = (m + rows - 1) / rows * rows;
        long need = (long) k * h;
        if (need > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("a packed A of " + m + " x " + k + " needs " + need
                    + " floats, more than a Java array holds");
        }
        if (data.length < need) {
            data = new float[(int) need];
        }
        this.m = m;
        this.k = k;
        this.height = h;
        this.sixRows = six;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            long at = trans ? aOff + (long) pc * lda : aOff + pc;
            if (six) {
                PackedPanelA.packSixRows(a, at, lda, trans, m, kc, data, pc * h);
            } else {
                PackedPanelA.pack(a, at, lda, trans, m, kc, data, pc * h);
            }
        }
    }

    /** Rows of op(A). */
    public int m() {
        return m;
    }

    /** Columns of op(A). */
    public int k() {
        return k;
    }

    /** Whether the panels hold six rows ({@link SixRowKernel}) rather than MR. */
    boolean sixRows() {
        return sixRows;
    }

    float[] data() {
        return data;
    }

    /** Where the panels of the K block starting at column {@code pc} begin. */
    int blockOffset(int pc) {
        return pc * height;
    }
}
