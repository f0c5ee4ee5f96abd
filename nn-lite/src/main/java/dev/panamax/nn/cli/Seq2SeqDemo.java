package dev.panamax.nn.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

import dev.panamax.nn.data.CharVocabulary;
import dev.panamax.nn.data.TokenBatch;
import dev.panamax.nn.data.Words;
import dev.panamax.nn.losses.CrossEntropyLoss;
import dev.panamax.nn.models.Seq2SeqGru;
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
 * {@code bin/panamax demo --model seq2seq}: a GRU encoder-decoder learns to spell words backwards
 * ("panamax" to "xamanap"), on the bundled words of 3 to 8 letters (a seeded 90/10 split); teacher
 * forcing in training, greedy decoding at test; each epoch reports the exact-match accuracy on the
 * held-out words; then examples, and the checkpoint saved and reloaded to the same accuracy.
 */
final class Seq2SeqDemo {

    static final int EMBED = 64;
    static final int HIDDEN = 256;
    static final int MIN_LETTERS = 3;
    static final int MAX_LETTERS = 8;

    private Seq2SeqDemo() {
    }

    static int run(Demo.Options o, PrintStream out) throws IOException {
        CharVocabulary symbols = CharVocabulary.lowercase();
        List<String> words = new ArrayList<>();
        for (String w : Words.bundled()) {
            if (w.length() >= MIN_LETTERS && w.length() <= MAX_LETTERS) {
                words.add(w);
            }
        }
        List<List<String>> split = Words.split(words, 0.9, o.seed());
        List<String> train = split.get(0);
        List<String> test = split.get(1);
        out.printf("GRU encoder-decoder spelling words backwards: %d training and %d held-out words of %d to %d letters "
                + "(seed %d)%n", train.size(), test.size(), MIN_LETTERS, MAX_LETTERS, o.seed());
        out.printf("model: embeddings %d, encoder and decoder GRU %d, batch %d, %d epochs, %d thread(s), AdamW with warmup + "
                + "cosine, gradient norm clipped at 1; teacher forcing in training, greedy decoding at test%n", EMBED, HIDDEN,
                o.batch(), o.epochs(), o.threads());
        Seq2SeqGru model = new Seq2SeqGru(symbols.size(), EMBED, HIDDEN, 1);
        int batches = (train.size() + o.batch() - 1) / o.batch();
        long steps = (long) batches * o.epochs();
        double lr = 3e-3;
        Path file = o.out().resolve("seq2seq.safetensors");
        double accuracy = Double.NaN;
        long t0 = System.nanoTime();
        try (Optimizer opt = Adam.adamW(model.parameters(), (float) lr, 0.9f, 0.999f, 1e-8f, 1e-4f, false);
             StepArena step = new StepArena()) {
            LrScheduler schedule = new LrScheduler(opt, Schedule.warmupCosine(lr, Math.min(200, steps / 10), steps, lr / 20));
            CrossEntropyLoss loss = new CrossEntropyLoss(null, 0f, TokenBatch.IGNORE);
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < train.size(); i++) {
                order.add(i);
            }
            for (int epoch = 1; epoch <= o.epochs(); epoch++) {
                long e0 = System.nanoTime();
                Collections.shuffle(order, new Random(o.seed() * 1000 + epoch));
                Progress progress = new Progress(out, batches);
                double sum = 0;
                long tokens = 0;
                for (int b = 0; b < batches; b++) {
                    List<String> batch = new ArrayList<>();
                    for (int i = b * o.batch(); i < Math.min(train.size(), (b + 1) * o.batch()); i++) {
                        batch.add(train.get(order.get(i)));
                    }
                    step.reset();
                    opt.zeroGrad();
                    TokenBatch src = sources(batch, symbols, step);
                    TokenBatch tgt = targets(batch, symbols, step);
                    Tensor logits = model.forward(src.inputs(), src.lengths(), tgt.inputs(), tgt.lengths(), step);
                    float l = loss.forward(logits.view(-1, symbols.size()), tgt.targets().view(-1), step);
                    model.backward(loss.backward(step).view(logits.shape()), step);
                    GradientClipping.clipGradNorm(model.parameters(), 1f);
                    opt.step();
                    schedule.step();
                    sum += (double) l * tgt.tokens();
                    tokens += tgt.tokens();
                    progress.update("epoch " + epoch, b + 1, String.format("loss %.4f", sum / tokens), (b + 1.0) * o.batch(),
                            "words");
                }
                progress.finish();
                accuracy = exactMatch(model, test, symbols);
                double seconds = (System.nanoTime() - e0) / 1e9;
                out.printf("epoch %d: train loss %.4f, held-out exact match %.2f %% (%.1f s, %.0f words/s)%n", epoch, sum / tokens,
                        100 * accuracy, seconds, train.size() / seconds);
            }
            out.printf("training: %.1f s; held-out exact match %.2f %% on %d words%n", (System.nanoTime() - t0) / 1e9,
                    100 * accuracy, test.size());
            try (StepArena arena = new StepArena()) {
                List<String> few = test.subList(0, Math.min(8, test.size()));
                TokenBatch src = sources(few, symbols, arena);
                List<String> got = model.greedy(src.inputs(), src.lengths(), symbols, MAX_LETTERS + 2, arena);
                StringBuilder s = new StringBuilder();
                for (int i = 0; i < few.size(); i++) {
                    s.append(few.get(i)).append(" -> ").append(got.get(i))
                            .append(got.get(i).equals(reverse(few.get(i))) ? "" : " (wrong)").append(i + 1 < few.size() ? ", " : "");
                }
                out.println("examples: " + s);
            }
            Checkpoints.save(file, model, opt, schedule, new Checkpoints.Contents(new Trainer.Position(o.epochs() + 1, 0, steps),
                    Map.of("model", "seq2seq", "task", "reverse", "seed", Long.toString(o.seed())), Map.of()));
            out.println("saved " + file);
        }
        Seq2SeqGru fresh = new Seq2SeqGru(symbols.size(), EMBED, HIDDEN, 1);
        Checkpoints.load(file, fresh, null, null);
        double reloaded = exactMatch(fresh, test, symbols);
        out.printf("reloaded %s: held-out exact match %.2f %% (%s)%n", file.getFileName(), 100 * reloaded,
                reloaded == accuracy ? "identical" : "DIFFERENT from " + 100 * accuracy + " %");
        return reloaded == accuracy ? 0 : 1;
    }

    static String reverse(String w) {
        return new StringBuilder(w).reverse().toString();
    }

    /** The encoder's input: the word's letters. */
    static TokenBatch sources(List<String> words, CharVocabulary symbols, java.lang.foreign.Arena arena) {
        List<long[]> in = new ArrayList<>(words.size());
        for (String w : words) {
            in.add(symbols.encode(w));
        }
        return TokenBatch.of(in, null, 0, TokenBatch.IGNORE, arena);
    }

    /** The decoder's inputs (the boundary, then the reversed word) and targets (the reversed word, then the boundary). */
    static TokenBatch targets(List<String> words, CharVocabulary symbols, java.lang.foreign.Arena arena) {
        List<long[]> in = new ArrayList<>(words.size());
        List<long[]> target = new ArrayList<>(words.size());
        for (String w : words) {
            long[] ids = symbols.encode(reverse(w));
            long[] x = new long[ids.length + 1];
            long[] y = new long[ids.length + 1];
            System.arraycopy(ids, 0, x, 1, ids.length);
            System.arraycopy(ids, 0, y, 0, ids.length);
            in.add(x);
            target.add(y);
        }
        return TokenBatch.of(in, target, 0, TokenBatch.IGNORE, arena);
    }

    /** The share of {@code words} whose greedy decoding is exactly the reversed word. */
    static double exactMatch(Seq2SeqGru model, List<String> words, CharVocabulary symbols) {
        int right = 0;
        try (StepArena step = new StepArena()) {
            for (int from = 0; from < words.size(); from += 1000) {
                step.reset();
                List<String> chunk = words.subList(from, Math.min(words.size(), from + 1000));
                TokenBatch src = sources(chunk, symbols, step);
                List<String> got = model.greedy(src.inputs(), src.lengths(), symbols, MAX_LETTERS + 2, step);
                for (int i = 0; i < chunk.size(); i++) {
                    right += got.get(i).equals(reverse(chunk.get(i))) ? 1 : 0;
                }
            }
        }
        return (double) right / words.size();
    }
}
