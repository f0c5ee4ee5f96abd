package dev.panamax.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;

import dev.panamax.kernels.parallel.WorkerPool;
import dev.panamax.nn.data.CharVocabulary;
import dev.panamax.nn.data.TokenBatch;
import dev.panamax.nn.data.Words;
import dev.panamax.nn.losses.CrossEntropyLoss;
import dev.panamax.nn.models.CharLanguageModel;
import dev.panamax.nn.models.CharNGram;
import dev.panamax.nn.optim.Adam;
import dev.panamax.nn.optim.GradientClipping;
import dev.panamax.nn.optim.LrScheduler;
import dev.panamax.nn.optim.Optimizer;
import dev.panamax.nn.optim.Schedule;
import dev.panamax.nn.tensor.StepArena;
import dev.panamax.nn.tensor.Tensor;
import dev.panamax.nn.train.Checkpoints;
import dev.panamax.nn.train.Trainer;

/**
 * {@code bin/panamax demo --model char-lstm}: a character-level LSTM language model on the bundled
 * English words (a seeded 90/10 split), trained with AdamW, warmup and cosine decay, and gradient
 * clipping; each epoch reports the held-out bits per character and perplexity beside character
 * bigram and trigram models counted on the same split; then new words sampled at a temperature,
 * and the checkpoint saved and reloaded to the same held-out figure.
 *
 * <p>Batches hold words of different lengths, run with per-sequence lengths (only valid steps
 * are computed) and a loss that ignores the padded positions.
 */
final class CharLstmDemo {

    static final int HIDDEN = 192;
    static final int LAYERS = 1;
    private static final double LN2 = Math.log(2);

    private CharLstmDemo() {
    }

