package dev.panamax.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import dev.panamax.nn.data.Csv;
import dev.panamax.nn.data.Dataset;
import dev.panamax.nn.data.Idx;
import dev.panamax.nn.inference.Predictor;
import dev.panamax.nn.io.Npy;
import dev.panamax.nn.tensor.Tensor;

/** {@code bin/panamax predict}: a trained model's outputs for the samples of a file. */
final class Predict {

    static final String USAGE = """
            usage: bin/panamax predict --weights FILE.safetensors --input FILE [--model lenet5|mlp|inception]
                                       [--out logits.npy] [--batch N] [--in N] [--hidden N] [--classes N]

              --weights   a PyTorch state_dict saved with safetensors (names as in PyTorch: conv1.weight, ...)
                          or a Panamax checkpoint (bin/panamax demo writes one; its preprocessing is applied)
              --input     samples: .npy [N, ...] (floats as float32, integers as their values, unscaled),
                          MNIST-style IDX images (pixels scaled to [0, 1]), or CSV of numbers (a header line
                          is skipped)
              --model     the architecture (a checkpoint names its own); --in, --hidden and --classes override
                          what the file's metadata or the weights' shapes say
              --out       write the outputs [N, outputs] as .npy; otherwise the first predictions are printed
              --batch     samples per forward pass (default 256)
            """;

    private Predict() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        Map<String, String> opt = CommandOptions.parse(args, List.of("weights", "input", "model", "out", "batch", "in",
                "hidden", "classes"), err);
        if (opt == null || !opt.containsKey("weights") || !opt.containsKey("input")) {
            if (opt != null) {
                err.println("predict needs --weights and --input");
            }
            err.print(USAGE);
            return 2;
        }
        int batch = CommandOptions.positive(opt, "batch", 256);
        TrainedModel m = TrainedModel.load(opt.get("model"), Path.of(opt.get("weights")), opt);
        Dataset samples = m.prepare(read(Path.of(opt.get("input")), m.inputShape()));
        long outputs = m.outputs();
        int n = samples.size();
        int per = samples.sampleSize();
        float[] result = new float[Math.toIntExact((long) n * outputs)];
        long t0 = System.nanoTime();
        try (Predictor p = new Predictor(m.model()); Arena arena = Arena.ofConfined()) {
            for (int from = 0; from < n; from += batch) {
                int rows = Math.min(batch, n - from);
                long[] shape = new long[m.inputShape().length + 1];
                shape[0] = rows;
                System.arraycopy(m.inputShape(), 0, shape, 1, m.inputShape().length);
                Tensor x = Tensor.of(arena, Arrays.copyOfRange(samples.features(), from * per, (from + rows) * per), shape);
                float[] y = p.predict(x).toFloatArray();
                System.arraycopy(y, 0, result, (int) (from * outputs), y.length);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        out.printf("%s: %d samples in %.3f s (%.0f per second)%n", m, n, seconds, n / seconds);
        if (opt.containsKey("out")) {
            try (Arena arena = Arena.ofConfined()) {
                Npy.write(Path.of(opt.get("out")), Tensor.of(arena, result, n, outputs));
            }
            out.println("wrote " + opt.get("out") + " [" + n + ", " + outputs + "]");
        }
        for (int i = 0; i < Math.min(n, opt.containsKey("out") ? 0 : 10); i++) {
            out.println("  sample " + i + ": " + describe(result, i, (int) outputs));
        }
        return 0;
    }

    /** The predicted class with its softmax probability, or the regression value. */
    private static String describe(float[] y, int row, int outputs) {
        if (outputs == 1) {
            return "value " + y[row];
        }
        int best = 0;
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < outputs; c++) {
            max = Math.max(max, y[row * outputs + c]);
            best = y[row * outputs + c] > y[row * outputs + best] ? c : best;
        }
        double sum = 0;
        for (int c = 0; c < outputs; c++) {
            sum += Math.exp(y[row * outputs + c] - max);
        }
        return String.format("class %d (probability %.3f)", best, Math.exp(y[row * outputs + best] - max) / sum);
    }

    /** The samples of {@code file}, each reshaped to {@code sample} (their element counts must agree). */
    static Dataset read(Path file, long[] sample) throws IOException {
        String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        float[] features;
        if (name.endsWith(".npy")) {
            try (Arena arena = Arena.ofConfined()) {
                Tensor t = Npy.read(file, arena);
                if (t.dtype() == dev.panamax.nn.tensor.DType.FLOAT32) {
                    features = t.toFloatArray();
                } else {
                    // integers (raw uint8 pixels, say) as the values they are, as torch's .float(): no scaling
                    long[] ints = t.toLongArray();
                    features = new float[ints.length];
                    for (int i = 0; i < ints.length; i++) {
                        features[i] = ints[i];
                    }
                }
            }
        } else if (name.contains("idx3")) {
            Idx.Images images = Idx.readImages(file);
            features = new float[images.pixels().length];
            for (int i = 0; i < features.length; i++) {
                features[i] = (images.pixels()[i] & 0xFF) / 255f;
            }
        } else if (name.endsWith(".csv")) {
            Csv.Table table = readCsv(file);
            features = rows(table, table.columns());
        } else {
            throw new IllegalArgumentException(file + ": expected .npy, .csv or an IDX image file (*idx3*)");
        }
        long per = dev.panamax.nn.tensor.Tensor.product(sample);
        if (features.length == 0 || features.length % per != 0) {
            throw new IllegalArgumentException(file + " holds " + features.length + " values, not a whole number of samples of "
                    + Arrays.toString(sample) + " (" + per + " values each)");
        }
        float[] values = new float[(int) (features.length / per)];
        return new Dataset(features, sample, null, values, 0, null);
    }

    /** A CSV of numbers, its first line a header when it holds a field that is not a number. */
    static Csv.Table readCsv(Path file) throws IOException {
        return Csv.read(file, hasHeader(file) ? Csv.Options.withHeader() : Csv.Options.noHeader());
    }

    /** The first {@code columns} columns of {@code table}, row-major. */
    static float[] rows(Csv.Table table, int columns) {
        float[] out = new float[table.rows() * columns];
        for (int c = 0; c < columns; c++) {
            double[] col = table.column(c);
            for (int r = 0; r < table.rows(); r++) {
                out[r * columns + c] = (float) col[r];
            }
        }
        return out;
    }

    private static boolean hasHeader(Path file) throws IOException {
        try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
            String first = lines.findFirst().orElse("");
            for (String token : first.split(",")) {
                try {
                    Double.parseDouble(token.trim());
                } catch (NumberFormatException e) {
                    return true;
                }
            }
            return false;
        }
    }
}
