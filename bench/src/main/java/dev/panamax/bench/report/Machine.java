package dev.panamax.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The CPU the report was written on, as {@code /proc/cpuinfo} says: model, family (25 Zen 4, 26 Zen 5), vector flags. */
final class Machine {

    private Machine() {
    }

    static String describe() {
        Path info = Path.of("/proc/cpuinfo");
        String model = System.getProperty("os.arch");
        String family = "?";
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
                    } else if (l.startsWith("flags") && flags.isEmpty()) {
                        flags = v.contains("avx512f") ? "AVX-512" : v.contains("avx2") ? "AVX2" : "no AVX2";
                    }
                }
            }
        } catch (IOException e) {
            // leave what is known
        }
        String zen = switch (family) {
            case "25" -> " (Zen 3/4)";
            case "26" -> " (Zen 5)";
            default -> "";
        };
        return model + ", family " + family + zen + ", " + Runtime.getRuntime().availableProcessors() + " cores"
                + (flags.isEmpty() ? "" : ", " + flags);
    }
}
