package dev.panamax.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.panamax.kernels.CpuCore;

/**
 * The CPU the report was written on: {@link CpuCore}'s name, family, model and generation, the
 * cores this JVM sees and the widest vector instructions {@code /proc/cpuinfo} lists.
 */
final class Machine {

    private Machine() {
    }

    static String describe() {
        return CpuCore.current() + ", " + Runtime.getRuntime().availableProcessors() + " cores" + vectorFlags();
    }

    private static String vectorFlags() {
        Path info = Path.of("/proc/cpuinfo");
        try {
            if (Files.isReadable(info)) {
                for (String l : Files.readAllLines(info)) {
                    if (l.startsWith("flags")) {
                        return l.contains("avx512f") ? ", AVX-512" : l.contains("avx2") ? ", AVX2" : ", no AVX2";
                    }
                }
            }
        } catch (IOException e) {
            // no flags to name
        }
        return "";
    }
}
