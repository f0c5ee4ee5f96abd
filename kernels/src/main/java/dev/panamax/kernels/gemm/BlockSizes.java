package dev.panamax.kernels.gemm;

/**
 * The blocking of {@link GemmBlocking#current()} as constants: static finals, so C2 folds them
 * into the loops and the micro-kernel choice ({@link MicroKernel}) like literals. Measured on Zen 4
 * (16 lanes, 32 KiB L1, 1 MiB L2; one thread, GFLOP/s at 256 / 1024 / 2048): 12 x 32 tiles with KC 256,
 * MC 240 and NC 1024 gave 96.5 / 99.4 / 95.7; KC 192 or 384, MC 96 or 144, NC 512 or 2048 all
 * within 93-99, and KC 128 with NC 2048 fell to 51 at 2048.
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
