package dev.panamax.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import dev.panamax.kernels.parallel.WorkerPool;
import dev.panamax.nn.data.CharVocabulary;
import dev.panamax.nn.data.TokenBatch;
import dev.panamax.nn.data.Words;
import dev.panamax.nn.losses.CrossEntropyLoss;
import dev.panamax.nn.layers.Block;
import dev.panamax.nn.layers.TransformerOptions;
import dev.panamax.nn.models.Seq2SeqGru;
import dev.panamax.nn.models.Seq2SeqTransformer;
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
 * {@code bin/panamax demo --model seq2seq} and {@code --model transformer}: an encoder-decoder
 * learns to spell words backwards ("panamax" to "xamanap") on the bundled words of 3 to 8 letters
 * (a seeded 90/10 split), a GRU one or a transformer; teacher forcing in training, greedy decoding
 * at test (the transformer through its key/value cache); each epoch reports the exact-match
 * accuracy on the held-out words; then examples, and the checkpoint saved and reloaded to the same
 * accuracy. The two models run the same task in the same loop, so their figures compare.
 */
final class Seq2SeqDemo {

    static final int MIN_LETTERS = 3;
    static final int MAX_LETTERS = 8;

    /** What the loop needs of a model: teacher-forced logits with their targets, backward, greedy decoding. */
    interface Model {
        /** Logits {@code [M, V]} and targets {@code [M]} (ignored positions -100) of a batch of words. */
        Tensor[] logits(List<String> words, CharVocabulary symbols, Arena arena);

        void backward(Tensor gLogits, Arena arena);

        List<String> greedy(List<String> words, CharVocabulary symbols, Arena arena);

        Block block();

        String describe(Demo.Options o);
    }

    /** The GRU encoder-decoder. */
    static Model gru(CharVocabulary symbols) {
        Seq2SeqGru m = new Seq2SeqGru(symbols.size(), 64, 256, 1);
        return new Model() {
            private long[] shape;

            @Override
            public Tensor[] logits(List<String> words, CharVocabulary v, Arena arena) {
                TokenBatch src = sources(words, v, arena);
                TokenBatch tgt = targets(words, v, arena);
                Tensor l = m.forward(src.inputs(), src.lengths(), tgt.inputs(), tgt.lengths(), arena);
                shape = l.shape();
                return new Tensor[] {l.view(-1, v.size()), tgt.targets().view(-1)};
            }

            @Override
            public void backward(Tensor g, Arena arena) {
                m.backward(g.view(shape), arena);
            }

            @Override
            public List<String> greedy(List<String> words, CharVocabulary v, Arena arena) {
                TokenBatch src = sources(words, v, arena);
                return m.greedy(src.inputs(), src.lengths(), v, MAX_LETTERS + 2, arena);
            }

            @Override
            public Block block() {
                return m;
            }

            @Override
            public String describe(Demo.Options o) {
                return "GRU encoder-decoder: embeddings 64, encoder and decoder GRU 256";
            }
        };
    }

    /** The transformer encoder-decoder. */
    static Model transformer(CharVocabulary symbols) {
        TransformerOptions opts = TransformerOptions.of(128, 4).dimFeedforward(256).dropout(0f).activation("gelu");
        Seq2SeqTransformer m = new Seq2SeqTransformer(symbols.size(), MAX_LETTERS + 2, opts, 2, 2);
        return new Model() {
            private long[] shape;

            @Override
            public Tensor[] logits(List<String> words, CharVocabulary v, Arena arena) {
                TokenBatch src = sources(words, v, arena);
                TokenBatch tgt = targets(words, v, arena);
                Tensor l = m.forward(batchFirst(src.inputs(), arena), padding(src, arena), batchFirst(tgt.inputs(), arena), arena);
                shape = l.shape();
                return new Tensor[] {l.view(-1, v.size()), batchFirst(tgt.targets(), arena).view(-1)};
            }

            @Override
            public void backward(Tensor g, Arena arena) {
                m.backward(g.view(shape), arena);
            }

            @Override
            public List<String> greedy(List<String> words, CharVocabulary v, Arena arena) {
                TokenBatch src = sources(words, v, arena);
                return m.greedy(batchFirst(src.inputs(), arena), padding(src, arena), v, MAX_LETTERS + 2, arena);
            }

            @Override
            public Block block() {
                return m;
            }

            @Override
            public String describe(Demo.Options o) {
                return "transformer: width 128, 4 heads, feed-forward 256, 2 encoder and 2 decoder layers (pre-norm, GELU), "
                        + "learned positions";
            }
        };
    }

    static Tensor batchFirst(Tensor seqFirst, Arena arena) {
        return seqFirst.transpose(0, 1).contiguous(arena);
    }

    /** {@code [N, S]} int64, 1 where a source is padded past its length. */
    static Tensor padding(TokenBatch src, Arena arena) {
        long n = src.size();
        long s = src.steps();
        long[] lengths = src.lengths().toLongArray();
        long[] flags = new long[(int) (n * s)];
        for (int i = 0; i < n; i++) {
            for (long t = lengths[i]; t < s; t++) {
                flags[(int) (i * s + t)] = 1;
            }
        }
        return Tensor.ofLongs(arena, flags, n, s);
    }

    private Seq2SeqDemo() {
    }

