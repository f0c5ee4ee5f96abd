package dev.panamax.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.gemm.GemmBlocking;

class PanamaxTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) throws Exception {
        return Panamax.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void unknownCommandPrintsUsageAndExits2() throws Exception {
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown command: frobnicate").contains("usage: bin/panamax");
        assertThat(run()).isEqualTo(2);
        assertThat(run("conformance")).isEqualTo(2);
        assertThat(run("conformance", "/no/such/folder")).isEqualTo(2);
    }

    @Test
    void helpAndInfo() throws Exception {
        assertThat(run("--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("conformance DIR");
        assertThat(run("info")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("JDK:").contains("float lanes").contains("BLAS:")
                .contains("SGEMM:    " + GemmBlocking.current().describe());
    }
}
