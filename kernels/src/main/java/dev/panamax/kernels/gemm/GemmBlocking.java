package dev.panamax.kernels.gemm;

import java.util.Locale;

import dev.panamax.kernels.CpuCaches;
import dev.panamax.kernels.CpuCore;
import dev.panamax.kernels.FloatLanes;

/**
 * The SGEMM's register and cache blocking for the machine it runs on, chosen once at startup
 * from the vector shape and the cache sizes the OS reports, and where they do not decide, from
 * the core ({@link CpuCore}), as BLIS's {@code cntx_init} chooses a context per architecture.
 * {@code bin/panamax info} prints the one in use.
 *
 * <p>The table, per vector shape (NR is always two vectors, so a step of the micro-kernel loads
 * two vectors of B and broadcasts one float of A per row):
 * <ul>
 * <li><b>32 vector registers</b> (AVX-512, ARM NEON/SVE): MR = 12, twenty-four accumulators, two
 *     vectors of B and a broadcast, 27 registers. On Zen 4 (16 lanes) this runs at the FMA peak.</li>
 * <li><b>16 vector registers</b> (AVX2 and AVX, where the preferred species is 256 bits or less):
 *     MR = 4, eight accumulators. Measured on Zen 4 run with {@code -XX:UseAVX=2} (8 lanes), in
 *     isolation: 4 x 16 106 GFLOP/s, 6 x 16 (OpenBLAS's Haswell shape, 15 registers) 48 from a
 *     packed panel and 84 reading A from a segment, 12 x 16 (27 registers, spilling) 61; in the GEMM
 *     the 12-row tile had reached 0.30x OpenBLAS's Haswell kernels. On Zen 5 (same flags, JDK 25)
 *     6 x 16 runs at 113-115 in isolation once its loop is not a counted one ({@code a != end}: C2
 *     then neither unrolls it nor spills what it hoisted, 54 as a counted loop), against 103-105
 *     for 4 x 16; in the GEMM it won from 512^3 (1024^3 104.5 against 96.9, OpenBLAS's Haswell
 *     kernels 108) but lost below (64^3 74.5 against 86.9, 128^3 91.8 against 96.4; 256^3 and
 *     (3136, 64, 576) even), where a six-row panel of A is packed by a scalar loop (four-row ones
 *     by the register transpose in {@link PackedPanelA}; one built from it with 128- and 64-bit
 *     stores was slower still) and B is not packed inside the kernel. So MR stays four, and on
 *     Zen 5 blocked products of 64 columns or more run six-row tiles where their rows fit them
 *     ({@link #sixRowTiles}, {@link SixRowKernel}, {@link Sgemm#sixRowsPay},
 *     {@link Sgemm#SIX_ROW_MIN_COLUMNS}: 1024^3 93 -> 96-101 GFLOP/s beside OpenBLAS's 100-106),
 *     B packed inside that kernel too. On Zen 3, whose widest vectors are AVX2's, the four-row
 *     tiles were as fast or faster on every shape measured (one thread, best calls of six /
 *     four rows alternated over four JVMs, us: 128^3 53 / 50, 256^3 380 / 374, (512, 768, 768)
 *     6861 / 6628, (3136, 64, 576) 2945 / 2876, (256, 64, 3136) with B transposed, a 1 x 1
 *     convolution's weight gradient, 1342 / 1231; 512^3, 1024^3, (2048, 1024, 256) and
 *     (512, 3072, 768) even; two threads 256^3 194 / 190, (3136, 64, 576) 1464 / 1366, 512^3
 *     and 1024^3 even), so only a core that dispatches eight operations a cycle
 *     ({@link CpuCore#dispatchesEight}) takes six.</li>
 * </ul>
 * Cache blocking, from the sizes in {@link CpuCaches}:
 * <ul>
 * <li>KC: as deep as a micro-panel of B ({@code KC x NR} floats) an eighth of the L2, at most
 *     1024. BLIS sizes KC so that this micro-panel stays in L1; here it streams from the L2, which
 *     feeds the L1 far faster than the micro-kernel consumes B (two vectors per 24 multiply-adds),
 *     and what limits KC is C instead: every K block reads and writes the whole of C again, and
 *     C's tiles come from L3. On Zen 4 (16 lanes, 32 KiB L1, 1 MiB L2; GFLOP/s, one thread, one
 *     sitting) KC 256 / 512 / 1024 / 2048 gave 91.7 / 100.0 / 103.4 / 105.9 at 1024^3 and 92.1 /
 *     100.1 / 104.8 / 105.9 at 2048^3, where JFR had put 10 % of the time in the update of C;
 *     with 8 lanes ({@code -XX:UseAVX=2}) 1024^3 went from 87.4 to 98.4 at KC 1024. Checked again
 *     on Zen 4 with 8 lanes, where a four-row tile reads its B micro-panel (64 KB at KC 1024) from
 *     L2 at some 18 bytes a cycle and a KC of 256 would keep it in L1: 1024^3 at KC 256 / 512 /
 *     1024, best seconds of two JVMs each, 77-80 / 84-94 / 90-97 GFLOP/s; 512^3 even (85-92). On
 *     Zen 5 with 8 lanes (48 KiB L1) KC made no difference: KC 1024 / 512 / 256, GFLOP/s of
 *     150-ms windows alternated with OpenBLAS's Haswell kernels, ours over theirs: (512, 768,
 *     768) 0.905 / 0.903 / 0.907, 1024^3 0.955 / 0.943 / 0.942, (3136, 64, 576) 0.93 / 0.90 /
 *     0.86. KC is the unit, not the limit, of a product's K blocks: a deeper K runs in the fewest
 *     blocks of one depth up to twice KC ({@code Sgemm.kBlockDepth}), one pass over C fewer.</li>
 * <li>MC: the packed block of A ({@code MC x KC}) the size of the L2, a multiple of MR (MC 60,
 *     120 and 240 at KC 1024 measured within 2 %, 240 best on two threads).</li>
 * <li>NC: the packed block of B ({@code KC x NC}) four times the L2 (it lives in L3), a multiple
 *     of NR, at most 4096. A is packed again for every NC columns: at KC 1024, NC 256 / 512 / 1024
 *     gave 95.8 / 101.8 / 105.0 at 1024^3.</li>
 * </ul>
 * For experiments the choice can be forced with {@code -Dpanamax.gemm.mr=4|12},
 * {@code -Dpanamax.gemm.kc=N}, {@code -Dpanamax.gemm.mc=N}, {@code -Dpanamax.gemm.nc=N} and
 * {@code -Dpanamax.gemm.sixrows=true|false}.
 *
 * @param lanes           floats per vector
 * @param vectorRegisters vector registers the instruction set names (16 or 32)
 * @param mr              rows of a micro-tile
 * @param nr              columns of a micro-tile (two vectors)
 * @param kc              depth of a packed block
 * @param mc              rows of a packed block of A
 * @param nc              columns of a packed block of B
 * @param caches          the cache sizes it was derived from
 * @param core            the core it was chosen for (where the cache sizes and vector shape do not decide)
 * @param sixRowTiles     whether wide blocked products run six-row tiles ({@link SixRowKernel}; four-row machines only)
 */