    static int run(Demo.Options o, PrintStream out) throws IOException {
        CharVocabulary symbols = CharVocabulary.lowercase();
        List<List<String>> split = Words.split(Words.bundled(), 0.9, o.seed());
        List<String> train = split.get(0);
        List<String> test = split.get(1);
        double bigram = new CharNGram(symbols, 2, 0.1, train).bitsPerCharacter(test);
        double trigram = new CharNGram(symbols, 3, 0.1, train).bitsPerCharacter(test);
        out.printf("character LSTM language model on English words: %d training and %d held-out words (seed %d), "
                + "%d symbols%n", train.size(), test.size(), o.seed(), symbols.size());
        out.printf("model: embedding %d (tied to the output layer), LSTM %d x %d, batch %d, %d epochs, %d thread(s), AdamW "
                + "with warmup + cosine, gradient norm clipped at 1%n", HIDDEN, LAYERS, HIDDEN, o.batch(), o.epochs(),
                WorkerPool.threads());
        out.printf("baselines on the held-out words: bigram %.3f bits/char, trigram %.3f bits/char%n", bigram, trigram);
        CharLanguageModel model = new CharLanguageModel(symbols.size(), HIDDEN, HIDDEN, LAYERS, 0f, true);
        int batches = (train.size() + o.batch() - 1) / o.batch();
        long steps = (long) batches * o.epochs();
        double lr = 4e-3;
        Path file = o.out().resolve("char-lstm.safetensors");
        double heldOut;
        long t0 = System.nanoTime();
        try (Optimizer opt = Adam.adamW(model.parameters(), (float) lr, 0.9f, 0.999f, 1e-8f, 1e-4f, false);
             StepArena step = new StepArena()) {
            LrScheduler schedule = new LrScheduler(opt, Schedule.warmupCosine(lr, Math.min(200, steps / 10), steps, lr / 20));
            CrossEntropyLoss loss = new CrossEntropyLoss(null, 0f, TokenBatch.IGNORE);
            heldOut = Double.NaN;
            for (int epoch = 1; epoch <= o.epochs(); epoch++) {
                long e0 = System.nanoTime();
                List<List<String>> epochBatches = Words.shuffledBatches(train, o.batch(), new Random(o.seed() * 1000 + epoch));
                model.train();
                Progress progress = new Progress(out, batches);
                double nats = 0;
                long tokens = 0;
                for (int b = 0; b < batches; b++) {
                    List<String> words = epochBatches.get(b);
                    step.reset();
                    opt.zeroGrad();
                    TokenBatch batch = batch(words, symbols, step);
                    Tensor logits = model.forward(batch.inputs(), batch.lengths(), step);
                    float l = loss.forward(logits.view(-1, symbols.size()), batch.targets().view(-1), step);
                    model.backward(loss.backward(step).viewAs(logits), step);
                    GradientClipping.clipGradNorm(model.parameters(), 1f);
                    opt.step();
                    schedule.step();
                    long n = batch.tokens();
                    nats += (double) l * n;
                    tokens += n;
                    progress.update("epoch " + epoch, b + 1, String.format("%.3f bits/char", nats / tokens / LN2), tokens,
                            "chars");
                }
                progress.finish();
                heldOut = bitsPerCharacter(model, test, symbols);
                double seconds = (System.nanoTime() - e0) / 1e9;
                out.printf("epoch %d: train %.3f bits/char, held-out %.3f bits/char (perplexity %.2f; bigram %.3f, trigram %.3f)"
                        + " (%.1f s, %.0f chars/s)%n", epoch, nats / tokens / LN2, heldOut, Math.pow(2, heldOut), bigram, trigram,
                        seconds, tokens / seconds);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            out.printf("training: %.1f s; held-out %.3f bits/char is %.1f %% below the bigram model's %.3f%n", seconds, heldOut,
                    100 * (1 - heldOut / bigram), bigram);
            Set<String> known = new HashSet<>(train);
            known.addAll(test);
            try (Arena arena = Arena.ofConfined()) {
                List<String> samples = model.sample(symbols, 12, o.temperature(), 24, new SplittableRandom(o.seed()), arena);
                StringBuilder s = new StringBuilder();
                for (String w : samples) {
                    s.append(w.isEmpty() ? "(empty)" : w).append(known.contains(w) ? " " : "* ");
                }
                out.printf("sampled at temperature %.2f (* = not in the word list): %s%n", o.temperature(), s.toString().strip());
            }
            Checkpoints.save(file, model, opt, schedule, new Checkpoints.Contents(new Trainer.Position(o.epochs() + 1, 0, steps),
                    Map.of("model", "char-lstm", "seed", Long.toString(o.seed())), Map.of()));
            out.println("saved " + file);
        }
        CharLanguageModel fresh = new CharLanguageModel(symbols.size(), HIDDEN, HIDDEN, LAYERS, 0f, true);
        Checkpoints.load(file, fresh, null, null);
        double reloaded = bitsPerCharacter(fresh, test, symbols);
        out.printf("reloaded %s: held-out %.3f bits/char (%s)%n", file.getFileName(), reloaded,
                reloaded == heldOut ? "identical" : "DIFFERENT from " + heldOut);
        return reloaded == heldOut ? 0 : 1;
    }

    /** Inputs: the boundary, then the letters; targets: the letters, then the boundary. */
    static TokenBatch batch(List<String> words, CharVocabulary symbols, Arena arena) {
        List<long[]> in = new ArrayList<>(words.size());
        List<long[]> target = new ArrayList<>(words.size());
        for (String w : words) {
            long[] ids = symbols.encode(w);
            long[] x = new long[ids.length + 1];
            long[] y = new long[ids.length + 1];
            System.arraycopy(ids, 0, x, 1, ids.length);
            System.arraycopy(ids, 0, y, 0, ids.length);
            in.add(x);
            target.add(y);
        }
        return TokenBatch.of(in, target, 0, TokenBatch.IGNORE, arena);
    }

    /** Mean bits per predicted symbol over {@code words}, in evaluation mode. */
    static double bitsPerCharacter(CharLanguageModel model, List<String> words, CharVocabulary symbols) {
        model.eval();
        CrossEntropyLoss loss = new CrossEntropyLoss(null, 0f, TokenBatch.IGNORE);
        double nats = 0;
        long tokens = 0;
        try (StepArena step = new StepArena()) {
            for (int from = 0; from < words.size(); from += 1000) {
                step.reset();
                TokenBatch batch = batch(words.subList(from, Math.min(words.size(), from + 1000)), symbols, step);
                Tensor logits = model.forward(batch.inputs(), batch.lengths(), step);
                long n = batch.tokens();
                nats += (double) loss.forward(logits.view(-1, symbols.size()), batch.targets().view(-1), step) * n;
                tokens += n;
            }
        }
        model.train();
        return nats / tokens / LN2;
    }
}
