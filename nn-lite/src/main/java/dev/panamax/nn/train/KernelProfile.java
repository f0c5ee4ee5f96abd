package dev.panamax.nn.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where training time goes, by kernel family (convolution, GEMM, pooling, activation,
 * normalization, loss, optimizer, ...): nanoseconds accumulated per family.
 */
public final class KernelProfile {

    private final Map<String, Long> nanos = new LinkedHashMap<>();

    /** Adds {@code ns} to {@code family}. */
    public void add(String family, long ns) {
        nanos.merge(family, ns, Long::sum);
    }

    /** Nanoseconds by family, largest first. */
    public Map<String, Long> byFamily() {
        Map<String, Long> out = new LinkedHashMap<>();
        nanos.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /** One line per family with its share of the total. */
    public String report() {
        long total = nanos.values().stream().mapToLong(Long::longValue).sum();
        StringBuilder s = new StringBuilder("time by kernel family:");
        byFamily().forEach((f, ns) -> s.append(String.format("%n  %-14s %6.1f %%  %8.2f s", f, 100.0 * ns / Math.max(1, total),
                ns / 1e9)));
        return s.toString();
    }
}
