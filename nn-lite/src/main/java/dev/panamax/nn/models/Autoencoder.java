package dev.panamax.nn.models;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import dev.panamax.nn.layers.ActivationLayer;
import dev.panamax.nn.layers.Layer;
import dev.panamax.nn.layers.Linear;
import dev.panamax.nn.layers.Sequential;
import dev.panamax.nn.losses.MseLoss;
import dev.panamax.nn.optim.Adam;
import dev.panamax.nn.optim.LrScheduler;
import dev.panamax.nn.optim.Schedule;
import dev.panamax.nn.tensor.StepArena;
import dev.panamax.nn.tensor.Tensor;

/**
 * An autoencoder for feature vectors {@code [N, F]}: an {@code encoder} to a code of k units and a
 * {@code decoder} back to F, trained to reconstruct its input under mean squared error. The code
 * is a learned compression of the features, non-linear when the layers are; a linear autoencoder
 * ({@link #linear}) learns the same subspace as PCA with k components (Baldi and Hornik, 1989), so
 * PCA's reconstruction error is the bar a non-linear one has to clear.
 *
 * <p>{@code forward} is the reconstruction; {@link #encode} gives the codes. Parameters are named
 * {@code encoder.0.weight}, {@code decoder.2.bias}, ..., as a PyTorch module holding two
 * {@code nn.Sequential}s would name them.
 */
public final class Autoencoder extends Layer {

    /**
     * How {@link #fit} trains: AdamW (decoupled weight decay; 0 is plain Adam) with a warm-up of
     * one epoch and a cosine decay to 0 over {@code epochs}, on mini-batches shuffled by {@code seed}.
     */
    public record Training(int epochs, int batchSize, double learningRate, double weightDecay, long seed) {

        public Training {
            if (epochs <= 0 || batchSize <= 0 || !(learningRate > 0) || !(weightDecay >= 0)) {
                throw new IllegalArgumentException("epochs, batchSize and learningRate must be > 0 and weightDecay >= 0, got "
                        + epochs + ", " + batchSize + ", " + learningRate + ", " + weightDecay);
            }
        }

        /**
         * 1000 epochs of batches of 32 at learning rate 3e-3, no weight decay: on the small tabular
         * sets, enough for a linear autoencoder to come within a fraction of a percent of PCA.
         */
        public static Training defaults(long seed) {
            return new Training(1000, 32, 3e-3, 0, seed);
        }

        public Training withWeightDecay(double decay) {
            return new Training(epochs, batchSize, learningRate, decay, seed);
        }
    }

    private final Sequential encoder;
    private final Sequential decoder;
    private final long features;

    /** An autoencoder from its two halves ({@code [N, F] -> [N, k] -> [N, F]}). */
    public Autoencoder(long features, Sequential encoder, Sequential decoder) {
        this.features = features;
        this.encoder = child("encoder", encoder);
        this.decoder = child("decoder", decoder);
    }

    /** {@code Linear(F, k)} then {@code Linear(k, F)}, no activation: PCA's subspace, learned. */
    public static Autoencoder linear(long features, long code) {
        return new Autoencoder(features, new Sequential().add(new Linear(features, code)),
                new Sequential().add(new Linear(code, features)));
    }

    /**
     * {@code F -> hidden -> k -> hidden -> F} with tanh after every layer but the code and the
     * output (both linear, so neither is squashed).
     */
    public static Autoencoder mlp(long features, long hidden, long code) {
        return new Autoencoder(features,
                new Sequential().add(new Linear(features, hidden)).add(ActivationLayer.tanh()).add(new Linear(hidden, code)),
                new Sequential().add(new Linear(code, hidden)).add(ActivationLayer.tanh()).add(new Linear(hidden, features)));
    }

    public Sequential encoder() {
        return encoder;
    }

    public Sequential decoder() {
        return decoder;
    }

    /** The reconstruction of {@code x [N, F]}. */
    @Override
    public Tensor forward(Tensor x, Arena arena) {
        requireInput(x, -1, features);
        return decoder.forward(encoder.forward(x, arena), arena);
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        return encoder.backward(decoder.backward(gy, arena), arena);
    }

    /** The codes {@code [N, k]} of {@code x [N, F]}. */
    public Tensor encode(Tensor x, Arena arena) {
        requireInput(x, -1, features);
        return encoder.forward(x, arena);
    }

    /**
     * Trains on the rows of {@code x [N, F]} to reconstruct them; returns the last epoch's mean
     * training loss.
     */
    public double fit(Tensor x, Training t) {
        requireInput(x, -1, features);
        int n = Math.toIntExact(x.size(0));
        int f = Math.toIntExact(features);
        float[] rows = x.contiguous(Arena.ofAuto()).toFloatArray();
        int batches = (n + t.batchSize() - 1) / t.batchSize();
        SplittableRandom rnd = new SplittableRandom(t.seed());
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        MseLoss loss = new MseLoss();
        double last = Double.NaN;
        requireInputGradient(false);
        try (Adam opt = Adam.adamW(parameters(), (float) t.learningRate(), 0.9f, 0.999f, 1e-8f, (float) t.weightDecay(),
                false);
             StepArena step = new StepArena()) {
            LrScheduler schedule = new LrScheduler(opt, Schedule.warmupCosine(t.learningRate(), batches,
                    (long) t.epochs() * batches, 0));
            train();
            for (int epoch = 0; epoch < t.epochs(); epoch++) {
                for (int i = n - 1; i > 0; i--) {
                    int j = rnd.nextInt(i + 1);
                    int tmp = order[i];
                    order[i] = order[j];
                    order[j] = tmp;
                }
                double sum = 0;
                for (int b = 0; b < batches; b++) {
                    int from = b * t.batchSize();
                    int size = Math.min(t.batchSize(), n - from);
                    step.reset();
                    Tensor batch = Tensor.empty(step, size, f);
                    MemorySegment seg = batch.segment();
                    for (int r = 0; r < size; r++) {
                        MemorySegment.copy(rows, order[from + r] * f, seg, ValueLayout.JAVA_FLOAT, (long) r * f * Float.BYTES, f);
                    }
                    opt.zeroGrad();
                    sum += (double) loss.forward(forward(batch, step), batch, step) * size;
                    backward(loss.backward(step), step);
                    opt.step();
                    schedule.step();
                }
                last = sum / n;
            }
        } finally {
            requireInputGradient(true);
        }
        return last;
    }

    /** The mean squared error per element of reconstructing {@code x [N, F]}. */
    public double reconstructionError(Tensor x) {
        try (Arena arena = Arena.ofConfined()) {
            return new MseLoss().forward(forward(x, arena), x, arena);
        }
    }
}
