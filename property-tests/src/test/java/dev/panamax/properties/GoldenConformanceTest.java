package dev.panamax.properties;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.panamax.cli.conformance.ConformanceRunner;

/**
 * The golden suite vendored under {@code src/test/resources/golden}: every case of an implemented
 * op must pass. Cases of ops not implemented yet are skipped by the runner, never passed. And the
 * cases under {@code src/test/resources/regression}, drawn with the golden generator, that an
 * earlier version failed (its README says which and why), and those under
 * {@code src/test/resources/edges}: attributes and ranks at the edges of what the ops allow.
 */
class GoldenConformanceTest {

    @Test
    void everyImplementedGoldenCasePasses() throws Exception {
        Run run = run("golden");
        assertThat(run.summary().passed()).as("cases passed").isGreaterThanOrEqualTo(170);
        assertThat(run.report().lines().reduce((a, b) -> b).orElse("")).isEqualTo(run.summary().toString());
    }

    @Test
    void everyRegressionCasePasses() throws Exception {
        assertThat(run("regression").summary().passed()).as("cases passed").isEqualTo(19);
    }

    @Test
    void everyEdgeCasePasses() throws Exception {
        assertThat(run("edges").summary().passed()).as("cases passed").isEqualTo(144);
    }

    /** The runner's summary of a folder of cases and its report. */
    private record Run(ConformanceRunner.Summary summary, String report) {
    }

    /** Runs the cases under the resource folder {@code name}, requiring that none fails and none is skipped. */
    private static Run run(String name) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConformanceRunner.Summary s = new ConformanceRunner(new PrintStream(bytes, true, StandardCharsets.UTF_8))
                .run(List.of(resource(name)));
        String report = bytes.toString(StandardCharsets.UTF_8);
        System.out.println(name + ": " + s);
        assertThat(s.failures()).as(report).isEmpty();
        assertThat(s.skipped()).as("cases skipped").isZero();
        return new Run(s, report);
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(GoldenConformanceTest.class.getClassLoader().getResource(name).toURI());
    }
}
