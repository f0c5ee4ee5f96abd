package dev.panamax.properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panamax.kernels.CpuCaches;
import dev.panamax.kernels.CpuCore;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.gemm.GemmBlocking;

/**
 * The blocking table: what it reads from the OS and what it chooses for each vector shape. The
 * kernels themselves run at every shape in the property tests' narrow-vector executions
 * ({@code -XX:UseAVX=2} and {@code 0}, see the module's pom).
 */
class GemmBlockingTest {

    @Test
    void runsAtTheVectorShapeThisExecutionAsksFor() {
        Integer lanes = Integer.getInteger("panamax.test.lanes");
        assumeTrue(lanes != null, "the default execution runs at the machine's own vector shape");
        assertThat(FloatLanes.LANES).isEqualTo(lanes);
        assertThat(GemmBlocking.current().lanes()).isEqualTo(lanes);
        assertThat(GemmBlocking.current().mr()).isEqualTo(lanes == 8 ? 4 : 12);
    }

    @Test
    void readsLinuxCacheDescription(@TempDir Path dir) throws IOException {
        cache(dir, 0, 1, "Data", "48K");
        cache(dir, 1, 1, "Instruction", "32K");
        cache(dir, 2, 2, "Unified", "2048K");
        cache(dir, 3, 3, "Unified", "32M");
        CpuCaches caches = CpuCaches.read(dir);
        assertThat(caches.l1Data()).isEqualTo(48 << 10);
        assertThat(caches.l2()).isEqualTo(2 << 20);
        assertThat(caches.l3()).isEqualTo(32 << 20);
        assertThat(caches.source()).isEqualTo(dir.toString());
    }

    @Test
    void missingDescriptionFallsBackToDefaultsAndSaysSo(@TempDir Path dir) {
        CpuCaches caches = CpuCaches.read(dir.resolve("absent"));
        assertThat(caches.l1Data()).isEqualTo(32 << 10);
        assertThat(caches.l2()).isEqualTo(1 << 20);
        assertThat(caches.source()).startsWith("defaults");
    }

    @Test
    void readsTheFirstProcessorOfLinuxCpuinfo(@TempDir Path dir) throws IOException {
        Path cpuinfo = Files.writeString(dir.resolve("cpuinfo"), """
                processor	: 0
                vendor_id	: AuthenticAMD
                cpu family	: 26
                model		: 2
                model name	: AMD EPYC 9B45
                flags		: fpu avx2 avx512f

                processor	: 1
                vendor_id	: GenuineIntel
                cpu family	: 6
                model		: 85
                model name	: other
                """);
        CpuCore core = CpuCore.read(cpuinfo);
        assertThat(core).isEqualTo(new CpuCore("AMD EPYC 9B45", "AuthenticAMD", 26, 2));
        assertThat(core).hasToString("AMD EPYC 9B45, family 26 model 2 (Zen 5)");
        assertThat(core.dispatchesEight()).isTrue();
        CpuCore unknown = CpuCore.read(dir.resolve("absent"));
        assertThat(unknown.family()).isEqualTo(-1);
        assertThat(unknown.dispatchesEight()).isFalse();
        assertThat(unknown).hasToString(System.getProperty("os.arch"));
    }

    @Test
    void namesTheZenGenerationFromFamilyAndModel() {
        assertThat(amd(25, 1).generation()).isEqualTo("Zen 3");        // EPYC Milan
        assertThat(amd(25, 33).generation()).isEqualTo("Zen 3");       // Ryzen 5000 (0x21)
        assertThat(amd(25, 17).generation()).isEqualTo("Zen 4");       // EPYC Genoa (0x11)
        assertThat(amd(25, 97).generation()).isEqualTo("Zen 4");       // Ryzen 7000 (0x61)
        assertThat(amd(25, -1).generation()).isEqualTo("Zen 3 or 4");
        assertThat(amd(26, 2).generation()).isEqualTo("Zen 5");
        assertThat(new CpuCore("Xeon", "GenuineIntel", 6, 85).generation()).isEmpty();
        assertThat(amd(25, 17).dispatchesEight()).isFalse();
        assertThat(new CpuCore("Xeon", "GenuineIntel", 6, 143).dispatchesEight()).isFalse();
    }

    private static CpuCore amd(int family, int model) {
        return new CpuCore("AMD EPYC", "AuthenticAMD", family, model);
    }

    @Test
    void registerCountFollowsTheInstructionSet() {
        assertThat(FloatLanes.vectorRegisters("amd64", 512)).isEqualTo(32);
        assertThat(FloatLanes.vectorRegisters("amd64", 256)).isEqualTo(16);
        assertThat(FloatLanes.vectorRegisters("amd64", 128)).isEqualTo(16);
        assertThat(FloatLanes.vectorRegisters("aarch64", 128)).isEqualTo(32);
        assertThat(FloatLanes.vectorRegisters("riscv64", 128)).isEqualTo(16);
    }