public record GemmBlocking(int lanes, int vectorRegisters, int mr, int nr, int kc, int mc, int nc, CpuCaches caches,
                           CpuCore core, boolean sixRowTiles) {

    /** The register-block heights there is a micro-kernel for. */
    static final int TALL = 12;
    static final int SHORT = 4;

    private static final GemmBlocking CURRENT = forMachine(FloatLanes.LANES, FloatLanes.REGISTERS, CpuCaches.current(),
            CpuCore.current()).overridden(Integer.getInteger("panamax.gemm.mr"), Integer.getInteger("panamax.gemm.kc"),
                    Integer.getInteger("panamax.gemm.mc"), Integer.getInteger("panamax.gemm.nc"),
                    System.getProperty("panamax.gemm.sixrows"));

    /** The validated shape: MR is one the kernels have (12 or 4), the blocks are whole tiles. */
    public GemmBlocking {
        if (mr != TALL && mr != SHORT) {
            throw new IllegalArgumentException("MR must be " + TALL + " or " + SHORT + ", got " + mr);
        }
        if (nr != 2 * lanes) {
            throw new IllegalArgumentException("NR must be two vectors (" + 2 * lanes + "), got " + nr);
        }
        if (kc < 8 || mc < mr || mc % mr != 0 || nc < nr || nc % nr != 0) {
            throw new IllegalArgumentException("need KC >= 8, MC a positive multiple of MR (" + mr
                    + ") and NC of NR (" + nr + "); got KC " + kc + ", MC " + mc + ", NC " + nc);
        }
        if (sixRowTiles && (mr != SHORT || mc < SixRowKernel.ROWS)) {
            throw new IllegalArgumentException("six-row tiles need MR " + SHORT + " and MC >= " + SixRowKernel.ROWS
                    + "; got MR " + mr + ", MC " + mc);
        }
    }

    /** The blocking every GEMM of this JVM uses. */
    public static GemmBlocking current() {
        return CURRENT;
    }

    /**
     * The table's choice for a machine.
     *
     * @param lanes           floats per vector of the species the kernels use
     * @param vectorRegisters vector registers of the instruction set ({@link FloatLanes#vectorRegisters})
     * @param caches          the core's cache sizes
     * @param core            the core ({@link #inPlaceMaxBBytes} depends on it)
     */
    public static GemmBlocking forMachine(int lanes, int vectorRegisters, CpuCaches caches, CpuCore core) {
        int mr = vectorRegisters >= 32 ? TALL : SHORT;
        int nr = 2 * lanes;
        int kc = (int) Math.max(64, Math.min(1024, caches.l2() / 8 / ((long) nr * Float.BYTES)));
        kc -= kc % 8;
        int mc = (int) Math.max(mr, caches.l2() / ((long) kc * Float.BYTES) / mr * mr);
        int nc = (int) Math.max(4L * nr, Math.min(4096, 4 * caches.l2() / ((long) kc * Float.BYTES)) / nr * nr);
        return new GemmBlocking(lanes, vectorRegisters, mr, nr, kc, mc, nc, caches, core, sixRowTilesFor(mr, mc, core));
    }

    /** The table's {@link #sixRowTiles}: four-row machines whose core dispatches eight operations a cycle. */
    private static boolean sixRowTilesFor(int mr, int mc, CpuCore core) {
        return mr == SHORT && mc >= SixRowKernel.ROWS && core.dispatchesEight();
    }

    private GemmBlocking overridden(Integer mr, Integer kc, Integer mc, Integer nc, String sixRows) {
        int r = mr != null ? mr : this.mr;
        int k = kc != null ? kc : this.kc;
        int m = mc != null ? mc : mr != null ? Math.max(r, this.mc / r * r) : this.mc;
        boolean six = sixRows != null ? Boolean.parseBoolean(sixRows) : sixRowTilesFor(r, m, core);
        return new GemmBlocking(lanes, vectorRegisters, r, nr, k, m, nc != null ? nc : this.nc, caches, core, six);
    }

    /**
     * The largest B, in bytes, whose panels the first tile of each column packs as it multiplies
     * instead of in a pass of their own: four L2s with four-row tiles, none with twelve-row ones
     * (that kernel has no such form). The measurements are at {@code Sgemm.PACK_B_IN_KERNEL_MAX_BYTES}.
     */
    public long packBInKernelMaxBytes() {
        return mr == SHORT ? 4 * caches.l2() : 0;
    }

    /**
     * The largest B, in bytes, that a product reads in place in tiles three or four vectors wide
     * ({@code SmallGemm.inPlaceTiles}, on each thread) rather than packing: one L2 (up to four
     * for a shallow product of many rows, there). Each tile reads its columns of B again, from L2
     * when B fits there; from memory, as a convolution's B often comes, the pack streams.
     *
     * <p>With 16 vector registers, an L1 and a half. A four-row tile issues about 40 instructions
     * for its 12 multiply-adds in place (seven loads, each with a bounds check C2 keeps in the
     * loop), against about 20 for 8 from packed panels, and whether the front end keeps up decides
     * it. Run with {@code -XX:UseAVX=2} (8 lanes), one thread, GFLOP/s in place / packed: on Zen 5
     * (8-wide dispatch) in place won from 64^3 to 512^3 by 5-11 %; on Zen 4 (6-wide) it won while
     * B stayed near L1 (64^3 77.6 / 75.8, 96^3 88.8 / 81.1, B 36 KB) and lost past it: 128^3
     * 70.0 / 76.0, 256^3 73.1 / 76.4, 512^3 75.8 / 93.2, 2048 x 1024 x 256 58.6 / 91.4,
     * 64 x 3136 x 256 (a 1 x 1 convolution's) 59.1 / 93.8. A CPU whose widest vectors are 256
     * bits is more likely built like the second, and the packed path loses less where it loses.
     *
     * <p>On a core that dispatches eight operations a cycle ({@link CpuCore#dispatchesEight}),
     * a quarter of the L2. Zen 5 with {@code -XX:UseAVX=2}, one thread, our GFLOP/s over
     * OpenBLAS's Haswell kernels alternated in 150-ms windows in one JVM, best of 12, two JVMs
     * each, an L1 and a half / a quarter of the L2: 128^3 0.92, 0.91 / 0.96, 1.01; 192^3 0.95,
     * 0.95 / 0.99, 1.00; 256^3 (B 256 KB) 0.97, 0.96 / 0.99, 1.01; 3136 x 64 x 576 0.95, 0.94 /
     * 1.01, 1.07; 96^3 1.00 / 1.07; 2048 x 128 x 512 even. Past it in place lost: B 512 KB,
     * 256 x 1024 x 128 1.00 packed against 0.73-0.75 in place, 512 x 512 x 256 and 1024 x 512 x
     * 256 even or lost; B 1 MB, 2048 x 1024 x 256 0.99 against 0.74 (each step of a tile reads
     * a row of B a page or more from the last, over more pages than a quarter of L2 spans).
     */
    public long inPlaceMaxBBytes() {
        return vectorRegisters < 32 && core.dispatchesEight() ? caches.l2() / 4 : inPlaceMaxBBytesInParts();
    }

    /**
     * {@link #inPlaceMaxBBytes} for a product split over threads, each part in place: the same
     * with 32 vector registers, with 16 an L1 and a half on every core. On Zen 5 with
     * {@code -XX:UseAVX=2} and two threads, the quarter of L2 that wins on one thread lost (our
     * speed over OpenBLAS's Haswell kernels, alternated in one JVM, two JVMs each, an L1 and a
     * half / a quarter of L2): 256^3 1.21, 1.21 / 1.11, 1.10; (3136, 64, 576) 1.42, 1.36 / 0.90,
     * 0.89, its 64 columns split 24 and 40, each part reading all of A in place; 128^3 and
     * 192^3 within the second vCPU's noise.
     */
    public long inPlaceMaxBBytesInParts() {
        return vectorRegisters >= 32 ? caches.l2() : caches.l1Data() * 3 / 2;
    }

    /** One line for {@code bin/panamax info}. */
    public String describe() {
        String six = sixRowTiles ? String.format(Locale.ROOT, " (%d x %d from %d columns)", SixRowKernel.ROWS, nr,
                Sgemm.SIX_ROW_MIN_COLUMNS) : "";
        return String.format(Locale.ROOT,
                "%d x %d register tile%s (%d lanes, %d vector registers), KC %d, MC %d, NC %d, B packed in the kernel up to %d KiB, "
                        + "read in place up to %d KiB; %s",
                mr, nr, six, lanes, vectorRegisters, kc, mc, nc, packBInKernelMaxBytes() / 1024, inPlaceMaxBBytes() / 1024, caches);
    }
}
