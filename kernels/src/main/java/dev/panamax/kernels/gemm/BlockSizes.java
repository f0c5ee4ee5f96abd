package dev.panamax.kernels.gemm;

import dev.panamax.kernels.FloatLanes;

/**
 * Register and cache blocking of the SGEMM, after BLIS, for a core with a 32 KiB L1 and a
 * 1 MiB L2 (Zen 4 here) and 16-lane vectors.
 *
 * <ul>
 * <li>{@link #MR} x {@link #NR} = 6 x 32: twelve 16-lane accumulators, two vectors of B and one
 *     broadcast of A: 15 of the 32 vector registers, and 12 FMAs per 2 loads + 6 broadcasts,
 *     enough to keep both FMA pipes busy.</li>
 * <li>{@link #KC} = 256: a packed micro-panel of B ({@code KC x NR} floats, 32 KiB) is reused
 *     by every micro-panel of A in the block and stays in L1/L2; a micro-panel of A
 *     ({@code MR x KC}, 6 KiB) streams from L2.</li>
 * <li>{@link #MC} = 144: the packed block of A ({@code MC x KC}, 144 KiB) fits L2 with room for
 *     the B micro-panels passing through.</li>
 * <li>{@link #NC} = 2048: the packed block of B ({@code KC x NC}, 2 MiB) lives in L3 and is
 *     reused across all blocks of A.</li>
 * </ul>
 */
final class BlockSizes {

    static final int MR = 6;
    static final int NR = 2 * FloatLanes.LANES;
    static final int KC = 256;
    static final int MC = 144;
    static final int NC = 2048;

    private BlockSizes() {
    }
}