    static int run(Demo.Options o, PrintStream out, boolean transformer) throws IOException {
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
        Model model = transformer ? transformer(symbols) : gru(symbols);
        String name = transformer ? "transformer" : "seq2seq";
        out.printf("%s spelling words backwards: %d training and %d held-out words of %d to %d letters (seed %d)%n",
                transformer ? "transformer encoder-decoder" : "GRU encoder-decoder", train.size(), test.size(), MIN_LETTERS,
                MAX_LETTERS, o.seed());
        out.printf("model: %s; batch %d, %d epochs, %d thread(s), AdamW with warmup + cosine, gradient norm clipped at 1; "
                + "teacher forcing in training, greedy decoding at test%n", model.describe(o), o.batch(), o.epochs(), WorkerPool.threads());
        int batches = (train.size() + o.batch() - 1) / o.batch();
        long steps = (long) batches * o.epochs();
        double lr = transformer ? 1e-3 : 3e-3;
        Path file = o.out().resolve(name + ".safetensors");
        double accuracy = Double.NaN;
        long t0 = System.nanoTime();
        try (Optimizer opt = Adam.adamW(model.block().parameters(), (float) lr, 0.9f, 0.999f, 1e-8f, 1e-4f, false);
             StepArena step = new StepArena()) {
            LrScheduler schedule = new LrScheduler(opt, Schedule.warmupCosine(lr, Math.min(200, steps / 10), steps, lr / 20));
            CrossEntropyLoss loss = new CrossEntropyLoss(null, 0f, TokenBatch.IGNORE);
            for (int epoch = 1; epoch <= o.epochs(); epoch++) {
                long e0 = System.nanoTime();
                List<List<String>> epochBatches = Words.shuffledBatches(train, o.batch(), new Random(o.seed() * 1000 + epoch));
                Progress progress = new Progress(out, batches);
                double sum = 0;
                long tokens = 0;
                for (int b = 0; b < batches; b++) {
                    List<String> batch = epochBatches.get(b);
                    step.reset();
                    opt.zeroGrad();
                    Tensor[] lt = model.logits(batch, symbols, step);
                    float l = loss.forward(lt[0], lt[1], step);
                    model.backward(loss.backward(step), step);
                    GradientClipping.clipGradNorm(model.block().parameters(), 1f);
                    opt.step();
                    schedule.step();
                    long n = tokens(batch);
                    sum += (double) l * n;
                    tokens += n;
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
                List<String> got = model.greedy(few, symbols, arena);
                StringBuilder s = new StringBuilder();
                for (int i = 0; i < few.size(); i++) {
                    s.append(few.get(i)).append(" -> ").append(got.get(i))
                            .append(got.get(i).equals(reverse(few.get(i))) ? "" : " (wrong)").append(i + 1 < few.size() ? ", " : "");
                }
                out.println("examples: " + s);
            }
            Checkpoints.save(file, model.block(), opt, schedule, new Checkpoints.Contents(new Trainer.Position(o.epochs() + 1, 0,
                    steps), Map.of("model", name, "task", "reverse", "seed", Long.toString(o.seed())), Map.of()));
            out.println("saved " + file);
        }
        Model fresh = transformer ? transformer(symbols) : gru(symbols);
        Checkpoints.load(file, fresh.block(), null, null);
        double reloaded = exactMatch(fresh, test, symbols);
        out.printf("reloaded %s: held-out exact match %.2f %% (%s)%n", file.getFileName(), 100 * reloaded,
                reloaded == accuracy ? "identical" : "DIFFERENT from " + 100 * accuracy + " %");
        return reloaded == accuracy ? 0 : 1;
    }

    static String reverse(String w) {
        return new StringBuilder(w).reverse().toString();
    }

    /** The encoder's input: the word's letters. */
    static TokenBatch sources(List<String> words, CharVocabulary symbols, Arena arena) {
        List<long[]> in = new ArrayList<>(words.size());
        for (String w : words) {
            in.add(symbols.encode(w));
        }
        return TokenBatch.of(in, null, 0, TokenBatch.IGNORE, arena);
    }

    /** The decoder's inputs (the boundary, then the reversed word) and targets (the reversed word, then the boundary). */
    static TokenBatch targets(List<String> words, CharVocabulary symbols, Arena arena) {
        return CharLstmDemo.batch(words.stream().map(Seq2SeqDemo::reverse).toList(), symbols, arena);
    }

    /** Predicted symbols of a batch: every letter and the final boundary. */
    static long tokens(List<String> words) {
        long n = 0;
        for (String w : words) {
            n += w.length() + 1;
        }
        return n;
    }

    /** The share of {@code words} whose greedy decoding is exactly the reversed word. */
    static double exactMatch(Model model, List<String> words, CharVocabulary symbols) {
        int right = 0;
        try (StepArena step = new StepArena()) {
            for (int from = 0; from < words.size(); from += 1000) {
                step.reset();
                List<String> chunk = words.subList(from, Math.min(words.size(), from + 1000));
                List<String> got = model.greedy(chunk, symbols, step);
                for (int i = 0; i < chunk.size(); i++) {
                    right += got.get(i).equals(reverse(chunk.get(i))) ? 1 : 0;
                }
            }
        }
        return (double) right / words.size();
    }
}
