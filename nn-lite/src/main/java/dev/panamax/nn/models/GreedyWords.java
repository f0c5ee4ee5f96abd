package dev.panamax.nn.models;

import java.util.ArrayList;
import java.util.List;

import dev.panamax.nn.data.CharVocabulary;

/**
 * The words a greedy decoder writes for a batch: at each step the most likely symbol of each
 * word, appended until the word's first boundary symbol (id 0); the batch is done when every
 * word has ended.
 */
final class GreedyWords {

    private final CharVocabulary symbols;
    private final StringBuilder[] words;
    private final boolean[] ended;
    private int open;

    GreedyWords(int count, CharVocabulary symbols) {
        this.symbols = symbols;
        this.words = new StringBuilder[count];
        this.ended = new boolean[count];
        this.open = count;
        for (int i = 0; i < count; i++) {
            words[i] = new StringBuilder();
        }
    }

    /** Word {@code i}'s next symbol from its logits: the most likely one, which the decoder reads next. */
    int next(int i, float[] logits) {
        int best = 0;
        for (int k = 1; k < logits.length; k++) {
            best = logits[k] > logits[best] ? k : best;
        }
        if (!ended[i]) {
            if (best == 0) {
                ended[i] = true;
                open--;
            } else {
                words[i].append(symbols.symbol(best));
            }
        }
        return best;
    }

    boolean allEnded() {
        return open == 0;
    }

    List<String> words() {
        List<String> out = new ArrayList<>(words.length);
        for (StringBuilder w : words) {
            out.add(w.toString());
        }
        return out;
    }
}
