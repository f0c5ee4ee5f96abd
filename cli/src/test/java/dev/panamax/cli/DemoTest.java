package dev.panamax.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo end to end, with fewer epochs than its default so that it fits in {@code verify}. */
class DemoTest {

    private static String run(String... args) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Panamax.run(args, new PrintStream(buf, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertThat(status).as(out + err).isZero();
        return out;
    }

    private static double lastAccuracy(String out) {
        Matcher m = Pattern.compile("test accuracy ([0-9.]+) %").matcher(out);
        double last = -1;
        while (m.find()) {
            last = Double.parseDouble(m.group(1));
        }
        return last;
    }

    @Test
    void lenetLearnsTheBundledDigits(@TempDir Path out) throws Exception {
        String text = run("demo", "--epochs", "6", "--out", out.toString());
        assertThat(lastAccuracy(text)).isGreaterThanOrEqualTo(96.0);
        assertThat(text).contains("confusion matrix").contains("time by kernel family").contains("convolution")
                .contains("(identical)");
        assertThat(out.resolve("lenet5.safetensors")).exists();
    }

    @Test
    void tabularDemos(@TempDir Path out) throws Exception {
        assertThat(lastAccuracy(run("demo", "--model", "mlp", "--data", "breast-cancer", "--out", out.toString())))
                .isGreaterThanOrEqualTo(95.0);
        assertThat(run("demo", "--model", "mlp", "--data", "diabetes", "--epochs", "40")).contains("R²");
        assertThat(run("demo", "--model", "perceptron", "--data", "iris")).contains("converged").contains("test accuracy 100.00 %");
    }

    private static double last(String out, String regex) {
        Matcher m = Pattern.compile(regex).matcher(out);
        double last = Double.NaN;
        while (m.find()) {
            last = Double.parseDouble(m.group(1));
        }
        return last;
    }

    @Test
    void charLstmBeatsTheBigramModelAndSamples(@TempDir Path out) throws Exception {
        String text = run("demo", "--model", "char-lstm", "--epochs", "1", "--out", out.toString());
        double bigram = last(text, "bigram ([0-9.]+) bits/char");
        double heldOut = last(text, "held-out ([0-9.]+) bits/char \\(perplexity");
        assertThat(heldOut).as(text).isLessThan(0.9 * bigram);
        assertThat(text).contains("sampled at temperature").contains("(identical)");
        assertThat(out.resolve("char-lstm.safetensors")).exists();
    }

    @Test
    void seq2seqSpellsWordsBackwards(@TempDir Path out) throws Exception {
        String text = run("demo", "--model", "seq2seq", "--epochs", "2", "--out", out.toString());
        assertThat(last(text, "held-out exact match ([0-9.]+) %")).as(text).isGreaterThanOrEqualTo(85.0);
        assertThat(text).contains("examples: ").contains("(identical)");
    }

    @Test
    void transformerSpellsWordsBackwardsThroughItsCache(@TempDir Path out) throws Exception {
        String text = run("demo", "--model", "transformer", "--epochs", "1", "--out", out.toString());
        assertThat(last(text, "held-out exact match ([0-9.]+) %")).as(text).isGreaterThanOrEqualTo(70.0);
        assertThat(text).contains("examples: ").contains("(identical)");
    }

    @Test
    void inceptionNetworkLearnsTheDigits(@TempDir Path out) throws Exception {
        String text = run("demo", "--model", "inception", "--epochs", "1", "--out", out.toString());
        assertThat(lastAccuracy(text)).as(text).isGreaterThanOrEqualTo(85.0);
        assertThat(text).contains("inception block").contains("(identical)");
    }

    @Test
    void autoencodersAgainstPca() throws Exception {
        String text = run("demo", "--model", "autoencoder", "--data", "breast-cancer", "--epochs", "300");
        // k, PCA, linear AE, tanh AE (held-out MSE), linear / PCA on the training rows
        Matcher m = Pattern.compile("\\n +(\\d+) +([0-9.]+) +([0-9.]+) +([0-9.]+) +([0-9.]+) ").matcher(text);
        int rows = 0;
        while (m.find()) {
            rows++;
            assertThat(Double.parseDouble(m.group(5))).as(text).isBetween(0.999, 1.02);
            assertThat(Double.parseDouble(m.group(3))).as(text).isCloseTo(Double.parseDouble(m.group(2)),
                    org.assertj.core.data.Percentage.withPercentage(5));
        }
        assertThat(rows).as(text).isEqualTo(3);
    }

    @Test
    void curvatureOfTheTrainedMlp() throws Exception {
        String text = run("demo", "--model", "mlp", "--data", "wine", "--curvature");
        double lambda = last(text, "largest Hessian eigenvalue λ = ([0-9.e+-]+) ");
        assertThat(lambda).as(text).isPositive();
        assertThat(last(text, "2/λ = ([0-9.e+-]+)")).isCloseTo(2 / lambda, org.assertj.core.data.Percentage.withPercentage(0.1));
        assertThat(text).contains("exact R-operator").contains("at 0.8 × 2/λ").contains("never above where it started: stable")
                .contains("at 1.5 × 2/λ");
    }

    @Test
    void badOptionsPrintUsageAndExit2() throws Exception {
        for (String[] args : new String[][] {{"demo", "--model", "vgg"}, {"demo", "--epochs", "x"}, {"demo", "--bogus", "1"},
                {"demo", "--model", "lenet5", "--data", "iris"}, {"demo", "--epochs"}, {"demo", "--model", "seq2seq", "--data", "mnist"},
                {"demo", "--temperature", "0"}, {"demo", "--curvature"}, {"demo", "--model", "autoencoder", "--data", "mnist"}}) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = Panamax.run(args, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true,
                    StandardCharsets.UTF_8));
            assertThat(status).isEqualTo(2);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage: bin/panamax demo");
        }
    }
}
