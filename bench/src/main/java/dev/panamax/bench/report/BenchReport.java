package dev.panamax.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

import dev.panamax.kernels.backend.Backend;

/**
 * Writes {@code REPORT.md} and {@code ratios.png} from JMH's JSON results and the reference
 * timings taken in the same sitting ({@code bench/report.sh} runs both): the CPU, every
 * workload's figure, and beside it the reference (PyTorch, or OpenBLAS inside {@code GemmBench})
 * and the ratio of the times, ours over the reference (below 1: Panamax is faster).
 *
 * <p>Usage: {@code BenchReport --jmh jmh.json [--jmh more.json]... --out DIR [--reference pytorch.txt]...}
 */
public final class BenchReport {

    private BenchReport() {
    }

    /**
     * A row of the report with its reference, when it has one: the reference's typical time
     * (PyTorch's median, OpenBLAS's JMH score) and its best (PyTorch's minimum, OpenBLAS's fastest
     * iteration), in milliseconds.
     */
    private record Row(JmhResult result, String reference, double referenceMillis, double referenceBest) {

        double ratio() {
            return result.millisPerOp() / referenceMillis;
        }

        double bestRatio() {
            return result.bestMillisPerOp() / referenceBest;
        }
    }

    public static void main(String[] args) throws IOException {
        List<Path> jmh = new ArrayList<>();
        Path out = Path.of("bench/report");
        List<Path> references = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--jmh" -> jmh.add(Path.of(args[++i]));
                case "--out" -> out = Path.of(args[++i]);
                case "--reference" -> references.add(Path.of(args[++i]));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (usage: BenchReport --jmh jmh.json --out DIR [--reference pytorch.txt]...)");
            }
        }
        if (jmh.isEmpty()) {
            throw new IllegalArgumentException("--jmh FILE is required (JMH's -rf json output)");
        }
        List<JmhResult> results = new ArrayList<>();
        for (Path j : jmh) {
            results.addAll(JmhResult.read(j));
        }
        List<TorchReference> torch = new ArrayList<>();
        for (Path r : references) {
            torch.add(TorchReference.read(r));
        }
        Files.createDirectories(out);
        List<Row> rows = rows(results, torch);
        String chart = rows.stream().anyMatch(r -> r.reference() != null) ? "ratios.png" : null;
        if (chart != null) {
            chart(rows, out.resolve(chart));
        }
        Files.writeString(out.resolve("REPORT.md"), markdown(rows, torch, chart, peaks(results)));
        System.out.println("wrote " + out.resolve("REPORT.md") + (chart == null ? "" : " and " + out.resolve(chart)));
    }

    private static List<Row> rows(List<JmhResult> results, List<TorchReference> torch) {
        List<Row> rows = new ArrayList<>();
        for (JmhResult r : results) {
            JmhResult blas = ReferenceMap.jmhReferenceFor(r, results);
            if (blas != null) {
                rows.add(new Row(r, "OpenBLAS (GemmBench impl=blas)", blas.millisPerOp(), blas.bestMillisPerOp()));
                continue;
            }
            ReferenceMap.Torch t = ReferenceMap.torchFor(r);
            TorchReference.Timing ms = null;
            String name = null;
            if (t != null) {
                String c = t.cases().get(r.params().get(t.param()));
                for (TorchReference ref : torch) {
                    ms = ref.millis(c, r.threads(), t.forwardBackward());
                    if (ms != null) {
                        name = "PyTorch: " + c + (t.forwardBackward() ? " (fwd+bwd)" : " (fwd)");
                        break;
                    }
                }
            }
            rows.add(new Row(r, name, ms == null ? Double.NaN : ms.median(), ms == null ? Double.NaN : ms.min()));
        }
        return rows;
    }

    /**
     * The options the forks ran with beyond the two every suite declares, e.g. {@code -XX:UseAVX=2},
     * which narrows the vectors the kernels use to 256 bits (8 floats).
     */
    private static String forkOptions(List<Row> rows) {
        Set<String> options = new LinkedHashSet<>();
        for (Row r : rows) {
            List<String> args = r.result().jvmArgs();
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                if (a.equals("--add-modules") && i + 1 < args.size() && args.get(i + 1).equals("jdk.incubator.vector")) {
                    i++;
                } else if (!a.equals("--add-modules=jdk.incubator.vector") && !a.startsWith("--enable-native-access")) {
                    options.add(a);
                }
            }
        }
        return options.isEmpty() ? "none" : "`" + String.join(" ", options) + "`";
    }

    /**
     * The kernels OpenBLAS chooses in this environment, the one the JMH forks inherited:
     * {@code OPENBLAS_CORETYPE} holds it to a core's kernels (Haswell's are its AVX2 ones).
     */
    private static String openBlasKernels() {
        String forced = System.getenv("OPENBLAS_CORETYPE");
        String core = Backend.blasCore();
        return (core == null ? "no OpenBLAS found here" : "its " + core + " kernels (openblas_get_corename)")
                + (forced == null ? ", chosen by OpenBLAS itself" : ", OPENBLAS_CORETYPE=" + forced);
    }

    /**
     * The FMA peak at each thread count: {@code FmaPeakBench}'s fastest iteration. A peak is what
     * the machine gives when nothing else disturbs it, so the best iteration, not the mean: on a
     * shared two-core Zen 3 the one-thread means of one sitting ranged from 68 to 84 GFLOP/s.
     */
    private static Map<Integer, Double> peaks(List<JmhResult> results) {
        Map<Integer, Double> peaks = new TreeMap<>();
        for (JmhResult r : results) {
            if (r.benchmark().equals("FmaPeakBench.fma") && !Double.isNaN(r.bestFlopsPerSecond())) {
                peaks.merge(r.threads(), r.bestFlopsPerSecond(), Math::max);
            }
        }
        return peaks;
    }

    /**
     * GemmBench's GFLOP/s, ours and OpenBLAS's, in their fastest iterations, as shares of the FMA
     * peak at the same thread count: how much of the machine each product leaves unused, which
     * the ratio of times alone does not say.
     */
    private static void peakTable(List<Row> gemmRows, Map<Integer, Double> peaks, StringBuilder s) {
        StringBuilder t = new StringBuilder();
        for (Row r : gemmRows) {
            JmhResult j = r.result();
            Double peak = peaks.get(j.threads());
            if (!"java".equals(j.params().get("impl")) || peak == null || Double.isNaN(j.bestFlopsPerSecond())) {
                continue;
            }
            // OpenBLAS's row of the same shape did the same flops per operation
            double flopsPerOp = j.flopsPerSecond() * j.millisPerOp() / 1e3;
            double blas = r.reference() == null ? Double.NaN : flopsPerOp / r.referenceBest() * 1e3;
            t.append("| ").append(j.params().get("shape")).append(" | ").append(j.threads()).append(" | ")
                    .append(share(j.bestFlopsPerSecond(), peak)).append(" | ").append(share(blas, peak)).append(" |\n");
        }
        if (t.isEmpty()) {
            return;
        }
        s.append("### SGEMM against the FMA peak\n\n");
        s.append("GFLOP/s of the fastest iteration, and their share of the peak measured at the same thread count ")
                .append("(FmaPeakBench's fastest iteration):\n\n");
        s.append("| shape | threads | Panamax GFLOP/s | of peak | OpenBLAS GFLOP/s | of peak |\n");
        s.append("|---|---|---|---|---|---|\n");
        s.append(t).append('\n');
    }

    /** Two cells: GFLOP/s and their percentage of {@code peak}, or two empty ones. */
    private static String share(double flopsPerSecond, double peak) {
        return Double.isNaN(flopsPerSecond) ? " | "
                : String.format(Locale.ROOT, "%.1f | %.0f %%", flopsPerSecond / 1e9, 100 * flopsPerSecond / peak);
    }

    private static String markdown(List<Row> rows, List<TorchReference> torch, String chart, Map<Integer, Double> peaks)
            throws IOException {
        StringBuilder s = new StringBuilder("# Panamax benchmark report\n\n");
        s.append("Written ").append(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")))
                .append(" by `bench/report.sh`.\n\n");
        s.append("- CPU: ").append(Machine.describe()).append('\n');
        s.append("- JDK: ").append(Runtime.version()).append(" (").append(System.getProperty("java.vm.name")).append(")\n");
        s.append("- JVM options of the measured forks, besides the vector module and native access: ")
                .append(forkOptions(rows)).append('\n');
        if (rows.stream().anyMatch(r -> r.reference() != null && r.reference().startsWith("OpenBLAS"))) {
            s.append("- OpenBLAS, GemmBench's reference: ").append(openBlasKernels()).append('\n');
        }
        peaks.forEach((threads, p) -> s.append("- FMA peak, ").append(threads).append(threads == 1 ? " thread: " : " threads: ")
                .append(String.format(Locale.ROOT, "%.1f GFLOP/s", p / 1e9))
                .append(" (FmaPeakBench's fastest iteration: independent chains of vector multiply-adds on registers)\n"));
        for (TorchReference t : torch) {
            s.append("- Reference: PyTorch, ").append(t.version()).append(", measured in the same sitting\n");
        }
        s.append("- Ratio: our time over the reference's, same machine, same sitting (below 1: Panamax is faster): ")
                .append("our JMH score over PyTorch's median or OpenBLAS's JMH score\n");
        s.append("- Best ratio: our fastest measured iteration over the reference's fastest (PyTorch's minimum over ")
                .append("its repetitions, OpenBLAS's fastest iteration). On a machine shared with other work both ")
                .append("typical figures move with the neighbours' load; the best ones are the least disturbed\n");
        s.append("- B/op: JMH's `gc.alloc.rate.norm` (`-prof gc`), which also counts what JMH's own threads allocate ")
                .append("while the benchmark runs (some KB per second): an operation of milliseconds shows tens or ")
                .append("hundreds of bytes that are not the library's. `WarmupProbe` counts every thread's bytes per ")
                .append("call over a steady stretch instead\n\n");
        if (chart != null) {
            s.append("![time ratios, Panamax / reference](").append(chart).append(")\n\n");
        }
        Map<String, List<Row>> byClass = new LinkedHashMap<>();
        for (Row r : rows) {
            byClass.computeIfAbsent(r.result().benchmark(), k -> new ArrayList<>()).add(r);
        }
        for (var e : byClass.entrySet()) {
            s.append("## ").append(e.getKey()).append("\n\n");
            s.append("| parameters | Panamax | ± | unit | B/op | best ms | reference | reference ms | reference best ms "
                    + "| ratio | best ratio |\n");
            s.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (Row r : e.getValue()) {
                JmhResult j = r.result();
                s.append("| ").append(j.paramText()).append(" | ").append(number(j.score())).append(" | ")
                        .append(Double.isNaN(j.error()) ? "" : number(j.error())).append(" | ").append(j.unit()).append(" | ")
                        .append(Double.isNaN(j.bytesPerOp()) ? "" : String.format(Locale.ROOT, "%.0f", j.bytesPerOp()))
                        .append(" | ").append(number(j.bestMillisPerOp()))
                        .append(" | ").append(r.reference() == null ? "" : r.reference()).append(" | ")
                        .append(r.reference() == null ? "" : number(r.referenceMillis())).append(" | ")
                        .append(r.reference() == null ? "" : number(r.referenceBest())).append(" | ")
                        .append(r.reference() == null ? "" : ratio(r.ratio())).append(" | ")
                        .append(r.reference() == null ? "" : ratio(r.bestRatio())).append(" |\n");
            }
            s.append('\n');
            if (e.getKey().startsWith("GemmBench.")) {
                peakTable(e.getValue(), peaks, s);
            }
        }
        return s.toString();
    }

    /** Two bars per row that has a reference, the typical and the best time ratio, with the line of parity at 1. */
    private static void chart(List<Row> rows, Path file) throws IOException {
        List<String> names = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        List<Double> bestRatios = new ArrayList<>();
        List<Double> parity = new ArrayList<>();
        for (Row r : rows) {
            if (r.reference() != null) {
                names.add(label(r.result()));
                ratios.add(r.ratio());
                bestRatios.add(Double.isNaN(r.bestRatio()) ? 0.0 : r.bestRatio());
                parity.add(1.0);
            }
        }
        CategoryChart c = new CategoryChartBuilder().width(Math.max(900, 28 * names.size() + 200)).height(620)
                .title("Time, Panamax / reference (below 1: Panamax faster) - " + Machine.describe())
                .xAxisTitle("workload").yAxisTitle("time ratio").build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        c.getStyler().setXAxisLabelRotation(70);
        c.getStyler().setOverlapped(false);
        c.getStyler().setYAxisMin(0.0);
        c.addSeries("Panamax / reference, typical", names, ratios);
        c.addSeries("Panamax / reference, best", names, bestRatios);
        c.addSeries("parity", names, parity).setChartCategorySeriesRenderStyle(
                org.knowm.xchart.CategorySeries.CategorySeriesRenderStyle.Line);
        BitmapEncoder.saveBitmap(c, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** A short name for a chart's axis: the benchmark's class without "Bench", the parameters' values. */
    private static String label(JmhResult r) {
        String cls = r.benchmark().substring(0, r.benchmark().indexOf('.')).replace("Bench", "");
        String method = r.benchmark().substring(r.benchmark().indexOf('.') + 1);
        StringBuilder s = new StringBuilder(cls);
        if (method.equals("forwardBackward")) {
            s.append(" f+b");
        }
        r.params().forEach((k, v) -> {
            if (!k.equals("impl")) {
                s.append(' ').append(k.equals("threads") ? v + "t" : v);
            }
        });
        return s.toString();
    }

    private static String ratio(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "**%.2f**", v);
    }

    private static String number(double v) {
        if (Double.isNaN(v)) {
            return "";
        }
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 100 ? "%.1f" : a >= 1 ? "%.3f" : "%.4f", v);
    }
}
