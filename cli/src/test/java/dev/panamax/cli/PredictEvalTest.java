package dev.panamax.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panamax.nn.data.Bundled;
import dev.panamax.nn.data.DataLoader;
import dev.panamax.nn.data.Dataset;
import dev.panamax.nn.io.Npy;
import dev.panamax.nn.io.SafeTensors;
import dev.panamax.nn.layers.Init;
import dev.panamax.nn.layers.Sequential;
import dev.panamax.nn.losses.CrossEntropyLoss;
import dev.panamax.nn.models.Models;
import dev.panamax.nn.optim.Adam;
import dev.panamax.nn.optim.Optimizer;
import dev.panamax.nn.tensor.StepArena;
import dev.panamax.nn.tensor.Tensor;

/** predict and eval on a LeNet-5 whose weights are written as PyTorch writes a state_dict with safetensors. */
class PredictEvalTest {

    @TempDir
    static Path dir;
    static Sequential trained;
    static Path weights;

    /** A LeNet-5 trained for one pass over 8,000 digits, saved as {@code save_file(model.state_dict(), f)} would. */
    @BeforeAll
    static void trainAndSave() throws Exception {
        Init.manualSeed(3);
        trained = Models.lenet5();
        try (DataLoader loader = new DataLoader(Bundled.mnist()[0], 64, true, 1, null);
             Optimizer opt = Adam.adamW(trained.parameters(), 2e-3f, 0.9f, 0.999f, 1e-8f, 0f, false);
             StepArena step = new StepArena()) {
            CrossEntropyLoss loss = new CrossEntropyLoss();
            for (var it = loader.epoch(0); it.hasNext(); ) {
                DataLoader.Batch b = it.next();
                step.reset();
                opt.zeroGrad();
                loss.forward(trained.forward(b.x(), step), b.y(), step);
                trained.backward(loss.backward(step), step);
                opt.step();
            }
        }
        trained.eval();
        weights = dir.resolve("lenet5.safetensors");
        SafeTensors.write(weights, trained.stateDict(), Map.of("format", "pt"));
    }

    private record Result(int status, String out, String err) {
    }

    private static Result run(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Panamax.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true,
                StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void evalReportsAccuracyAndTheConfusionMatrix() throws Exception {
        Result r = run("eval", "--model", "lenet5", "--weights", weights.toString(), "--data", "mnist");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("confusion matrix").contains("2000 samples");
        double accuracy = Double.parseDouble(r.out().replaceAll("(?s).*accuracy ([0-9.]+) .*", "$1"));
        Dataset test = Bundled.mnist()[1];
        int correct = 0;
        try (Arena arena = Arena.ofConfined()) {
            float[] y = trained.forward(Tensor.of(arena, test.features(), test.size(), 1, 28, 28), arena).toFloatArray();
            for (int i = 0; i < test.size(); i++) {
                int best = 0;
                for (int c = 1; c < 10; c++) {
                    best = y[i * 10 + c] > y[i * 10 + best] ? c : best;
                }
                correct += best == test.labels()[i] ? 1 : 0;
            }
        }
        assertThat(accuracy).isEqualTo(Math.round(10000.0 * correct / test.size()) / 10000.0);
        assertThat(accuracy).as("one epoch of training").isGreaterThan(0.85);
    }

    @Test
    void predictWritesTheModelsOwnLogits() throws Exception {
        Dataset test = Bundled.mnist()[1];
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.of(arena, Arrays.copyOf(test.features(), 7 * 784), 7, 28, 28);
            Path input = dir.resolve("seven.npy");
            Npy.write(input, x);
            Path logits = dir.resolve("logits.npy");
            Result r = run("predict", "--model", "lenet5", "--weights", weights.toString(), "--input", input.toString(),
                    "--out", logits.toString());
            assertThat(r.status()).as(r.err()).isZero();
            float[] want = trained.forward(x.view(7, 1, 28, 28), arena).toFloatArray();
            Tensor got = Npy.read(logits, arena);
            assertThat(got.shape()).containsExactly(7, 10);
            assertThat(got.toFloatArray()).containsExactly(want);
            // in batches of 3 the products are blocked differently: the same logits up to float rounding
            run("predict", "--model", "lenet5", "--weights", weights.toString(), "--input", input.toString(), "--out",
                    logits.toString(), "--batch", "3");
            float[] batched = Npy.read(logits, arena).toFloatArray();
            for (int i = 0; i < want.length; i++) {
                assertThat(batched[i]).isCloseTo(want[i], org.assertj.core.data.Offset.offset(1e-4f * (1 + Math.abs(want[i]))));
            }
            Result printed = run("predict", "--model", "lenet5", "--weights", weights.toString(), "--input", input.toString());
            assertThat(printed.out()).contains("sample 0: class " + test.labels()[0]);
        }
    }

