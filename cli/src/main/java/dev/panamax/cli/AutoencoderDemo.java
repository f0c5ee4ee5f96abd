package dev.panamax.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.util.List;

import dev.panamax.nn.data.Bundled;
import dev.panamax.nn.data.DataLoader;
import dev.panamax.nn.data.Dataset;
import dev.panamax.nn.data.Pca;
import dev.panamax.nn.data.Standardizer;
import dev.panamax.nn.layers.Init;
import dev.panamax.nn.layers.Sequential;
import dev.panamax.nn.losses.CrossEntropyLoss;
import dev.panamax.nn.losses.Loss;
import dev.panamax.nn.losses.MseLoss;
import dev.panamax.nn.models.Autoencoder;
import dev.panamax.nn.models.Models;
import dev.panamax.nn.optim.Adam;
import dev.panamax.nn.optim.LrScheduler;
import dev.panamax.nn.optim.Optimizer;
import dev.panamax.nn.optim.Schedule;
import dev.panamax.nn.tensor.Tensor;
import dev.panamax.nn.train.Trainer;

/**
 * {@code bin/panamax demo --model autoencoder}: autoencoders as encoders of tabular features. For
 * codes of k = 2, 4 and 8 units on each bundled tabular set: held-out reconstruction error of PCA,
 * of a linear autoencoder (which should match PCA) and of a tanh autoencoder; then the same small
 * MLP trained on the raw standardized features, on the PCA codes and on the tanh autoencoder's
 * codes, with its held-out accuracy (R² for the diabetes regression).
 */
final class AutoencoderDemo {

    private static final int[] CODES = {2, 4, 8};
    private static final int HIDDEN = 32;
    private static final int CLASSIFIER_EPOCHS = 60;
    /**
     * The tanh autoencoder has 30 times the linear one's parameters and overfits a hundred-odd rows
     * without it (wine's held-out error doubles); the linear one needs none to find PCA's subspace.
     */
    private static final double TANH_WEIGHT_DECAY = 0.1;

    private AutoencoderDemo() {
    }

    static int run(Demo.Options o, PrintStream out) throws IOException {
        List<String> sets = o.data().equals("tabular") ? List.of("wine", "breast-cancer", "diabetes") : List.of(o.data());
        long t0 = System.nanoTime();
        for (String name : sets) {
            report(name, o, out);
        }
        out.printf("%n%.1f s in all%n", (System.nanoTime() - t0) / 1e9);
        return 0;
    }

    private static void report(String name, Demo.Options o, PrintStream out) throws IOException {
        Dataset all = switch (name) {
            case "wine" -> Bundled.wine();
            case "breast-cancer" -> Bundled.breastCancer();
            default -> Bundled.diabetes();
        };
        Dataset[] split = all.split(0.8, o.seed());
        Demo.Pipeline pipeline = Demo.Pipeline.fit(split[0], new Standardizer(1e-8f));
        Dataset train = pipeline.apply(split[0]);
        Dataset test = pipeline.apply(split[1]);
        if (!train.isClassification()) {
            double[] ms = Demo.meanAndStd(split[0].values());
            train = Demo.scaleTargets(train, ms[0], ms[1]);
            test = Demo.scaleTargets(test, ms[0], ms[1]);
        }
        int f = train.sampleSize();
        String score = train.isClassification() ? "accuracy" : "R²";
        out.printf("%n%s: %d standardized features, %d training and %d held-out rows; autoencoders %d-%d-k-%d-%d (tanh, "
                + "weight decay %.1f) and %d-k-%d (linear), AdamW, %d epochs of batches of %d%n", name, f, train.size(),
                test.size(), f, HIDDEN, HIDDEN, f, TANH_WEIGHT_DECAY, f, f, o.epochs(), o.batch());
        out.printf("an MLP (%d-%d-%d-out) on the raw features: held-out %s %s%n", f, 32, 32, score,
                format(classify(train, test, o.seed()), train.isClassification()));
        out.printf("       reconstruction MSE, held-out rows     linear AE / PCA   MLP %-8s on the codes%n", score);
        out.printf("   k      PCA   linear AE   tanh AE        training rows        PCA   tanh AE%n");
        try (Arena arena = Arena.ofConfined()) {
            Tensor xTrain = Tensor.of(arena, train.features(), train.size(), f);
            Tensor xTest = Tensor.of(arena, test.features(), test.size(), f);
            for (int k : CODES) {
                if (k >= f) {
                    continue;
                }
                Pca pca = Pca.of(k).fit(xTrain);
                Autoencoder.Training training = new Autoencoder.Training(o.epochs(), o.batch(), 3e-3, 0, o.seed());
                Init.manualSeed(o.seed());
                Autoencoder linear = Autoencoder.linear(f, k);
                linear.fit(xTrain, training);
                Init.manualSeed(o.seed());
                Autoencoder tanh = Autoencoder.mlp(f, HIDDEN, k);
                tanh.fit(xTrain, training.withWeightDecay(TANH_WEIGHT_DECAY));
                double pcaCodes = classify(train.withFeatures(pca.transform(xTrain, arena).toFloatArray(), k),
                        test.withFeatures(pca.transform(xTest, arena).toFloatArray(), k), o.seed());
                double aeCodes = classify(train.withFeatures(tanh.encode(xTrain, arena).toFloatArray(), k),
                        test.withFeatures(tanh.encode(xTest, arena).toFloatArray(), k), o.seed());
                out.printf("  %2d   %6.4f     %6.4f    %6.4f               %6.4f   %s  %s%n", k,
                        pca.reconstructionError(xTest), linear.reconstructionError(xTest), tanh.reconstructionError(xTest),
                        linear.reconstructionError(xTrain) / pca.reconstructionError(xTrain),
                        format(pcaCodes, train.isClassification()), format(aeCodes, train.isClassification()));
            }
        }
    }

    private static String format(double score, boolean accuracy) {
        return accuracy ? String.format("%6.2f %%", 100 * score) : String.format("%6.3f", score);
    }

    /** Held-out accuracy (classes) or R² (regression) of an MLP trained on {@code train}'s features. */
    private static double classify(Dataset train, Dataset test, long seed) {
        Init.manualSeed(seed);
        boolean classes = train.isClassification();
        Sequential model = Models.mlp(train.sampleSize(), 32, classes ? train.classes() : 1);
        Loss loss = classes ? new CrossEntropyLoss() : new MseLoss();
        try (DataLoader trainLoader = new DataLoader(train, 32, true, seed, null);
             DataLoader testLoader = new DataLoader(test, 500, false, 0, null);
             Optimizer opt = Adam.adamW(model.parameters(), 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, false);
             Trainer trainer = new Trainer(model, loss, opt, new LrScheduler(opt, Schedule.warmupCosine(1e-3,
                     trainLoader.batchesPerEpoch(), (long) CLASSIFIER_EPOCHS * trainLoader.batchesPerEpoch(), 0)),
                     Trainer.Options.of(CLASSIFIER_EPOCHS).output(null, false))) {
            trainer.fit(trainLoader, null, -1);
            return classes ? trainer.evaluateClassifier(testLoader).accuracy() : trainer.evaluateRegressor(testLoader).r2();
        }
    }
}
