package dev.panamax.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.panamax.kernels.parallel.WorkerPool;
import dev.panamax.nn.data.Bundled;
import dev.panamax.nn.data.DataLoader;
import dev.panamax.nn.data.Dataset;
import dev.panamax.nn.data.ImageAugmentation;
import dev.panamax.nn.data.Imputer;
import dev.panamax.nn.data.OutlierClipper;
import dev.panamax.nn.data.Preprocessor;
import dev.panamax.nn.data.Standardizer;
import dev.panamax.nn.distributed.Communicator;
import dev.panamax.nn.distributed.DistributedDataParallel;
import dev.panamax.nn.layers.Init;
import dev.panamax.nn.layers.Sequential;
import dev.panamax.nn.losses.CrossEntropyLoss;
import dev.panamax.nn.losses.Loss;
import dev.panamax.nn.losses.MseLoss;
import dev.panamax.nn.models.Models;
import dev.panamax.nn.models.Perceptron;
import dev.panamax.nn.optim.Adam;
import dev.panamax.nn.optim.LrScheduler;
import dev.panamax.nn.optim.Optimizer;
import dev.panamax.nn.optim.Schedule;
import dev.panamax.nn.tensor.Tensor;
import dev.panamax.nn.train.Checkpoints;
import dev.panamax.nn.train.ClassificationMetrics;
import dev.panamax.nn.train.RegressionMetrics;
import dev.panamax.nn.train.Trainer;

/**
 * {@code bin/panamax demo}: trains a model on bundled data end to end and shows what the library
 * does. The default trains LeNet-5 on the bundled MNIST digits with AdamW and warmup + cosine.
 */
final class Demo {

    static final String USAGE = """
            usage: bin/panamax demo [--model lenet5|inception|mlp|autoencoder|perceptron|char-lstm|seq2seq|transformer]
                                    [--data mnist|breast-cancer|wine|diabetes|tabular|iris|words]
                                    [--epochs N] [--batch N] [--threads N] [--seed N] [--out DIR] [--temperature T]
                                    [--curvature] [--distributed [--sync-batch-norm]]

              (no options)                      LeNet-5 on 8,000 MNIST digits, tested on 2,000
              --model inception                 a small Inception network (concatenated branches) on the same digits
              --model mlp --data breast-cancer  tabular classification with the preprocessing pipeline
              --model mlp --data diabetes       regression (MSE, R²)
              --model mlp --curvature           then the largest Hessian eigenvalue and the largest stable
                                                learning rate 2/λ, checked by gradient descent on each side of it
              --model autoencoder               autoencoders against PCA on wine, breast-cancer and diabetes (--data
                                                one of them, or tabular for all): reconstruction error, and an MLP
                                                trained on the codes
              --model perceptron --data iris    Rosenblatt's perceptron on two separable classes
              --model char-lstm                 a character LSTM language model on English words, then sampled
                                                words (--temperature, default 0.8)
              --model seq2seq                   a GRU encoder-decoder that spells English words backwards
              --model transformer               the same task with a transformer, decoding through its KV cache
              --out DIR                         where the checkpoint goes (default: a panamax-demo temp folder)
              --distributed                     data-parallel over the processes mpirun started (lenet5, inception,
                                                mlp): mpirun -np 2 bin/panamax demo --distributed. --batch is the
                                                global batch, split evenly; each process takes cores / processes
                                                threads. Without mpirun: one process
              --sync-batch-norm                 with --distributed: batch statistics over all processes' rows
                                                (PyTorch's SyncBatchNorm; inception has batch norms)
            """;

    /** Parsed options. */
    record Options(String model, String data, int epochs, int batch, int threads, long seed, Path out,
                   float temperature, boolean curvature, boolean distributed, boolean syncBatchNorm) {
    }

    private Demo() {
    }

