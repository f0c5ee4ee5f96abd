package dev.panamax.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The CPU the report was written on, as {@code /proc/cpuinfo} says: model name, family and model
 * (AMD family 25 is Zen 3 or Zen 4 by model, 26 is Zen 5), vector flags.
 */
final class Machine {

    private Machine() {
    }

    static String describe() {
        Path info = Path.of("/proc/cpuinfo");
        String model = System.getProperty("os.arch");
        String family = "?";
        String cpuModel = "?";
        String flags = "";
        try {
            if (Files.isReadable(info)) {
                List<String> lines = Files.readAllLines(info);
                for (String l : lines) {
                    String v = l.contains(":") ? l.substring(l.indexOf(':') + 1).strip() : "";
                    if (l.startsWith("model name") && model.equals(System.getProperty("os.arch"))) {
                        model = v;
                    } else if (l.startsWith("cpu family") && family.equals("?")) {
                        family = v;
                    } else if (l.startsWith("model") && !l.startsWith("model name") && cpuModel.equals("?")) {
                        cpuModel = v;
                    } else if (l.startsWith("flags") && flags.isEmpty()) {
                        flags = v.contains("avx512f") ? "AVX-512" : v.contains("avx2") ? "AVX2" : "no AVX2";
                    }
                }
            }
        } catch (IOException e) {
            // leave what is known
        }
        String zen = generation(family, cpuModel);
        return model + ", family " + family + " model " + cpuModel + (zen.isEmpty() ? "" : " (" + zen + ")") + ", "
                + Runtime.getRuntime().availableProcessors() + " cores" + (flags.isEmpty() ? "" : ", " + flags);
    }

    /**
     * AMD's core generation from {@code /proc/cpuinfo}'s decimal family and model, or "" when not
     * known: family 25 holds Zen 3 (models 0x00-0x0F, 0x20-0x5F: Milan, Vermeer, Cezanne) and
     * Zen 4 (0x10-0x1F, 0x60-0x7F, 0xA0-0xAF: Genoa, Raphael, Phoenix, Bergamo); family 26 is Zen 5.
     */
    static String generation(String family, String model) {
        int m;
        try {
            m = Integer.parseInt(model);
        } catch (NumberFormatException e) {
            m = -1;
        }
        return switch (family) {
            case "25" -> m < 0 ? "Zen 3 or 4"
                    : (m >= 0x10 && m <= 0x1F) || (m >= 0x60 && m <= 0x7F) || (m >= 0xA0 && m <= 0xAF) ? "Zen 4" : "Zen 3";
            case "26" -> "Zen 5";
            default -> "";
        };
    }
}
