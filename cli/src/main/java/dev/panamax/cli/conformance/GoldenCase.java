package dev.panamax.cli.conformance;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.panamax.nn.io.Npy;
import dev.panamax.nn.tensor.Tensor;

/**
 * One golden case: a folder with {@code case.json} and its {@code .npy} tensors, in the format of
 * the golden suite's FORMAT.md. Tensors are read on demand into the caller's arena.
 */
public final class GoldenCase {

    private final String id;
    private final Path dir;
    private final String op;
    private final JsonObject attrs;
    private final Map<String, String> inputs;
    private final Map<String, String> outputs;
    private final Map<String, String> gradOutputs;
    private final Map<String, String> grads;
    private final double rtol;
    private final double atol;

    private GoldenCase(Path dir, JsonObject json) {
        this.dir = dir;
        this.id = dir.getFileName().toString();
        this.op = json.get("op").getAsString();
        this.attrs = json.has("attrs") && json.get("attrs").isJsonObject() ? json.getAsJsonObject("attrs") : new JsonObject();
        this.inputs = names(json, "inputs");
        this.outputs = names(json, "outputs");
        this.gradOutputs = names(json, "grad_outputs");
        this.grads = names(json, "grads");
        JsonObject tol = json.getAsJsonObject("tolerance");
        this.rtol = tol.get("rtol").getAsDouble();
        this.atol = tol.get("atol").getAsDouble();
    }

    /** The largest case.json read: a case description is a few kilobytes. */
    private static final long MAX_JSON = 1 << 20;

    /** Reads {@code dir/case.json}. */
    public static GoldenCase load(Path dir) throws IOException {
        Path file = dir.resolve("case.json");
        long size = Files.size(file);
        if (size > MAX_JSON) {
            throw new IOException(file + " holds " + size + " bytes; a case description is at most " + MAX_JSON);
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IOException(file + " is not UTF-8 text", e);
        }
        JsonElement json;
        try {
            json = JsonParser.parseString(text);
        } catch (RuntimeException e) {
            throw new IOException(file + " is not valid JSON: " + e.getMessage(), e);
        }
        if (!json.isJsonObject() || !json.getAsJsonObject().has("op") || !json.getAsJsonObject().has("tolerance")) {
            throw new IOException(file + " lacks 'op' or 'tolerance'");
        }
        try {
            return new GoldenCase(dir, json.getAsJsonObject());
        } catch (RuntimeException e) {
            throw new IOException(file + ": a field has the wrong type: " + e);
        }
    }

    private static Map<String, String> names(JsonObject json, String key) {
        Map<String, String> m = new LinkedHashMap<>();
        if (json.has(key) && json.get(key).isJsonObject()) {
            for (Map.Entry<String, JsonElement> e : json.getAsJsonObject(key).entrySet()) {
                m.put(e.getKey(), e.getValue().getAsString());
            }
        }
        return m;
    }

    public String id() {
        return id;
    }

    public String op() {
        return op;
    }

    public double rtol() {
        return rtol;
    }

    public double atol() {
        return atol;
    }

    /** Names of the expected outputs. */
    public Map<String, String> outputs() {
        return outputs;
    }

    /** Names of the inputs whose gradients are expected. */
    public Map<String, String> grads() {
        return grads;
    }

    /** Whether the case has an input of this name. */
    public boolean hasInput(String name) {
        return inputs.containsKey(name);
    }

    /** A required input. */
    public Tensor input(String name, Arena arena) throws IOException {
        String file = inputs.get(name);
        if (file == null) {
            throw new IOException("case " + id + " has no input '" + name + "'");
        }
        return Npy.read(file(file), arena);
    }

    /** A file of the case, which must lie inside the case's folder. */
    private Path file(String name) throws IOException {
        if (name == null) {
            throw new IOException("case " + id + " names a tensor without a file");
        }
        Path p = dir.resolve(name).normalize();
        if (!p.startsWith(dir.normalize())) {
            throw new IOException("case " + id + ": file '" + name + "' lies outside the case's folder");
        }
        return p;
    }

    /** An optional input (absent means not used). */
    public Tensor optionalInput(String name, Arena arena) throws IOException {
        return inputs.containsKey(name) ? input(name, arena) : null;
    }

    /** The upstream gradient of an output, if the case has one. */
    public Optional<Tensor> gradOutput(String name, Arena arena) throws IOException {
        String file = gradOutputs.get(name);
        return file == null ? Optional.empty() : Optional.of(Npy.read(file(file), arena));
    }

    /** Whether any output has an upstream gradient (so backward is to be run). */
    public boolean hasBackward() {
        return !gradOutputs.isEmpty();
    }

    /** The expected value of an output. */
    public Tensor expectedOutput(String name, Arena arena) throws IOException {
        return Npy.read(file(outputs.get(name)), arena);
    }

    /** The expected gradient of an input. */
    public Tensor expectedGrad(String name, Arena arena) throws IOException {
        return Npy.read(file(grads.get(name)), arena);
    }

