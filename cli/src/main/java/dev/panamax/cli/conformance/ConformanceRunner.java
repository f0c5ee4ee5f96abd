package dev.panamax.cli.conformance;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import java.util.Optional;
import java.util.stream.Stream;

import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * Runs every golden case under some folders and compares each output and gradient with the
 * case's tolerance: {@code |got - want| <= atol + rtol |want|}, shapes equal, NaN where NaN is
 * expected. Prints a line per failing or skipped case and ends with
 * {@code N passed, N failed, N skipped}.
 */
public final class ConformanceRunner {

    /** Counts of one run. */
    public record Summary(int passed, int failed, int skipped, List<String> failures) {
        @Override
        public String toString() {
            return passed + " passed, " + failed + " failed, " + skipped + " skipped";
        }
    }

    private final PrintStream out;

    public ConformanceRunner(PrintStream out) {
        this.out = out;
    }

    /** Every folder under {@code roots} that holds a {@code case.json}, sorted by path. */
    public static List<Path> findCases(List<Path> roots) throws IOException {
        List<Path> cases = new ArrayList<>();
        for (Path root : roots) {
            if (!Files.isDirectory(root)) {
                throw new IOException("not a folder: " + root);
            }
            // case folders may be symbolic links (a suite assembled from others); a link loop is reported, not followed
            try (Stream<Path> walk = Files.walk(root, java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
                walk.filter(p -> p.getFileName() != null && p.getFileName().toString().equals("case.json"))
                        .map(Path::getParent).forEach(cases::add);
            } catch (java.io.UncheckedIOException e) {
                throw new IOException("cannot walk " + root + ": " + e.getCause().getMessage(), e.getCause());
            }
        }
        cases.sort(null);
        return cases;
    }

    /** Runs the cases under the folders and prints the report. */
    public Summary run(List<Path> roots) throws IOException {
        int passed = 0;
        int skipped = 0;
        List<String> failures = new ArrayList<>();
        for (Path dir : findCases(roots)) {
            String verdict;
            try {
                verdict = runCase(dir);
            } catch (IOException | RuntimeException e) {
                verdict = "error: " + e;
            } catch (OutOfMemoryError | StackOverflowError e) {
                // defence in depth: every reader checks sizes first, but one bad case must not end the run
                verdict = "error: " + e;
            }
            if (verdict == null) {
                passed++;
            } else if (verdict.startsWith("skipped")) {
                skipped++;
                out.println(dir.getFileName() + ": " + verdict);
            } else {
                failures.add(dir.getFileName() + ": " + verdict);
                out.println("FAIL " + dir.getFileName() + ": " + verdict);
            }
        }
        Summary s = new Summary(passed, failures.size(), skipped, failures);
        out.println(s);
        return s;
    }

    /** Null when the case passes, else why not ("skipped ..." for an unsupported op). */
    private static String runCase(Path dir) throws IOException {
        GoldenCase c = GoldenCase.load(dir);
        Optional<GoldenOps.Op> op = GoldenOps.find(c.op());
        if (op.isEmpty()) {
            return "skipped (op " + c.op() + " not supported)";
        }
        try (Arena arena = Arena.ofConfined()) {
            OpResult result = op.get().run(c, arena);
            for (String name : c.outputs().keySet()) {
                String err = compare("output " + name, result.outputs().get(name), c.expectedOutput(name, arena), c);
                if (err != null) {
                    return err;
                }
            }
            for (String name : c.grads().keySet()) {
                String err = compare("grad " + name, result.grads().get(name), c.expectedGrad(name, arena), c);
                if (err != null) {
                    return err;
                }
            }
        }
        return null;
    }

    /** Null when {@code got} matches {@code want} within the case's tolerance. */
    static String compare(String what, Tensor got, Tensor want, GoldenCase c) {
        if (got == null) {
            return what + ": not produced";
        }
        if (!Arrays.equals(got.shape(), want.shape())) {
            return what + ": shape " + Arrays.toString(got.shape()) + ", want " + Arrays.toString(want.shape());
        }
        if (want.dtype() == DType.INT64 || got.dtype() == DType.INT64) {
            return Arrays.equals(got.toLongArray(), want.toLongArray()) ? null : what + ": integer values differ";
        }
        float[] g = got.toFloatArray();
        float[] w = want.toFloatArray();
        double worstExcess = 0;
        int worst = -1;
        for (int i = 0; i < w.length; i++) {
            double allowed = c.atol() + c.rtol() * Math.abs(w[i]);
            double err = Float.isNaN(w[i]) ? (Float.isNaN(g[i]) ? 0 : Double.POSITIVE_INFINITY)
                    : Float.isNaN(g[i]) ? Double.POSITIVE_INFINITY
                    : Math.abs((double) g[i] - w[i]);
            double excess = err / allowed;
            if (err > allowed && (worst < 0 || excess > worstExcess)) {
                worst = i;
                worstExcess = excess;
            }
        }
        if (worst < 0) {
            return null;
        }
        return what + ": worst element " + Arrays.toString(unravel(worst, want.shape())) + " got " + g[worst]
                + " want " + w[worst] + " (|err| " + Math.abs((double) g[worst] - w[worst]) + ", allowed "
                + (c.atol() + c.rtol() * Math.abs(w[worst])) + ")";
    }

    private static long[] unravel(long flat, long[] shape) {
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return idx;
    }

}
