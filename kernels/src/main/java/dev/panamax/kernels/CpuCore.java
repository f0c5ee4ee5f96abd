package dev.panamax.kernels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Which core this is, as the operating system names it: what the kernels' tuning table cannot
 * learn from the vector width and the cache sizes ({@link dev.panamax.kernels.gemm.GemmBlocking}),
 * and what a benchmark report names.
 *
 * <p>Linux's {@code /proc/cpuinfo} gives the first processor's {@code model name},
 * {@code vendor_id}, {@code cpu family} and {@code model} (both decimal). Elsewhere the name is
 * the OS architecture, the vendor empty and family and model -1, and nothing is assumed about
 * the core.
 *
 * @param name   the model name, or the OS architecture where none is readable
 * @param vendor {@code AuthenticAMD}, {@code GenuineIntel}, ..., or empty
 * @param family the CPU family (decimal), or -1
 * @param model  the model within the family (decimal), or -1
 */
public record CpuCore(String name, String vendor, int family, int model) {

    private static final String AMD = "AuthenticAMD";

    private static final CpuCore CURRENT = read(Path.of("/proc/cpuinfo"));

    /** The core this JVM runs on, read once. */
    public static CpuCore current() {
        return CURRENT;
    }

    /** Reads the first processor of a file in the format of Linux's {@code /proc/cpuinfo}. */
    public static CpuCore read(Path cpuinfo) {
        String name = System.getProperty("os.arch");
        String vendor = "";
        int family = -1;
        int model = -1;
        try {
            List<String> lines = Files.isReadable(cpuinfo) ? Files.readAllLines(cpuinfo) : List.of();
            for (String line : lines) {
                if (line.isBlank() && !vendor.isEmpty()) {
                    break;      // the first processor's block has ended
                }
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).strip();
                String value = line.substring(colon + 1).strip();
                switch (key) {
                    case "model name" -> name = value;
                    case "vendor_id" -> vendor = value;
                    case "cpu family" -> family = number(value);
                    case "model" -> model = number(value);
                    default -> { }
                }
            }
        } catch (IOException | RuntimeException unreadable) {
            // what was read stands; the rest stays unknown
        }
        return new CpuCore(name, vendor, family, model);
    }

    private static int number(String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * AMD's core generation, or "" when not known: family 25 holds Zen 3 (models 0x00-0x0F,
     * 0x20-0x5F: Milan, Vermeer, Cezanne) and Zen 4 (0x10-0x1F, 0x60-0x7F, 0xA0-0xAF: Genoa,
     * Raphael, Phoenix, Bergamo); family 26 is Zen 5.
     */
    public String generation() {
        if (!vendor.equals(AMD)) {
            return "";
        }
        return switch (family) {
            case 23 -> "Zen 1 or 2";
            case 25 -> model < 0 ? "Zen 3 or 4"
                    : (model >= 0x10 && model <= 0x1F) || (model >= 0x60 && model <= 0x7F)
                    || (model >= 0xA0 && model <= 0xAF) ? "Zen 4" : "Zen 3";
            case 26 -> "Zen 5";
            default -> "";
        };
    }

    /**
     * Whether the core dispatches eight operations a cycle (AMD from family 26, Zen 5; Zen 4
     * dispatches six): where a loop's loads and bounds checks, not its multiply-adds, would set
     * the pace on a narrower core, this one keeps up. Unknown cores are taken to be narrower.
     */
    public boolean dispatchesEight() {
        return vendor.equals(AMD) && family >= 26;
    }

    /** The name, with family, model and generation where known: {@code AMD EPYC, family 26 model 2 (Zen 5)}. */
    @Override
    public String toString() {
        String zen = generation();
        return name + (family < 0 ? "" : ", family " + family + " model " + model) + (zen.isEmpty() ? "" : " (" + zen + ")");
    }
}
