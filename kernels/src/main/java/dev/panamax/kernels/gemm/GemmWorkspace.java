package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.gemm.BlockSizes.KC;
import static dev.panamax.kernels.gemm.BlockSizes.MC;
import static dev.panamax.kernels.gemm.BlockSizes.NC;
import static dev.panamax.kernels.gemm.BlockSizes.NR;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The packing buffers of one thread, allocated on its first GEMM and reused by every later one,
 * so a GEMM allocates nothing in steady state. The packed blocks are heap arrays: the
 * micro-kernel's loads from a {@code float[]} need no bounds checks once C2 has hoisted them.
 */
final class GemmWorkspace {

    private static final ThreadLocal<GemmWorkspace> PER_THREAD = ThreadLocal.withInitial(GemmWorkspace::new);

    /**
     * A packed block of A, MC rows (rounded up to whole six-row panels where those run) by up to
     * {@link Sgemm#MAX_K_BLOCK} steps.
     */
    final float[] a = new float[(Sgemm.SIX_ROW_PANELS ? Sgemm.SIX_ROW_MC : MC) * Sgemm.MAX_K_BLOCK];
    /** A packed block of B, up to {@link Sgemm#MAX_K_BLOCK} steps by NC columns (a multiple of NR). */
    final float[] b = new float[Sgemm.MAX_K_BLOCK * (NC + NR)];
    /**
     * The last columns of a small product's B, fewer than a tile's, padded to NR with zeros
     * ({@code KC x NR}, {@link SmallGemm}). A segment, unlike the buffers above: the unpacked
     * kernels that read it read B from segments, and C2 compiles them for the one kind.
     */
    final MemorySegment edge = Arena.ofAuto().allocate((long) KC * NR * Float.BYTES, 64);
    /** The micro-kernel's output tile, before it is merged into C (a six-row tile on machines that use one). */
    final float[] tile = new float[Sgemm.SIX_ROW_PANELS ? SixRowKernel.TILE : MicroKernel.TILE];

    private GemmWorkspace() {
    }

    static GemmWorkspace get() {
        return PER_THREAD.get();
    }
}
