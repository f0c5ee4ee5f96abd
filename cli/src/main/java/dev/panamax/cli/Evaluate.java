package dev.panamax.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.panamax.nn.data.Bundled;
import dev.panamax.nn.data.Csv;
import dev.panamax.nn.data.DataLoader;
import dev.panamax.nn.data.Dataset;
import dev.panamax.nn.losses.CrossEntropyLoss;
import dev.panamax.nn.losses.MseLoss;
import dev.panamax.nn.train.ClassificationMetrics;
import dev.panamax.nn.train.RegressionMetrics;
import dev.panamax.nn.train.Trainer;

/** {@code bin/panamax eval}: a trained model's accuracy and confusion matrix, or MSE and R², on labelled data. */
final class Evaluate {

    static final String USAGE = """
            usage: bin/panamax eval --weights FILE.safetensors --data mnist|breast-cancer|wine|iris|diabetes|PATH
                                    [--model lenet5|mlp|inception] [--seed N] [--batch N] [--in N] [--hidden N] [--classes N]

              --weights   a PyTorch state_dict saved with safetensors, or a Panamax checkpoint (see predict --help)
              --data      mnist: the 2,000 bundled test digits; a bundled table: the 20 % held out by the demo's
                          split (--seed, default 1), with the checkpoint's preprocessing if it has one;
                          PATH: a folder of MNIST-style IDX files (the test files are used), or a CSV of numbers
                          whose last column is the target (a class index, or a value for a regression)
              --model     as for predict
            """;

    private Evaluate() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        Map<String, String> opt = CommandOptions.parse(args, List.of("weights", "data", "model", "seed", "batch", "in",
                "hidden", "classes"), err);
        if (opt == null || !opt.containsKey("weights") || !opt.containsKey("data")) {
            if (opt != null) {
                err.println("eval needs --weights and --data");
            }
            err.print(USAGE);
            return 2;
        }
        int batch = CommandOptions.positive(opt, "batch", 500);
        long seed = CommandOptions.positive(opt, "seed", 1);
        TrainedModel m = TrainedModel.load(opt.get("model"), Path.of(opt.get("weights")), opt);
        boolean classes = m.outputs() > 1;
        Dataset data = m.prepare(data(opt.get("data"), seed, classes));
        if (data.sampleSize() != dev.panamax.nn.tensor.Tensor.product(m.inputShape())) {
            throw new IllegalArgumentException(opt.get("data") + " has " + data.sampleSize() + " features per sample; " + m
                    + " takes " + dev.panamax.nn.tensor.Tensor.product(m.inputShape()));
        }
        data = data.withFeatures(data.features(), m.inputShape());
        out.printf("%s on %s: %d samples%n", m, opt.get("data"), data.size());
        try (DataLoader loader = new DataLoader(data, batch, false, 0, null);
             Trainer t = new Trainer(m.model(), classes ? new CrossEntropyLoss() : new MseLoss(), null, null,
                     Trainer.Options.of(0).output(null, false))) {
            if (classes) {
                ClassificationMetrics metrics = t.evaluateClassifier(loader);
                out.println(metrics.report(data.classNames()));
            } else {
                RegressionMetrics metrics = t.evaluateRegressor(loader);
                out.printf("MSE %.6g, R² %.4f%n", metrics.mse(), metrics.r2());
            }
        }
        return 0;
    }

    private static Dataset data(String spec, long seed, boolean classes) throws IOException {
        return switch (spec) {
            case "mnist" -> Bundled.mnist()[1];
            case "breast-cancer" -> Bundled.breastCancer().split(0.8, seed)[1];
            case "wine" -> Bundled.wine().split(0.8, seed)[1];
            case "iris" -> Bundled.iris().split(0.8, seed)[1];
            case "diabetes" -> Bundled.diabetes().split(0.8, seed)[1];
            default -> {
                Path p = Path.of(spec);
                if (Files.isDirectory(p)) {
                    yield Bundled.mnist(p)[1];
                }
                if (!Files.isRegularFile(p)) {
                    throw new IllegalArgumentException("--data: no bundled set or file named '" + spec + "'");
                }
                yield csv(p, classes);
            }
        };
    }

    /** A CSV of numbers whose last column is the target. */
    private static Dataset csv(Path file, boolean classes) throws IOException {
        Csv.Table table = Predict.readCsv(file);
        int f = table.columns() - 1;
        if (f < 1) {
            throw new IllegalArgumentException(file + ": needs at least one feature column and the target");
        }
        float[] features = Predict.rows(table, f);
        double[] target = table.column(f);
        if (!classes) {
            float[] values = new float[target.length];
            for (int r = 0; r < values.length; r++) {
                values[r] = (float) target[r];
            }
            return new Dataset(features, new long[] {f}, null, values, 0, null);
        }
        long[] labels = new long[target.length];
        int k = 0;
        for (int r = 0; r < labels.length; r++) {
            if (target[r] != Math.rint(target[r]) || target[r] < 0) {
                throw new IllegalArgumentException(file + ": row " + (r + 1) + "'s target " + target[r] + " is not a class index");
            }
            labels[r] = (long) target[r];
            k = (int) Math.max(k, labels[r] + 1);
        }
        return new Dataset(features, new long[] {f}, labels, null, k, null);
    }
}
