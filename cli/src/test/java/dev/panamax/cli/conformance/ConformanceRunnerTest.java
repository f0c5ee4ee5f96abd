package dev.panamax.cli.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panamax.nn.io.Npy;
import dev.panamax.nn.tensor.Tensor;

/**
 * The runner over folders a user assembles: case folders that are symbolic links, a folder with
 * no case, and malformed cases (not JSON, wrong field types, a .npy whose header lies about its
 * size, a file outside the case's folder), each reported as one FAIL line with its reason and
 * no stack trace, the run going on to the next case.
 */
class ConformanceRunnerTest {

    /** A passing relu case in {@code dir}. */
    private static void reluCase(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (Arena arena = Arena.ofConfined()) {
            Npy.write(dir.resolve("in_x.npy"), Tensor.of(arena, new float[] {-1f, 2f}, 2));
            Npy.write(dir.resolve("out_y.npy"), Tensor.of(arena, new float[] {0f, 2f}, 2));
        }
        Files.writeString(dir.resolve("case.json"), """
                {"op": "relu", "attrs": {}, "inputs": {"x": "in_x.npy"}, "outputs": {"y": "out_y.npy"},
                 "tolerance": {"rtol": 1e-4, "atol": 1e-6}}""");
    }

    private static String run(ConformanceRunner.Summary[] summary, Path... roots) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        summary[0] = new ConformanceRunner(new PrintStream(out, true, StandardCharsets.UTF_8)).run(List.of(roots));
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void followsSymbolicLinksToCaseFolders(@TempDir Path dir) throws IOException {
        reluCase(dir.resolve("store/relu_00"));
        Path suite = Files.createDirectories(dir.resolve("suite"));
        Files.createSymbolicLink(suite.resolve("relu_00"), dir.resolve("store/relu_00"));
        ConformanceRunner.Summary[] s = new ConformanceRunner.Summary[1];
        String report = run(s, suite);
        assertThat(s[0].passed()).as(report).isEqualTo(1);
        assertThat(report).endsWith("1 passed, 0 failed, 0 skipped" + System.lineSeparator());
    }

    @Test
    void malformedCasesAreFailLinesAndTheRunGoesOn(@TempDir Path dir) throws IOException {
        reluCase(dir.resolve("a_good"));
        Files.createDirectories(dir.resolve("b_not_json"));
        Files.writeString(dir.resolve("b_not_json/case.json"), "{op: relu,");
        reluCase(dir.resolve("c_wrong_types"));
        Files.writeString(dir.resolve("c_wrong_types/case.json"), """
                {"op": ["relu"], "inputs": 3, "tolerance": {"rtol": "x", "atol": 1}}""");
        reluCase(dir.resolve("d_lying_npy"));
        byte[] good = Files.readAllBytes(dir.resolve("d_lying_npy/in_x.npy"));
        String header = new String(good, 10, good.length - 10 - 8, StandardCharsets.ISO_8859_1);
        String lying = header.replace("(2,)", "(9999999999,)");
        byte[] bytes = new byte[10 + lying.length() + 8];
        System.arraycopy(good, 0, bytes, 0, 10);
        bytes[8] = (byte) lying.length();
        bytes[9] = (byte) (lying.length() >>> 8);
        System.arraycopy(lying.getBytes(StandardCharsets.ISO_8859_1), 0, bytes, 10, lying.length());
        Files.write(dir.resolve("d_lying_npy/in_x.npy"), bytes);
        reluCase(dir.resolve("e_outside"));
        Files.writeString(dir.resolve("e_outside/case.json"), """
                {"op": "relu", "inputs": {"x": "../a_good/in_x.npy"}, "outputs": {"y": "out_y.npy"},
                 "tolerance": {"rtol": 1e-4, "atol": 1e-6}}""");
        reluCase(dir.resolve("f_good"));
        ConformanceRunner.Summary[] s = new ConformanceRunner.Summary[1];
        String report = run(s, dir);
        assertThat(s[0].passed()).as(report).isEqualTo(2);
        assertThat(s[0].failed()).as(report).isEqualTo(4);
        assertThat(report).contains("FAIL b_not_json: ").contains("not valid JSON")
                .contains("FAIL c_wrong_types: ").contains("wrong type")
                .contains("FAIL d_lying_npy: ").contains("declares 39999999996 bytes").contains("only 8 follow it")
                .contains("FAIL e_outside: ").contains("outside the case's folder")
                .doesNotContain("\tat ").endsWith("2 passed, 4 failed, 0 skipped" + System.lineSeparator());
    }

    @Test
    void aFolderWithoutCasesIsAnError(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = dev.panamax.cli.PanamaxAccess.run(new String[] {"conformance", dir.toString()},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no golden case");
    }
}
