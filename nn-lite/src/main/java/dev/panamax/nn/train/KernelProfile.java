package dev.panamax.nn.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where training time goes, by kernel family (convolution, GEMM, pooling, activation,
 * normalization, loss, optimizer, ...): nanoseconds accumulated per family.
 */
public final class KernelProfile {

    /** One counter per family, a {@code long[1]}: adding to it allocates nothing (a {@code Long} would box each step). */
    private final Map<String, long[]> nanos = new LinkedHashMap<>();

    /** Adds {@code ns} to {@code family}. */
    public void add(String family, long ns) {
        long[] counter = nanos.get(family);
        if (counter == null) {
            counter = new long[1];
            nanos.put(family, counter);
        }
        counter[0] += ns;
    }

    /** Nanoseconds by family, largest first. */
    public Map<String, Long> byFamily() {
        Map<String, Long> out = new LinkedHashMap<>();
        nanos.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]))
                .forEach(e -> out.put(e.getKey(), e.getValue()[0]));
        return out;
    }

    /** One line per family with its share of the total. */
    public String report() {
        long total = nanos.values().stream().mapToLong(c -> c[0]).sum();
        StringBuilder s = new StringBuilder("time by kernel family:");
        byFamily().forEach((f, ns) -> s.append(String.format("%n  %-14s %6.1f %%  %8.2f s", f, 100.0 * ns / Math.max(1, total),
                ns / 1e9)));
        return s.toString();
    }
}
