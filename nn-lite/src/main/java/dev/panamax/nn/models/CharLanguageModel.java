package dev.panamax.nn.models;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

import dev.panamax.nn.data.CharVocabulary;
import dev.panamax.nn.layers.Embedding;
import dev.panamax.nn.layers.LSTM;
import dev.panamax.nn.layers.Layer;
import dev.panamax.nn.layers.Linear;
import dev.panamax.nn.layers.RecurrentOptions;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * A character-level language model: {@code embed} (token ids to vectors), {@code lstm} (stacked
 * LSTM), {@code fc} (to one logit per symbol). Input token ids {@code [T, N]} sequence-first,
 * optional lengths {@code [N]}; output logits {@code [T, N, V]}. The names are those of the golden
 * {@code model_char_lstm}, so its PyTorch weights load as they are.
 *
 * <p>With {@code tieWeights} the output layer reuses the embedding table as its weight (Press and
 * Wolf, "Using the Output Embedding to Improve Language Models"): one {@code [V, H]} parameter
 * trained by both ends, which needs the embedding size equal to the hidden size.
 */
public final class CharLanguageModel extends Layer {

    private final long vocab;
    private final Embedding embed;
    private final LSTM lstm;
    private final Linear fc;

    /** As the golden {@code model_char_lstm}: untied, no dropout. */
    public CharLanguageModel(long vocab, long embedDim, long hidden, int layers) {
        this(vocab, embedDim, hidden, layers, 0f, false);
    }

    public CharLanguageModel(long vocab, long embedDim, long hidden, int layers, float dropout, boolean tieWeights) {
        if (tieWeights && embedDim != hidden) {
            throw new IllegalArgumentException("tied weights need embed_dim == hidden_size, got " + embedDim + " and " + hidden);
        }
        this.vocab = vocab;
        this.embed = child("embed", new Embedding(vocab, embedDim));
        this.lstm = child("lstm", new LSTM(embedDim, hidden, RecurrentOptions.defaults().layers(layers).dropout(dropout)));
        this.fc = child("fc", tieWeights ? Linear.tiedTo(embed.weight(), true) : new Linear(hidden, vocab));
    }

    /** Logits {@code [T, N, V]} for token ids {@code [T, N]}, every sequence running all T steps. */
    @Override
    public Tensor forward(Tensor tokens, Arena arena) {
        return forward(tokens, null, arena);
    }

    /** Logits {@code [T, N, V]}; with lengths, the steps past a sequence's length are not run (their logits are the bias). */
    public Tensor forward(Tensor tokens, Tensor lengths, Arena arena) {
        Tensor e = embed.forward(tokens, arena);
        Tensor y = lstm.forward(e, null, null, lengths, arena).y();
        return fc.forward(y, arena);
    }

    /** Accumulates every parameter's gradient; the input is token ids, so there is no input gradient (null). */
    @Override
    public Tensor backward(Tensor gLogits, Arena arena) {
        Tensor gy = fc.backward(gLogits, arena);
        Tensor ge = lstm.backward(gy, arena);
        return embed.backward(ge, arena);
    }

    /**
     * Samples {@code count} words, one character at a time from {@code softmax(logits / temperature)},
     * each starting after the boundary symbol and ending at the next one (or after
     * {@code maxLength} characters). Runs in evaluation mode; the mode is restored afterwards.
     */
    public List<String> sample(CharVocabulary symbols, int count, float temperature, int maxLength, RandomGenerator rng,
                               Arena arena) {
        if (symbols.size() != vocab || count < 1 || !(temperature > 0) || maxLength < 1) {
            throw new IllegalArgumentException("sample needs a vocabulary of " + vocab + " symbols, count >= 1, temperature > 0"
                    + " and maxLength >= 1; got " + symbols.size() + ", " + count + ", " + temperature + ", " + maxLength);
        }
        boolean wasTraining = isTraining();
        eval();
        try {
            StringBuilder[] words = new StringBuilder[count];
            boolean[] done = new boolean[count];
            for (int i = 0; i < count; i++) {
                words[i] = new StringBuilder();
            }
            Tensor tokens = Tensor.zeros(arena, DType.INT64, 1, count);     // all start at the boundary, id 0
            Tensor h = null;
            Tensor c = null;
            double[] p = new double[(int) vocab];
            for (int step = 0; step < maxLength; step++) {
                var out = lstm.forward(embed.forward(tokens, arena), h, c, null, arena);
                h = out.hn();
                c = out.cn();
                Tensor logits = fc.forward(out.y(), arena);
                boolean all = true;
                for (int i = 0; i < count; i++) {
                    int next = draw(logits.select(0, 0).select(0, i), temperature, rng, p);
                    tokens.setLong(next, 0, i);
                    if (!done[i]) {
                        if (next == 0) {
                            done[i] = true;
                        } else {
                            words[i].append(symbols.symbol(next));
                        }
                    }
                    all &= done[i];
                }
                if (all) {
                    break;
                }
            }
            List<String> result = new ArrayList<>();
            for (StringBuilder w : words) {
                result.add(w.toString());
            }
            return result;
        } finally {
            train(wasTraining);
        }
    }

    private static int draw(Tensor logits, float temperature, RandomGenerator rng, double[] p) {
        float[] l = logits.toFloatArray();
        double max = Double.NEGATIVE_INFINITY;
        for (float v : l) {
            max = Math.max(max, v / temperature);
        }
        double sum = 0;
        for (int k = 0; k < l.length; k++) {
            p[k] = Math.exp(l[k] / temperature - max);
            sum += p[k];
        }
        double u = rng.nextDouble() * sum;
        for (int k = 0; k < l.length; k++) {
            u -= p[k];
            if (u <= 0) {
                return k;
            }
        }
        return l.length - 1;
    }

    @Override
    public String family() {
        return "recurrent";
    }
}
