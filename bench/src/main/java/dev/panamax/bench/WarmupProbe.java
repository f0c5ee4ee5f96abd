package dev.panamax.bench;

import java.util.SplittableRandom;

import dev.panamax.nn.inference.Predictor;
import dev.panamax.nn.layers.Init;
import dev.panamax.nn.layers.Sequential;
import dev.panamax.nn.losses.CrossEntropyLoss;
import dev.panamax.nn.models.Models;
import dev.panamax.nn.optim.Sgd;
import dev.panamax.nn.tensor.StepArena;
import dev.panamax.nn.tensor.Tensor;

/**
 * Warm-up, which JMH's steady state hides: from a cold JVM, the time of the first LeNet-5
 * training step (batch 64) and of the first forward (batch 64, eval, written into the caller's
 * tensor), then the mean step time in successive 500 ms windows, until 10 s (or the seconds
 * given). Steady state is the first window within 10 % of the last.
 * Then the bytes allocated on the Java heap per call over the last 2 s, by every thread of the JVM
 * (the caller and the worker pool's): a steady-state call should allocate nothing. JMH's
 * {@code -prof gc} cannot say that for a call of milliseconds, as it also counts what its own
 * harness threads allocate in the meantime (some KB per second, so {@code TrainingStepBench}'s
 * LeNet-5 rows show tens of bytes per call).
 *
 * After 10 s C2 may still be compiling (its last LeNet compile came at about 10 s on two cores),
 * so a longer run shows the allocation of the settled code: 0.02 B per step from 25 s to 40 s.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar dev.panamax.bench.WarmupProbe [step|forward] [seconds]</pre>
 */
public final class WarmupProbe {

    private WarmupProbe() {
    }

    public static void main(String[] args) {
        long start = System.nanoTime();
        boolean forward = args.length > 0 && args[0].equals("forward");
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Init.manualSeed(1);
        Sequential net = Models.lenet5();
        try (StepArena step = StepArena.reusingTensors(); Sgd sgd = new Sgd(net.parameters(), 0.01f, 0.9f)) {
            Tensor x = Tensor.zeros(java.lang.foreign.Arena.ofAuto(), 64, 1, 28, 28);
            Init.normal(x, 0, 1, new SplittableRandom(7));
            long[] labels = new long[64];
            for (int i = 0; i < 64; i++) {
                labels[i] = i % 10;
            }
            Tensor y = Tensor.ofLongs(java.lang.foreign.Arena.ofAuto(), labels, 64);
            CrossEntropyLoss loss = new CrossEntropyLoss();
            Predictor predictor = null;
            Tensor out = Tensor.zeros(java.lang.foreign.Arena.ofAuto(), 64, 10);
            if (forward) {
                net.eval();
                predictor = new Predictor(net);
            } else {
                net.requireInputGradient(false);
            }
            double[] windows = new double[2 * Math.max(3, seconds)];
            int[] counts = new int[windows.length];
            var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            long allocatedBefore = 0;
            int measuredCalls = 0;
            double first = -1;
            long t0 = System.nanoTime();
            while (true) {
                long s = System.nanoTime();
                if (forward) {
                    predictor.predict(x, out);      // into the caller's tensor, as InferenceBench
                } else {
                    step.reset();
                    sgd.zeroGrad();
                    loss.forward(net.forward(x, step), y, step);
                    net.backward(loss.backward(step), step);
                    sgd.step();
                }
                long e = System.nanoTime();
                if (first < 0) {
                    first = (e - start) / 1e6;
                }
                int w = (int) ((e - t0) / 500_000_000L);
                if (w >= windows.length) {
                    break;
                }
                if (w >= windows.length - 4 && measuredCalls++ == 0) {    // the last 2 s
                    allocatedBefore = threads.getTotalThreadAllocatedBytes();
                }
                windows[w] += (e - s) / 1e6;
                counts[w]++;
            }
            // per call after the first snapshot, the one that ended the loop included
            double allocated = (threads.getTotalThreadAllocatedBytes() - allocatedBefore) / (double) measuredCalls;
            double last = windows[windows.length - 1] / counts[windows.length - 1];
            int steady = -1;
            StringBuilder sb = new StringBuilder();
            for (int w = 0; w < windows.length; w++) {
                if (counts[w] == 0) {
                    sb.append(" -");                 // no call ended in this window: one call spans it
                    continue;
                }
                double mean = windows[w] / counts[w];
                sb.append(String.format(" %.2f", mean));
                if (steady < 0 && mean <= 1.1 * last) {
                    steady = w;
                }
            }
            System.out.printf("%s: first result %.0f ms after start; ms per call in 500 ms windows:%s; steady from %.1f s; "
                    + "%.1f B allocated per call (all threads) in the last 2 s%n",
                    forward ? "forward" : "training step", first, sb, (steady + 1) * 0.5, allocated);
            if (predictor != null) {
                predictor.close();
            }
        }
    }
}
