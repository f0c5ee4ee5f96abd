package dev.panamax.kernels.gemm;

/**
 * The blocking of {@link GemmBlocking#current()} as constants: static finals, so C2 folds them
 * into the loops and the micro-kernel choice ({@link MicroKernel}) like literals. The measurements
 * behind the table are in {@link GemmBlocking}.
 */
final class BlockSizes {

    static final int MR = GemmBlocking.current().mr();
    static final int NR = GemmBlocking.current().nr();
    static final int KC = GemmBlocking.current().kc();
    static final int MC = GemmBlocking.current().mc();
    static final int NC = GemmBlocking.current().nc();

    private BlockSizes() {
    }
}
