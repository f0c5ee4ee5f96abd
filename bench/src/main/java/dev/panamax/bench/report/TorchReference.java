package dev.panamax.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PyTorch's timings as {@code ../shared/bench/pytorch/run.sh} prints them: a {@code ## threads=T}
 * heading, then a row per case: the case name (48 columns), then the forward median and minimum
 * and the forward+backward median and minimum, in milliseconds.
 *
 * @param version   the {@code # torch ...} line, for the report
 * @param forward   forward timings by {@code threads + "|" + case}
 * @param backward  forward+backward timings, the same keys
 */
record TorchReference(String version, Map<String, Timing> forward, Map<String, Timing> backward) {

    /** One case's median and minimum over the script's repetitions, in milliseconds. */
    record Timing(double median, double min) {
    }

    private static final Pattern THREADS = Pattern.compile("^## threads=(\\d+)");
    private static final Pattern ROW = Pattern.compile("^(.{48}) +([0-9.]+) +([0-9.]+) +([0-9.]+) +([0-9.]+).*$");

    static TorchReference read(Path file) throws IOException {
        Map<String, Timing> fwd = new LinkedHashMap<>();
        Map<String, Timing> fb = new LinkedHashMap<>();
        String version = "";
        int threads = 1;
        for (String line : Files.readAllLines(file)) {
            Matcher t = THREADS.matcher(line);
            if (t.find()) {
                threads = Integer.parseInt(t.group(1));
                continue;
            }
            if (line.startsWith("# torch") && version.isEmpty()) {
                version = line.substring(2).replaceAll(" +threads=\\d+", "").strip();
                continue;
            }
            Matcher m = ROW.matcher(line);
            if (m.matches()) {
                String key = threads + "|" + m.group(1).strip();
                fwd.put(key, new Timing(Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3))));
                fb.put(key, new Timing(Double.parseDouble(m.group(4)), Double.parseDouble(m.group(5))));
            }
        }
        return new TorchReference(version, fwd, fb);
    }

    /** The timing of {@code torchCase} at {@code threads}, forward or forward+backward; null when absent. */
    Timing millis(String torchCase, int threads, boolean forwardBackward) {
        return (forwardBackward ? backward : forward).get(threads + "|" + torchCase);
    }
}
