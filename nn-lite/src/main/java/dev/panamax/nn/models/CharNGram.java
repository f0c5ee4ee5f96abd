package dev.panamax.nn.models;

import java.util.List;

import dev.panamax.nn.data.CharVocabulary;

/**
 * A character n-gram model of words with add-k smoothing: the baseline a character language
 * model must beat. Each word is read as {@code n - 1} boundary symbols, its letters, and one
 * boundary symbol at the end; the probability of a symbol given the {@code n - 1} before it is
 * {@code (count + k) / (context count + k V)}.
 */
public final class CharNGram {

    private final CharVocabulary symbols;
    private final int order;
    private final double k;
    private final java.util.Map<Long, int[]> counts = new java.util.HashMap<>();

    /**
     * Counts the n-grams of {@code words}.
     *
     * @param order 2 for a bigram model, 3 for a trigram model, ...
     * @param k     the add-k smoothing constant, > 0
     */
    public CharNGram(CharVocabulary symbols, int order, double k, List<String> words) {
        if (order < 1 || order > 6 || !(k > 0)) {
            throw new IllegalArgumentException("order must be in [1, 6] and k > 0, got " + order + " and " + k);
        }
        this.symbols = symbols;
        this.order = order;
        this.k = k;
        for (String w : words) {
            long[] ids = padded(w);
            for (int i = order - 1; i < ids.length; i++) {
                counts.computeIfAbsent(context(ids, i), unused -> new int[symbols.size() + 1])[(int) ids[i]]++;
            }
        }
        counts.values().forEach(c -> {
            int total = 0;
            for (int s = 0; s < symbols.size(); s++) {
                total += c[s];
            }
            c[symbols.size()] = total;
        });
    }

    /** Mean bits per predicted symbol (every letter and the final boundary) over {@code words}. */
    public double bitsPerCharacter(List<String> words) {
        double bits = 0;
        long n = 0;
        int v = symbols.size();
        for (String w : words) {
            long[] ids = padded(w);
            for (int i = order - 1; i < ids.length; i++) {
                int[] c = counts.get(context(ids, i));
                double p = ((c == null ? 0 : c[(int) ids[i]]) + k) / ((c == null ? 0 : c[v]) + k * v);
                bits -= Math.log(p) / Math.log(2);
                n++;
            }
        }
        return bits / n;
    }

    private long[] padded(String word) {
        long[] ids = new long[order - 1 + word.length() + 1];
        long[] letters = symbols.encode(word);
        System.arraycopy(letters, 0, ids, order - 1, letters.length);
        return ids;                                  // boundaries (id 0) before and after
    }

    private long context(long[] ids, int i) {
        long key = 0;
        for (int j = i - order + 1; j < i; j++) {
            key = key * 64 + ids[j];
        }
        return key;
    }
}