    @Test
    void tableChoosesTilesThatFitTheRegistersAndBlocksThatFitTheCaches() {
        CpuCaches zen4 = new CpuCaches(32 << 10, 1 << 20, 32 << 20, "test");
        GemmBlocking avx512 = GemmBlocking.forMachine(16, 32, zen4, amd(25, 17));
        assertThat(avx512.mr()).isEqualTo(12);
        assertThat(avx512.nr()).isEqualTo(32);
        assertThat(avx512.kc()).isEqualTo(1024);
        assertThat(avx512.mc()).isEqualTo(252);
        assertThat(avx512.nc()).isEqualTo(1024);
        GemmBlocking avx2 = GemmBlocking.forMachine(8, 16, zen4, amd(25, 17));
        assertThat(avx2.mr()).isEqualTo(4);
        assertThat(avx2.nr()).isEqualTo(16);
        // only the four-row kernel packs B as it multiplies
        assertThat(avx2.packBInKernelMaxBytes()).isEqualTo(4L << 20);
        assertThat(avx512.packBInKernelMaxBytes()).isZero();
        // in-place tiles read a B up to one L2 with 32 registers, up to an L1 and a half with 16,
        // a quarter of the L2 with 16 on a core that dispatches eight operations a cycle
        assertThat(avx512.inPlaceMaxBBytes()).isEqualTo(1L << 20);
        assertThat(avx2.inPlaceMaxBBytes()).isEqualTo(48L << 10);
        GemmBlocking zen5Avx2 = GemmBlocking.forMachine(8, 16, zen4, amd(26, 2));
        assertThat(zen5Avx2.inPlaceMaxBBytes()).isEqualTo(256L << 10);
        // six-row tiles for wide products on a core that dispatches eight operations a cycle, with
        // 16 registers only; four rows elsewhere (Zen 3 measured)
        assertThat(zen5Avx2.sixRowTiles()).isTrue();
        assertThat(avx2.sixRowTiles()).isFalse();
        assertThat(GemmBlocking.forMachine(8, 16, new CpuCaches(32 << 10, 512 << 10, 32 << 20, "test"), amd(25, 1))
                .sixRowTiles()).isFalse();
        assertThat(GemmBlocking.forMachine(16, 32, zen4, amd(26, 2)).sixRowTiles()).isFalse();
        // a product split over threads keeps an L1 and a half in its parts with 16 registers
        assertThat(zen5Avx2.inPlaceMaxBBytesInParts()).isEqualTo(48L << 10);
        assertThat(avx512.inPlaceMaxBBytesInParts()).isEqualTo(1L << 20);
        assertThat(GemmBlocking.forMachine(16, 32, zen4, amd(26, 2)).inPlaceMaxBBytes()).isEqualTo(1L << 20);
        GemmBlocking neon = GemmBlocking.forMachine(4, 32, new CpuCaches(64 << 10, 1 << 20, 0, "test"),
                new CpuCore("aarch64", "", -1, -1));
        assertThat(neon.mr()).isEqualTo(12);
        assertThat(neon.nr()).isEqualTo(8);
        for (GemmBlocking b : new GemmBlocking[] {avx512, avx2, neon}) {
            // accumulators, two vectors of B and a broadcast fit the register file
            assertThat(2 * b.mr() + 3).isLessThanOrEqualTo(b.vectorRegisters());
            // a packed micro-panel of B is at most an eighth of L2, a packed block of A at most L2,
            // a packed block of B at most four times L2
            assertThat((long) b.kc() * b.nr() * Float.BYTES).isLessThanOrEqualTo(b.caches().l2() / 8);
            assertThat((long) b.mc() * b.kc() * Float.BYTES).isLessThanOrEqualTo(b.caches().l2());
            assertThat((long) b.kc() * b.nc() * Float.BYTES).isLessThanOrEqualTo(4 * b.caches().l2());
            assertThat(b.mc() % b.mr()).isZero();
            assertThat(b.nc() % b.nr()).isZero();
        }
    }

    @Test
    void tilesWithoutAKernelAreRefused() {
        CpuCaches caches = new CpuCaches(32 << 10, 1 << 20, 0, "test");
        CpuCore core = amd(25, 17);
        assertThatThrownBy(() -> new GemmBlocking(16, 32, 8, 32, 256, 240, 1024, caches, core, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MR must be 12 or 4, got 8");
        assertThatThrownBy(() -> new GemmBlocking(16, 32, 12, 32, 256, 250, 1024, caches, core, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MC a positive multiple of MR");
        assertThatThrownBy(() -> new GemmBlocking(16, 32, 12, 32, 256, 252, 1024, caches, core, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("six-row tiles need MR 4 and MC >= 6");
    }

    private static void cache(Path dir, int index, int level, String type, String size) throws IOException {
        Path entry = Files.createDirectories(dir.resolve("index" + index));
        Files.writeString(entry.resolve("level"), level + "\n");
        Files.writeString(entry.resolve("type"), type + "\n");
        Files.writeString(entry.resolve("size"), size + "\n");
    }
}