    /** Parses {@code args} (after "demo"); null when they are invalid (the reason goes to err). */
    static Options parse(String[] args, PrintStream err) {
        Map<String, String> opt = CommandOptions.parse(args, List.of("model", "data", "epochs", "batch", "threads", "seed",
                "out", "temperature"), List.of("curvature", "distributed", "sync-batch-norm"), err);
        if (opt == null) {
            return null;
        }
        String model = opt.getOrDefault("model", "lenet5");
        String data = opt.getOrDefault("data", switch (model) {
            case "mlp" -> "breast-cancer";
            case "perceptron" -> "iris";
            case "autoencoder" -> "tabular";
            case "char-lstm", "seq2seq", "transformer" -> "words";
            default -> "mnist";
        });
        boolean ok = switch (model) {
            case "lenet5", "inception" -> data.equals("mnist");
            case "mlp" -> List.of("breast-cancer", "wine", "diabetes").contains(data);
            case "perceptron" -> data.equals("iris");
            case "autoencoder" -> List.of("breast-cancer", "wine", "diabetes", "tabular").contains(data);
            case "char-lstm", "seq2seq", "transformer" -> data.equals("words");
            default -> false;
        };
        if (!ok) {
            err.println("unsupported combination: --model " + model + " --data " + data);
            return null;
        }
        boolean curvature = opt.containsKey("curvature");
        if (curvature && !model.equals("mlp")) {
            err.println("--curvature goes with --model mlp");
            return null;
        }
        boolean distributed = opt.containsKey("distributed");
        if (distributed && (curvature || !List.of("lenet5", "inception", "mlp").contains(model))) {
            err.println("--distributed goes with --model lenet5, inception or mlp (without --curvature)");
            return null;
        }
        boolean syncBatchNorm = opt.containsKey("sync-batch-norm");
        if (syncBatchNorm && !distributed) {
            err.println("--sync-batch-norm goes with --distributed");
            return null;
        }
        try {
            int epochs = Integer.parseInt(opt.getOrDefault("epochs", defaultEpochs(model, data)));
            int batch = Integer.parseInt(opt.getOrDefault("batch", switch (model) {
                case "lenet5", "inception" -> "64";
                case "char-lstm", "seq2seq", "transformer" -> "128";
                default -> "32";
            }));
            float temperature = Float.parseFloat(opt.getOrDefault("temperature", "0.8"));
            int threads = opt.containsKey("threads") ? Integer.parseInt(opt.get("threads")) : 0;
            long seed = Long.parseLong(opt.getOrDefault("seed", "1"));
            if (epochs <= 0 || batch <= 0 || (opt.containsKey("threads") && threads <= 0) || !(temperature > 0)) {
                err.println("--epochs, --batch, --threads and --temperature must be > 0");
                return null;
            }
            Path out = Path.of(opt.getOrDefault("out", Path.of(System.getProperty("java.io.tmpdir"), "panamax-demo").toString()));
            return new Options(model, data, epochs, batch, threads, seed, out, temperature, curvature, distributed, syncBatchNorm);
        } catch (NumberFormatException e) {
            err.println("not a number: " + e.getMessage());
            return null;
        }
    }

    private static String defaultEpochs(String model, String data) {
        return switch (model) {
            case "lenet5" -> "25";
            case "inception" -> "6";
            case "perceptron" -> "20";
            case "autoencoder" -> "1000";
            case "char-lstm" -> "5";
            case "seq2seq" -> "5";
            case "transformer" -> "3";
            default -> data.equals("diabetes") ? "100" : "40";
        };
    }

    /** Runs the demo; returns the exit status. */
    static int run(Options o, PrintStream out) throws IOException {
        if (o.distributed()) {
            return DistributedDemo.run(o, out);
        }
        if (o.threads() > 0) {
            WorkerPool.setThreads(WorkerPool.threads());
        }
        return run(o, Communicator.single(), out);
    }

    /** Runs the demo as one rank of {@code comm}. */
    static int run(Options o, Communicator comm, PrintStream out) throws IOException {
        Init.manualSeed(o.seed());
        return switch (o.model()) {
            case "lenet5" -> lenet(o, comm, out);
            case "inception" -> inception(o, comm, out);
            case "perceptron" -> perceptron(o, out);
            case "autoencoder" -> AutoencoderDemo.run(o, out);
            case "char-lstm" -> CharLstmDemo.run(o, out);
            case "seq2seq" -> Seq2SeqDemo.run(o, out, false);
            case "transformer" -> Seq2SeqDemo.run(o, out, true);
            default -> o.data().equals("diabetes") ? regression(o, comm, out) : tabular(o, comm, out);
        };
    }

