package dev.panamax.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * One row of JMH's JSON results ({@code -rf json}): the benchmark, its parameters, the score
 * and its error in JMH's unit, its best measured iteration, and the allocation per operation when
 * {@code -prof gc} ran.
 *
 * @param benchmark  {@code Class.method}, without the package
 * @param params     the {@code @Param} values, in JMH's order
 * @param score      the primary metric
 * @param error      its 99.9 % half-width (NaN with one iteration)
 * @param unit       JMH's unit: {@code ms/op}, {@code us/op}, {@code ops/s}...
 * @param best       the best measured iteration in the same unit (the fastest: the lowest time
 *                   per op or the highest throughput), or NaN when the file has no raw data
 * @param bytesPerOp {@code gc.alloc.rate.norm}, or NaN
 * @param flopsPerSecond the {@code flops} counter's rate ({@code Flops}), or NaN
 * @param jvmArgs    the options of the JVM the benchmark was measured in (its forks')
 */
record JmhResult(String benchmark, Map<String, String> params, double score, double error, String unit, double best,
                 double bytesPerOp, double flopsPerSecond, List<String> jvmArgs) {

    /** Reads JMH's JSON result file. */
    static List<JmhResult> read(Path file) throws IOException {
        List<JmhResult> out = new ArrayList<>();
        for (JsonElement e : JsonParser.parseString(Files.readString(file)).getAsJsonArray()) {
            JsonObject o = e.getAsJsonObject();
            String name = o.get("benchmark").getAsString();
            name = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
            Map<String, String> params = new LinkedHashMap<>();
            if (o.has("params")) {
                o.getAsJsonObject("params").entrySet().forEach(p -> params.put(p.getKey(), p.getValue().getAsString()));
            }
            JsonObject primary = o.getAsJsonObject("primaryMetric");
            JsonObject secondary = o.getAsJsonObject("secondaryMetrics");
            double bytes = secondaryScore(secondary, "gc.alloc.rate.norm");
            double flops = secondaryScore(secondary, "flops");
            List<String> jvmArgs = new ArrayList<>();
            if (o.has("jvmArgs")) {
                o.getAsJsonArray("jvmArgs").forEach(a -> jvmArgs.add(a.getAsString()));
            }
            JsonElement err = primary.get("scoreError");
            String unit = primary.get("scoreUnit").getAsString();
            out.add(new JmhResult(name, params, primary.get("score").getAsDouble(),
                    err == null || err.getAsString().equals("NaN") ? Double.NaN : err.getAsDouble(),
                    unit, best(primary, unit.startsWith("ops/")), bytes, flops, List.copyOf(jvmArgs)));
        }
        return out;
    }

    private static double secondaryScore(JsonObject secondary, String name) {
        return secondary != null && secondary.has(name) ? secondary.getAsJsonObject(name).get("score").getAsDouble()
                : Double.NaN;
    }

    /** The fastest of the measured iterations of every fork ({@code rawData}), NaN without them. */
    private static double best(JsonObject primary, boolean throughput) {
        double best = Double.NaN;
        if (primary.has("rawData")) {
            for (JsonElement fork : primary.getAsJsonArray("rawData")) {
                for (JsonElement iteration : fork.getAsJsonArray()) {
                    double v = iteration.getAsDouble();
                    if (Double.isNaN(best) || (throughput ? v > best : v < best)) {
                        best = v;
                    }
                }
            }
        }
        return best;
    }

    /** Milliseconds per operation, whatever JMH's mode: a time per op, or the inverse of a throughput. */
    double millisPerOp() {
        return millis(score);
    }

    /** {@link #best} in milliseconds per operation. */
    double bestMillisPerOp() {
        return millis(best);
    }

    private double millis(double value) {
        return switch (unit) {
            case "s/op" -> value * 1e3;
            case "ms/op" -> value;
            case "us/op" -> value / 1e3;
            case "ns/op" -> value / 1e6;
            case "ops/s" -> 1e3 / value;
            case "ops/ms" -> 1 / value;
            case "ops/us" -> 1e-3 / value;
            case "ops/ns" -> 1e-6 / value;
            default -> throw new IllegalArgumentException("unknown JMH unit " + unit + " in " + benchmark);
        };
    }

    /**
     * The {@code flops} counter's rate in the fastest measured iteration: the mean rate scaled as
     * the best time per operation is to the mean (the operations do the same flops), or NaN.
     */
    double bestFlopsPerSecond() {
        return flopsPerSecond * millisPerOp() / bestMillisPerOp();
    }

    /** {@code threads} when the benchmark has that parameter, else 1. */
    int threads() {
        return Integer.parseInt(params.getOrDefault("threads", "1"));
    }

    /** The parameters as {@code k=v, ...}. */
    String paramText() {
        StringBuilder s = new StringBuilder();
        params.forEach((k, v) -> s.append(s.isEmpty() ? "" : ", ").append(k).append('=').append(v));
        return s.toString();
    }
}
