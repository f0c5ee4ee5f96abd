package dev.panamax.nn.data;

import java.util.Arrays;

/**
 * The symbols of a character-level model and their ids. Id 0 is the boundary symbol {@code '.'},
 * which stands before the first character of a word (the model's first input) and after its last
 * (the model's last target), as in character language models such as makemore.
 */
public final class CharVocabulary {

    /** The boundary symbol, id 0. */
    public static final char BOUNDARY = '.';

    private final String symbols;
    private final int[] ids = new int[128];

    private CharVocabulary(String symbols) {
        this.symbols = symbols;
        Arrays.fill(ids, -1);
        for (int i = 0; i < symbols.length(); i++) {
            char ch = symbols.charAt(i);
            if (ch >= 128 || ids[ch] >= 0) {
                throw new IllegalArgumentException("symbols must be distinct ASCII characters, got '" + symbols + "'");
            }
            ids[ch] = i;
        }
    }

    /** The boundary and the 26 lowercase letters: 27 symbols. */
    public static CharVocabulary lowercase() {
        return of("abcdefghijklmnopqrstuvwxyz");
    }

    /** The boundary followed by {@code letters}. */
    public static CharVocabulary of(String letters) {
        return new CharVocabulary(BOUNDARY + letters);
    }

    /** Symbols, the boundary included. */
    public int size() {
        return symbols.length();
    }

    /** The id of a symbol. */
    public int id(char ch) {
        int i = ch < 128 ? ids[ch] : -1;
        if (i < 0) {
            throw new IllegalArgumentException("'" + ch + "' is not in the vocabulary \"" + symbols + "\"");
        }
        return i;
    }

    public char symbol(int id) {
        return symbols.charAt(id);
    }

    /** Whether every character of {@code word} is a symbol other than the boundary. */
    public boolean covers(String word) {
        for (int i = 0; i < word.length(); i++) {
            char ch = word.charAt(i);
            if (ch >= 128 || ids[ch] <= 0) {
                return false;
            }
        }
        return true;
    }

    /** The ids of {@code word}'s characters. */
    public long[] encode(CharSequence word) {
        long[] out = new long[word.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = id(word.charAt(i));
        }
        return out;
    }

    /** The characters of {@code ids}. */
    public String decode(long[] ids) {
        StringBuilder s = new StringBuilder(ids.length);
        for (long i : ids) {
            s.append(symbol((int) i));
        }
        return s.toString();
    }
}