    private static int lenet(Options o, Communicator comm, PrintStream out) throws IOException {
        Dataset[] mnist = Bundled.mnist();
        out.printf("LeNet-5 on MNIST: %d training and %d test digits, batch %d, %d epochs, %d thread(s), AdamW with "
                + "warmup + cosine%n", mnist[0].size(), mnist[1].size(), o.batch(), o.epochs(), WorkerPool.threads());
        Sequential model = Models.lenet5();
        // Small shifts of up to 2 pixels: the digits are centred, so this is the augmentation that helps.
        ImageAugmentation augment = ImageAugmentation.none().crop(2);
        return classify(o, comm, out, model, mnist[0], mnist[1], augment, 2e-3, 1e-4, null, "lenet5", null);
    }

    private static int inception(Options o, Communicator comm, PrintStream out) throws IOException {
        Dataset[] mnist = Bundled.mnist();
        Sequential model = Models.inception(10);
        out.printf("Inception network on MNIST: %d training and %d test digits, batch %d, %d epochs, %d thread(s), %,d "
                + "parameters, AdamW with warmup + cosine%n", mnist[0].size(), mnist[1].size(), o.batch(), o.epochs(),
                WorkerPool.threads(), model.parameters().stream().mapToLong(dev.panamax.nn.optim.Parameter::numel).sum());
        return classify(o, comm, out, model, mnist[0], mnist[1], ImageAugmentation.none().crop(2), 3e-3, 1e-4, null,
                "inception", null);
    }

    private static int tabular(Options o, Communicator comm, PrintStream out) throws IOException {
        Dataset all = o.data().equals("wine") ? Bundled.wine() : Bundled.breastCancer();
        Dataset[] split = all.split(0.8, o.seed());
        Pipeline pipeline = Pipeline.fit(split[0], new Imputer(Imputer.Strategy.MEDIAN, 0),
                OutlierClipper.quantiles(0.005, 0.995), new Standardizer(1e-8f));
        Dataset train = pipeline.apply(split[0]);
        Dataset test = pipeline.apply(split[1]);
        int features = train.sampleSize();
        out.printf("MLP on %s: %d features, %d training and %d test rows; preprocessing: median imputation, "
                + "0.5/99.5 %% quantile clipping, standardization; class-balanced cross-entropy%n", o.data(), features,
                train.size(), test.size());
        Sequential model = Models.mlp(features, 64, all.classes());
        try (Arena arena = Arena.ofShared()) {
            Tensor weights = CrossEntropyLoss.balancedWeights(train.classCounts(), arena);
            return classify(o, comm, out, model, train, test, null, 1e-3, 1e-2, weights, "mlp-" + o.data(), pipeline);
        }
    }

    private static int classify(Options o, Communicator comm, PrintStream out, Sequential model, Dataset train,
                                Dataset test, ImageAugmentation augment, double lr, double weightDecay, Tensor classWeights,
                                String name, Pipeline pipeline) throws IOException {
        try (DataLoader trainLoader = new DataLoader(train, trainOptions(o, comm).transform(augment));
             DataLoader testLoader = new DataLoader(test, 500, false, 0, null);
             DistributedDataParallel ddp = replicate(model, comm, o);
             Optimizer opt = Adam.adamW(model.parameters(), (float) lr, 0.9f, 0.999f, 1e-8f, (float) weightDecay, false)) {
            long steps = (long) o.epochs() * trainLoader.batchesPerEpoch();
            LrScheduler schedule = new LrScheduler(opt, Schedule.warmupCosine(lr, Math.min(steps / 10, trainLoader.batchesPerEpoch()),
                    steps, 0));
            Loss loss = new CrossEntropyLoss(classWeights, 0f);
            ClassificationMetrics m;
            long t0 = System.nanoTime();
            try (Trainer trainer = new Trainer(model, loss, opt, schedule, Trainer.Options.of(o.epochs()))) {
                trainer.distributed(ddp).fit(trainLoader, testLoader, -1);
                double seconds = (System.nanoTime() - t0) / 1e9;
                m = trainer.evaluateClassifier(testLoader);
                out.println();
                out.println(m.report(train.classNames()));
                out.printf("training: %.1f s, %.0f samples/s over %d epochs%n", seconds,
                        (double) o.epochs() * train.size() / seconds, o.epochs());
                out.println(trainer.profile().report());
                DistributedDemo.report(ddp, out);
                if (comm.rank() != 0) {
                    return 0;                                   // rank 0 writes the checkpoint and checks it
                }
                Path file = o.out().resolve(name + ".safetensors");
                Checkpoints.save(file, model, opt, schedule, new Checkpoints.Contents(trainer.position(),
                        Map.of("model", name, "data", o.data(), "seed", Long.toString(o.seed())),
                        pipeline == null ? Map.of() : pipeline.state()));
                out.println("saved " + file);
            }
            if (o.curvature()) {
                CurvatureReport.print(model, new CrossEntropyLoss(classWeights, 0f), train, out);
            }
            return verifyReload(o, out, rebuild(name, train), name, testLoader, m.accuracy(), classWeights);
        }
    }

