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
 * earlier version failed (its README says which and why).
 */
class GoldenConformanceTest {

    @Test
    void everyImplementedGoldenCasePasses() throws Exception {
        Path golden = resource("golden");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConformanceRunner.Summary s = new ConformanceRunner(new PrintStream(bytes, true, StandardCharsets.UTF_8))
                .run(List.of(golden));
        String report = bytes.toString(StandardCharsets.UTF_8);
        System.out.println("golden: " + s);
        assertThat(s.failures()).as(report).isEmpty();
        assertThat(s.passed()).as("cases passed").isGreaterThanOrEqualTo(170);
        assertThat(s.skipped()).as("cases skipped").isZero();
        assertThat(report.lines().reduce((a, b) -> b).orElse("")).isEqualTo(s.toString());
    }

    @Test
    void everyRegressionCasePasses() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConformanceRunner.Summary s = new ConformanceRunner(new PrintStream(bytes, true, StandardCharsets.UTF_8))
                .run(List.of(resource("regression")));
        System.out.println("regression: " + s);
        assertThat(s.failures()).as(bytes.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(s.passed()).as("cases passed").isEqualTo(16);
        assertThat(s.skipped()).as("cases skipped").isZero();
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(GoldenConformanceTest.class.getClassLoader().getResource(name).toURI());
    }
}
