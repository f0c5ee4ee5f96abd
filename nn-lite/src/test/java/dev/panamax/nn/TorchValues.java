package dev.panamax.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Values PyTorch wrote for a test, one per line as {@code name v1 v2 ...} ({@code #} starts a
 * comment), read from a test resource; and the comparison the layer tests make against them.
 */
public final class TorchValues {

    private TorchValues() {
    }

    /** The named values of resource {@code path} (e.g. {@code /cells/lstm.txt}). */
    public static Map<String, float[]> read(String path) throws IOException {
        Map<String, float[]> values = new HashMap<>();
        try (InputStream in = TorchValues.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException("no test resource " + path);
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.trim().split(" ");
                float[] numbers = new float[parts.length - 1];
                for (int i = 1; i < parts.length; i++) {
                    numbers[i - 1] = Float.parseFloat(parts[i]);
                }
                values.put(parts[0], numbers);
            }
        }
        return values;
    }

    /** The shape stored under {@code key} (written as a list of sizes; none for a 0-d tensor). */
    public static long[] shape(Map<String, float[]> values, String key) {
        float[] sizes = values.get(key);
        long[] shape = new long[sizes.length];
        for (int d = 0; d < sizes.length; d++) {
            shape[d] = (long) sizes[d];
        }
        return shape;
    }

    /** Within 2e-6, relative beyond magnitude 1. */
    public static void assertClose(String what, float[] actual, float[] expected) {
        assertClose(what, actual, expected, 2e-6f);
    }

    /** Within {@code tolerance}, relative beyond magnitude 1. */
    public static void assertClose(String what, float[] actual, float[] expected, float tolerance) {
        assertThat(actual).as(what).hasSize(expected.length);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as("%s [%d]", what, i)
                    .isCloseTo(expected[i], within(tolerance * Math.max(1f, Math.abs(expected[i]))));
        }
    }
}