    /** A fresh model of the same architecture, for the reload check. */
    private static Sequential rebuild(String name, Dataset train) {
        return switch (name) {
            case "lenet5" -> Models.lenet5();
            case "inception" -> Models.inception(10);
            default -> Models.mlp(train.sampleSize(), 64, train.classes());
        };
    }

    private static int verifyReload(Options o, PrintStream out, Sequential fresh, String name, DataLoader test, double accuracy,
                                    Tensor classWeights) throws IOException {
        Path file = o.out().resolve(name + ".safetensors");
        Checkpoints.Contents c = Checkpoints.load(file, fresh, null, null);
        try (Trainer t = new Trainer(fresh, new CrossEntropyLoss(classWeights, 0f), null, null, Trainer.Options.of(0).output(null, false))) {
            double reloaded = t.evaluateClassifier(test).accuracy();
            out.printf("reloaded %s (epoch %d): test accuracy %.2f %% (%s)%n", file.getFileName(), c.position().epoch(),
                    100 * reloaded, reloaded == accuracy ? "identical" : "DIFFERENT from " + 100 * accuracy + " %");
            return reloaded == accuracy ? 0 : 1;
        }
    }

    /** The training loader's options: shuffled, this rank's shard of batches of {@code --batch} rows in all. */
    private static DataLoader.Options trainOptions(Options o, Communicator comm) {
        return DataLoader.Options.batches(o.batch() / comm.size()).shuffled(o.seed()).shard(comm.rank(), comm.size());
    }

    /** {@code model} replicated over the ranks of {@code comm}, or null for one process. */
    private static DistributedDataParallel replicate(Sequential model, Communicator comm, Options o) {
        return comm.size() == 1 ? null : new DistributedDataParallel(model, comm,
                DistributedDataParallel.Options.defaults().syncBatchNorm(o.syncBatchNorm()));
    }

    private static int regression(Options o, Communicator comm, PrintStream out) throws IOException {
        Dataset[] split = Bundled.diabetes().split(0.8, o.seed());
        Pipeline pipeline = Pipeline.fit(split[0], new Standardizer(1e-8f));
        double[] ms = meanAndStd(split[0].values());
        double mean = ms[0];
        double std = ms[1];
        double var = std * std;
        Dataset train = scaleTargets(pipeline.apply(split[0]), mean, std);
        Dataset test = scaleTargets(pipeline.apply(split[1]), mean, std);
        out.printf("MLP regression on diabetes: %d features, %d training and %d test rows; standardized features and "
                + "target%n", train.sampleSize(), train.size(), test.size());
        Sequential model = Models.mlp(train.sampleSize(), 32, 1);
        try (DataLoader trainLoader = new DataLoader(train, trainOptions(o, comm));
             DataLoader testLoader = new DataLoader(test, 500, false, 0, null);
             DistributedDataParallel ddp = replicate(model, comm, o);
             Optimizer opt = Adam.adamW(model.parameters(), 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, false);
             Trainer trainer = new Trainer(model, new MseLoss(), opt, new LrScheduler(opt, Schedule.warmupCosine(1e-3,
                     trainLoader.batchesPerEpoch(), (long) o.epochs() * trainLoader.batchesPerEpoch(), 0)),
                     Trainer.Options.of(o.epochs()).patience(0))) {
            trainer.distributed(ddp).fit(trainLoader, testLoader, -1);
            RegressionMetrics scaled = trainer.evaluateRegressor(testLoader);
            out.printf("%ntest: R² %.4f, MSE %.1f (in the target's units; the target's variance is %.1f)%n", scaled.r2(),
                    scaled.mse() * std * std, var);
            out.println(trainer.profile().report());
            DistributedDemo.report(ddp, out);
            if (o.curvature()) {
                CurvatureReport.print(model, new MseLoss(), train, out);
            }
            return 0;
        }
    }

