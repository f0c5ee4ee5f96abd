package dev.panamax.nn.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;

/**
 * Word lists for character-level models: the bundled English list (63,875 lowercase words from
 * SCOWL, see {@code dev/panamax/nn/data/text/README.md} and its licence beside it), or any file
 * with one word a line, gzip or not; and a seeded split into training and held-out words.
 */
public final class Words {

    private static final String BUNDLED = "/dev/panamax/nn/data/text/words-en.txt.gz";

    private Words() {
    }

    /** The bundled English word list, in its alphabetical order. */
    public static List<String> bundled() throws IOException {
        try (InputStream in = Words.class.getResourceAsStream(BUNDLED)) {
            if (in == null) {
                throw new IOException("the bundled word list " + BUNDLED + " is missing from the class path");
            }
            return read(new GZIPInputStream(in), BUNDLED);
        }
    }

    /** One word a line (blank lines skipped); gzip is recognised by its magic bytes. */
    public static List<String> read(Path file) throws IOException {
        try (InputStream raw = Files.newInputStream(file)) {
            InputStream in = new java.io.BufferedInputStream(raw);
            in.mark(2);
            boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
            in.reset();
            return read(gzip ? new GZIPInputStream(in) : in, file.toString());
        }
    }

    private static List<String> read(InputStream in, String name) throws IOException {
        List<String> words = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                String w = line.strip();
                if (!w.isEmpty()) {
                    words.add(w);
                }
            }
        }
        if (words.isEmpty()) {
            throw new IOException(name + " holds no words");
        }
        return words;
    }

    /**
     * {@code [train, held out]}: the words shuffled with {@code seed}, the first
     * {@code trainFraction} of them for training.
     */
    public static List<List<String>> split(List<String> words, double trainFraction, long seed) {
        if (!(trainFraction > 0 && trainFraction < 1)) {
            throw new IllegalArgumentException("trainFraction must be in (0, 1), got " + trainFraction);
        }
        List<String> shuffled = new ArrayList<>(words);
        Collections.shuffle(shuffled, new Random(seed));
        int cut = (int) Math.round(shuffled.size() * trainFraction);
        return List.of(List.copyOf(shuffled.subList(0, cut)), List.copyOf(shuffled.subList(cut, shuffled.size())));
    }

    /**
     * The words in batches of {@code batch} (the last one shorter), in an order shuffled by
     * {@code rng}: one epoch of a training loop over words.
     */
    public static List<List<String>> shuffledBatches(List<String> words, int batch, java.util.Random rng) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
        List<String> order = new java.util.ArrayList<>(words);
        java.util.Collections.shuffle(order, rng);
        List<List<String>> out = new java.util.ArrayList<>();
        for (int i = 0; i < order.size(); i += batch) {
            out.add(order.subList(i, Math.min(order.size(), i + batch)));
        }
        return out;
    }
}