    // ---- attributes ----

    /** Whether the attribute is present and not null. */
    public boolean hasAttr(String name) {
        return attrs.has(name) && !attrs.get(name).isJsonNull();
    }

    // Every accessor turns a value of the wrong JSON type into an IllegalArgumentException naming
    // the case and the attribute, so a damaged case fails as itself and not as a Gson internal.

    public float floatAttr(String name, float fallback) {
        return hasAttr(name) ? convert(name, "a number", attrs.get(name), JsonElement::getAsFloat) : fallback;
    }

    public double doubleAttr(String name, double fallback) {
        return hasAttr(name) ? convert(name, "a number", attrs.get(name), JsonElement::getAsDouble) : fallback;
    }

    public long longAttr(String name, long fallback) {
        return hasAttr(name) ? convert(name, "an integer", attrs.get(name), GoldenCase::exactLong) : fallback;
    }

    /** An integer that fits an int (sizes, counts, dimensions). */
    public int intAttr(String name, int fallback) {
        return hasAttr(name) ? convert(name, "an integer in the int range", attrs.get(name), GoldenCase::exactInt) : fallback;
    }

    /**
     * A pair of ints such as a stride or a padding: {@code [a, b]}, or a single {@code a} (or
     * {@code [a]}) meaning {@code [a, a]}, as PyTorch's {@code _pair} takes it.
     */
    public int[] intPairAttr(String name, int fallback) {
        long[] v = longsAttr(name, fallback);
        if (v.length < 1 || v.length > 2) {
            throw wrongType(name, "an integer or an array of one or two integers", attrs.get(name));
        }
        int[] pair = new int[2];
        for (int i = 0; i < 2; i++) {
            long x = v[Math.min(i, v.length - 1)];
            if (x != (int) x) {
                throw wrongType(name, "an integer or an array of one or two integers in the int range", attrs.get(name));
            }
            pair[i] = (int) x;
        }
        return pair;
    }

    public boolean boolAttr(String name, boolean fallback) {
        return hasAttr(name) ? convert(name, "a boolean", attrs.get(name), GoldenCase::bool) : fallback;
    }

    public String stringAttr(String name, String fallback) {
        return hasAttr(name) ? convert(name, "a string", attrs.get(name), GoldenCase::string) : fallback;
    }

    /** An integer or null attribute. */
    public Long nullableLongAttr(String name) {
        return hasAttr(name) ? convert(name, "an integer", attrs.get(name), GoldenCase::exactLong) : null;
    }

    /** An array of integers (also accepts a single integer). */
    public long[] longsAttr(String name, long... fallback) {
        if (!hasAttr(name)) {
            return fallback;
        }
        JsonElement e = attrs.get(name);
        if (!e.isJsonArray()) {
            return new long[] {convert(name, "an integer or an array of integers", e, GoldenCase::exactLong)};
        }
        long[] out = new long[e.getAsJsonArray().size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = convert(name, "an array of integers", e.getAsJsonArray().get(i), GoldenCase::exactLong);
        }
        return out;
    }

    /** An array of floats. */
    public float[] floatsAttr(String name, float... fallback) {
        if (!hasAttr(name)) {
            return fallback;
        }
        JsonElement e = attrs.get(name);
        if (!e.isJsonArray()) {
            throw wrongType(name, "an array of numbers", e);
        }
        float[] out = new float[e.getAsJsonArray().size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = convert(name, "an array of numbers", e.getAsJsonArray().get(i), JsonElement::getAsFloat);
        }
        return out;
    }

    private <T> T convert(String name, String kind, JsonElement e, java.util.function.Function<JsonElement, T> f) {
        if (!e.isJsonPrimitive()) {
            throw wrongType(name, kind, e);
        }
        try {
            return f.apply(e);
        } catch (RuntimeException ex) {
            throw wrongType(name, kind, e);
        }
    }

    private IllegalArgumentException wrongType(String name, String kind, JsonElement e) {
        String shown = e.toString();
        return new IllegalArgumentException("case " + id + ": attribute '" + name + "' must be " + kind + ", got "
                + (shown.length() > 80 ? shown.substring(0, 80) + "..." : shown));
    }

    /** An integer, refusing fractions and values beyond a long (Gson would truncate or wrap them). */
    private static long exactLong(JsonElement e) {
        return e.getAsBigDecimal().longValueExact();
    }

    private static int exactInt(JsonElement e) {
        return e.getAsBigDecimal().intValueExact();
    }

    private static boolean bool(JsonElement e) {
        if (!e.getAsJsonPrimitive().isBoolean()) {
            throw new IllegalArgumentException();
        }
        return e.getAsBoolean();
    }

    private static String string(JsonElement e) {
        if (!e.getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException();
        }
        return e.getAsString();
    }

    @Override
    public String toString() {
        return id + " (" + op + ")";
    }
}