    @Test
    void wrongWeightsAreNamedWithBothShapes() throws Exception {
        Map<String, Tensor> state = new LinkedHashMap<>(trained.stateDict());
        try (Arena arena = Arena.ofConfined()) {
            state.put("fc3.weight", Tensor.zeros(arena, 9, 84));
            state.remove("fc3.bias");
            state.put("fc4.weight", Tensor.zeros(arena, 2, 2));
            Path bad = dir.resolve("bad.safetensors");
            SafeTensors.write(bad, state, Map.of("format", "pt"));
            Result r = run("eval", "--model", "lenet5", "--weights", bad.toString(), "--data", "mnist");
            assertThat(r.status()).isEqualTo(1);
            assertThat(r.err()).contains("'fc3.weight': expected shape [10, 84], got [9, 84]")
                    .contains("missing key 'fc3.bias'").contains("unexpected key 'fc4.weight'");
        }
        Result unknown = run("predict", "--model", "vgg", "--weights", weights.toString(), "--input", "x.npy");
        assertThat(unknown.err()).contains("unknown model 'vgg'");
        Result noModel = run("eval", "--weights", weights.toString(), "--data", "mnist");
        assertThat(noModel.err()).contains("does not name its model");
    }

    /** An MLP's sizes come from its weights; a CSV with or without a header, the target last. */
    @Test
    void evalOnACsvWithAnMlpSizedFromItsWeights() throws Exception {
        Init.manualSeed(4);
        Sequential mlp = Models.mlp(3, 5, 2).eval();
        Path w = dir.resolve("mlp.safetensors");
        SafeTensors.write(w, mlp.stateDict(), Map.of("format", "pt"));
        float[][] rows = {{0.5f, -1f, 2f}, {1f, 1f, 1f}, {-2f, 0.25f, 0f}, {3f, -0.5f, 1.5f}};
        int correct = 0;
        StringBuilder csv = new StringBuilder();
        try (Arena arena = Arena.ofConfined()) {
            for (int r = 0; r < rows.length; r++) {
                float[] y = mlp.forward(Tensor.of(arena, rows[r], 1, 3), arena).toFloatArray();
                int label = r % 2;
                correct += (y[1] > y[0] ? 1 : 0) == label ? 1 : 0;
                csv.append(rows[r][0]).append(',').append(rows[r][1]).append(',').append(rows[r][2]).append(',').append(label)
                        .append('\n');
            }
        }
        Path plain = dir.resolve("rows.csv");
        Path headed = dir.resolve("rows-header.csv");
        java.nio.file.Files.writeString(plain, csv);
        java.nio.file.Files.writeString(headed, "x1,x2,x3,label\n" + csv);
        for (Path data : new Path[] {plain, headed}) {
            Result r = run("eval", "--model", "mlp", "--weights", w.toString(), "--data", data.toString());
            assertThat(r.status()).as(r.err()).isZero();
            assertThat(r.out()).contains("mlp [3] on").contains(String.format("accuracy %.4f (4 samples)", correct / 4.0));
        }
    }

    @Test
    void helpAndUsage() throws Exception {
        assertThat(run("predict", "--help").out()).contains("usage: bin/panamax predict");
        assertThat(run("eval", "--help").out()).contains("usage: bin/panamax eval");
        Result missing = run("eval", "--data", "mnist");
        assertThat(missing.status()).isEqualTo(2);
        assertThat(missing.err()).contains("eval needs --weights and --data");
        assertThat(run("--help").out()).contains("predict [options]").contains("eval [options]");
    }
}