    /** The mean and the population standard deviation of {@code t}. */
    static double[] meanAndStd(float[] t) {
        double mean = 0;
        for (float v : t) {
            mean += v;
        }
        mean /= t.length;
        double var = 0;
        for (float v : t) {
            var += (v - mean) * (v - mean);
        }
        return new double[] {mean, Math.sqrt(var / t.length)};
    }

    /** {@code d} with its regression targets standardized by {@code mean} and {@code std}. */
    static Dataset scaleTargets(Dataset d, double mean, double std) {
        float[] v = new float[d.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((d.values()[i] - mean) / std);
        }
        return new Dataset(d.features(), d.sampleShape(), null, v, 0, null);
    }

    private static int perceptron(Options o, PrintStream out) throws IOException {
        Dataset iris = Bundled.iris();
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < iris.size(); i++) {
            if (iris.labels()[i] < 2) {
                rows.add(i);                                   // setosa and versicolor: linearly separable
            }
        }
        Dataset two = iris.subset(rows.stream().mapToInt(Integer::intValue).toArray());
        Dataset[] split = two.split(0.7, o.seed());
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.of(arena, split[0].features(), split[0].size(), split[0].sampleSize());
            Tensor y = signs(arena, split[0]);
            Perceptron p = new Perceptron(split[0].sampleSize());
            out.printf("Rosenblatt's perceptron on iris setosa vs versicolor: %d training and %d test flowers, %d epochs%n",
                    split[0].size(), split[1].size(), o.epochs());
            int updates = p.fit(x, y, o.epochs(), 1f);
            out.printf("updates in the last epoch: %d (%s)%n", updates, updates == 0 ? "converged: the classes are separated"
                    : "not yet separated");
            Tensor xt = Tensor.of(arena, split[1].features(), split[1].size(), split[1].sampleSize());
            float[] pred = p.predict(xt, arena).toFloatArray();
            float[] truth = signs(arena, split[1]).toFloatArray();
            int correct = 0;
            for (int i = 0; i < pred.length; i++) {
                correct += pred[i] == truth[i] ? 1 : 0;
            }
            out.printf("weights (bias first): %s%ntest accuracy %.2f %% (%d of %d)%n", java.util.Arrays.toString(p.weights()),
                    100.0 * correct / pred.length, correct, pred.length);
            return 0;
        }
    }

    private static Tensor signs(Arena arena, Dataset d) {
        float[] s = new float[d.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = d.labels()[i] == 1 ? 1f : -1f;
        }
        return Tensor.of(arena, s, s.length);
    }

    /** Preprocessing steps fitted on training data and applied to any split. */
    record Pipeline(List<Preprocessor> steps) {

        static Pipeline fit(Dataset train, Preprocessor... steps) {
            try (Arena arena = Arena.ofConfined()) {
                Tensor x = Tensor.of(arena, train.features(), train.size(), train.sampleSize());
                for (Preprocessor p : steps) {
                    x = p.fitTransform(x, arena);
                }
            }
            return new Pipeline(List.of(steps));
        }

        Dataset apply(Dataset d) {
            try (Arena arena = Arena.ofConfined()) {
                Tensor x = Tensor.of(arena, d.features(), d.size(), d.sampleSize());
                for (Preprocessor p : steps) {
                    x = p.transform(x, arena);
                }
                return d.withFeatures(x.toFloatArray(), x.size(1));
            }
        }

        Map<String, Map<String, double[]>> state() {
            Map<String, Map<String, double[]>> out = new LinkedHashMap<>();
            for (int i = 0; i < steps.size(); i++) {
                out.put(i + "." + steps.get(i).getClass().getSimpleName(), steps.get(i).state());
            }
            return out;
        }
    }
}
