package dev.panamax.bench;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.kernels.parallel.WorkerPool;
import dev.panamax.nn.inference.Predictor;
import dev.panamax.nn.layers.Init;
import dev.panamax.nn.layers.Layer;
import dev.panamax.nn.tensor.Tensor;

/**
 * Time per image across batch sizes, as a ratio to the best one: {@link InferenceBench}'s models
 * and predictors, but every batch size in one JVM, taking turns. Each window runs every batch
 * size over the same number of images (40,000 for LeNet-5, 400,000 for the MLP); a batch size's
 * figure is its best window after the first third (warm-up). JMH measures batch sizes one
 * after another, and on a shared machine whose speed drifts by 10-30 % from minute to minute a
 * ratio of two such figures says more about the drift than about the batch sizes; taking turns
 * puts the same drift on all of them.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar dev.panamax.bench.BatchScaling [lenet5|mlp] [threads] [windows]</pre>
 */
public final class BatchScaling {

    private static final int[] BATCHES = {1, 4, 16, 64, 256, 512, 2048};

    private BatchScaling() {
    }

    public static void main(String[] args) {
        String model = args.length > 0 ? args[0] : "lenet5";
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int windows = args.length > 2 ? Integer.parseInt(args[2]) : 9;
        WorkerPool.setThreads(threads);
        Init.manualSeed(1);
        Layer net = InferenceBench.network(model);
        long imagesPerWindow = model.equals("lenet5") ? 40_000 : 400_000;
        // shared, as in InferenceBench: a confined batch stays on the calling thread (see Predictor)
        try (Arena data = Arena.ofShared()) {
            Predictor[] predictors = new Predictor[BATCHES.length];
            Tensor[] x = new Tensor[BATCHES.length];
            Tensor[] out = new Tensor[BATCHES.length];
            for (int i = 0; i < BATCHES.length; i++) {
                x[i] = InferenceBench.input(data, model, BATCHES[i]);
                out[i] = InferenceBench.output(data, model, BATCHES[i]);
                predictors[i] = new Predictor(net);
            }
            double[] best = new double[BATCHES.length];
            Arrays.fill(best, Double.MAX_VALUE);
            for (int w = 0; w < windows; w++) {
                for (int i = 0; i < BATCHES.length; i++) {
                    long calls = Math.max(1, imagesPerWindow / BATCHES[i]);
                    long t0 = System.nanoTime();
                    for (long c = 0; c < calls; c++) {
                        predictors[i].predict(x[i], out[i]);
                    }
                    double perImage = (System.nanoTime() - t0) / (double) (calls * BATCHES[i]);
                    if (w >= windows / 3) {
                        best[i] = Math.min(best[i], perImage);
                    }
                }
            }
            double fastest = Arrays.stream(best).min().orElseThrow();
            System.out.printf("%s, %d thread(s), ns per image (ratio to the best batch size):%n", model, threads);
            for (int i = 0; i < BATCHES.length; i++) {
                System.out.printf("  batch %4d  %8.0f  (%.2fx)%n", BATCHES[i], best[i], best[i] / fastest);
            }
            for (Predictor p : predictors) {
                p.close();
            }
        }
    }
}
