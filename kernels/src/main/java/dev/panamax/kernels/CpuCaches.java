package dev.panamax.kernels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The data cache sizes of one core, as the operating system reports them: the sizes the kernels
 * block for ({@link dev.panamax.kernels.gemm.GemmBlocking}).
 *
 * <p>Linux lists them under {@code /sys/devices/system/cpu/cpu0/cache/index*} ({@code level},
 * {@code type}, {@code size} such as {@code 32K}). Where that is not readable (another OS, a
 * sandbox), each size falls back to a common value (32 KiB L1, 1 MiB L2, 16 MiB L3) and
 * {@link #source()} says so. The L3 is the whole cache, shared by the cores listed with it.
 *
 * @param l1Data bytes of level-1 data cache per core
 * @param l2     bytes of level-2 cache per core
 * @param l3     bytes of level-3 cache (shared), 0 when there is none
 * @param source where the sizes came from, for {@code bin/panamax info}
 */
public record CpuCaches(long l1Data, long l2, long l3, String source) {

    private static final Path SYSFS = Path.of("/sys/devices/system/cpu/cpu0/cache");
    private static final long DEFAULT_L1 = 32 << 10;
    private static final long DEFAULT_L2 = 1 << 20;
    private static final long DEFAULT_L3 = 16 << 20;

    private static final CpuCaches CURRENT = read(SYSFS);

    /** The sizes of the machine this JVM runs on, read once. */
    public static CpuCaches current() {
        return CURRENT;
    }

    /**
     * Reads the cache description under {@code dir} (the layout of Linux's
     * {@code /sys/devices/system/cpu/cpu0/cache}); sizes it cannot find take the defaults.
     */
    public static CpuCaches read(Path dir) {
        long l1 = 0, l2 = 0, l3 = 0;
        for (int index = 0; index < 16; index++) {
            Path entry = dir.resolve("index" + index);
            if (!Files.isDirectory(entry)) {
                continue;
            }
            try {
                String type = Files.readString(entry.resolve("type")).strip();
                int level = Integer.parseInt(Files.readString(entry.resolve("level")).strip());
                long size = parseSize(Files.readString(entry.resolve("size")).strip());
                if (type.equals("Instruction")) {
                    continue;
                }
                switch (level) {
                    case 1 -> l1 = size;
                    case 2 -> l2 = size;
                    case 3 -> l3 = size;
                    default -> { }
                }
            } catch (IOException | RuntimeException unreadable) {
                // an entry we cannot read leaves that level to its default
            }
        }
        boolean complete = l1 > 0 && l2 > 0;
        String source = complete ? dir.toString() : l1 == 0 && l2 == 0 ? "defaults (no " + dir + ")"
                : "partly defaults (" + dir + " incomplete)";
        return new CpuCaches(l1 > 0 ? l1 : DEFAULT_L1, l2 > 0 ? l2 : DEFAULT_L2,
                l3 > 0 ? l3 : complete ? 0 : DEFAULT_L3, source);
    }

    /** {@code 32K}, {@code 1024K}, {@code 32M}, or a plain byte count. */
    static long parseSize(String text) {
        String t = text.toUpperCase(Locale.ROOT);
        long unit = 1;
        if (t.endsWith("K")) {
            unit = 1L << 10;
        } else if (t.endsWith("M")) {
            unit = 1L << 20;
        } else if (t.endsWith("G")) {
            unit = 1L << 30;
        }
        String digits = unit == 1 ? t : t.substring(0, t.length() - 1);
        long value = Long.parseLong(digits.strip());
        if (value <= 0) {
            throw new NumberFormatException("cache size must be positive: " + text);
        }
        return value * unit;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "L1d %d KiB, L2 %d KiB, L3 %d KiB (%s)", l1Data >> 10, l2 >> 10, l3 >> 10,
                source);
    }
}
