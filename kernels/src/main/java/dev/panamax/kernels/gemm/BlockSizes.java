package dev.panamax.kernels.gemm;

import dev.panamax.kernels.FloatLanes;

/**
 * Register and cache blocking of the SGEMM, after BLIS, for a core with a 32 KiB L1 and a
 * 1 MiB L2 (Zen 4 here) and 16-lane vectors. Measured on this machine (one thread, GFLOP/s at
 * 256 / 1024 / 2048): the choices below 96.5 / 99.4 / 95.7; KC 192 or 384, MC 96 or 144,
 * NC 512 or 2048 all within 93-99, and KC 128 with NC 2048 falls to 51 at 2048.
 *
 * <ul>
 * <li>{@link #MR} x {@link #NR} = 12 x 32: twenty-four 16-lane accumulators, two vectors of B and
 *     one broadcast of A, 27 of the 32 vector registers; 24 FMAs per 2 loads and 12 broadcasts.
 *     In isolation the kernel runs at 116 GFLOP/s, the FMA peak (6 x 32 and 8 x 32 measured the
 *     same in isolation, and 2-5 % slower inside the GEMM).</li>
 * <li>{@link #KC} = 256: a packed micro-panel of B ({@code KC x NR} floats, 32 KiB) is reused by
 *     every micro-panel of A in the block, from L1 and L2; a micro-panel of A
 *     ({@code MR x KC}, 12 KiB) streams from L2.</li>
 * <li>{@link #MC} = 240: the packed block of A ({@code MC x KC}, 240 KiB) stays in L2.</li>
 * <li>{@link #NC} = 1024: the packed block of B ({@code KC x NC}, 1 MiB) comes from L2/L3 and is
 *     reused across all blocks of A.</li>
 * </ul>
 */
final class BlockSizes {

    static final int MR = 12;
    static final int NR = 2 * FloatLanes.LANES;
    static final int KC = 256;
    static final int MC = 240;
    static final int NC = 1024;

    private BlockSizes() {
    }
}
