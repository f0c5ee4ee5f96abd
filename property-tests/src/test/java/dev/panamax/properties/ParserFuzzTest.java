package dev.panamax.properties;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.panamax.cli.conformance.ConformanceRunner;
import dev.panamax.nn.data.Csv;
import dev.panamax.nn.data.Idx;
import dev.panamax.nn.io.Npy;
import dev.panamax.nn.io.SafeTensors;
import dev.panamax.nn.layers.Dropout;
import dev.panamax.nn.layers.Linear;
import dev.panamax.nn.layers.Sequential;
import dev.panamax.nn.optim.LrScheduler;
import dev.panamax.nn.optim.Schedule;
import dev.panamax.nn.optim.Sgd;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;
import dev.panamax.nn.train.Checkpoints;

/**
 * Every file format Panamax reads, fed arbitrary bytes: the only acceptable outcomes are a
 * parsed value that survives a round trip, or an {@link IOException} with a message. No other
 * exception, no out-of-memory error from a size a header declares, no hang. The checkpoint target
 * also fuzzes the state inside a correctly signed file, and checks that a refused load leaves the
 * model as it was; the case target runs fuzzed {@code case.json} files over real cases' tensors
 * through the conformance runner, which must report them, never fail with an unexpected error.
 */
class ParserFuzzTest {

    @FuzzTest
    void npy(byte[] bytes) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Tensor fromStream = parses(() -> Npy.read(new ByteArrayInputStream(bytes), arena, "fuzz.npy"));
            Tensor fromFile = parses(() -> Npy.read(file(bytes), arena));
            if ((fromStream == null) != (fromFile == null)) {
                throw new AssertionError("the stream and the file reader disagree on whether the bytes are an npy file");
            }
            if (fromStream != null) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                Npy.write(out, fromStream);
                assertSame(fromStream, Npy.read(new ByteArrayInputStream(out.toByteArray()), arena, "again.npy"));
                assertSame(fromStream, fromFile);
            }
        }
    }

    @FuzzTest
    void safetensors(byte[] bytes) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(bytes.length).copyFrom(MemorySegment.ofArray(bytes));
            SafeTensors.Contents c = parses(() -> SafeTensors.decode(segment, arena, "fuzz.safetensors"));
            if (c != null) {
                byte[] again = SafeTensors.encode(c.tensors(), c.metadata());
                SafeTensors.Contents d = SafeTensors.decode(arena.allocate(again.length).copyFrom(MemorySegment.ofArray(again)),
                        arena, "again.safetensors");
                if (!d.metadata().equals(c.metadata()) || !d.tensors().keySet().equals(c.tensors().keySet())) {
                    throw new AssertionError("names or metadata changed in a round trip");
                }
                for (String name : c.tensors().keySet()) {
                    assertSame(c.tensors().get(name), d.tensors().get(name));
                }
            }
        }
    }

    @FuzzTest
    void idx(byte[] bytes) throws Exception {
        Idx.Images images = parses(() -> Idx.readImages(new ByteArrayInputStream(bytes), "fuzz-images.idx"));
        if (images != null && images.pixels().length != (long) images.count() * images.rows() * images.cols()) {
            throw new AssertionError("image count and size disagree with the pixels read");
        }
        parses(() -> Idx.readLabels(new ByteArrayInputStream(bytes), "fuzz-labels.idx"));
    }

    @FuzzTest
    void csv(byte[] bytes) throws Exception {
        if (bytes.length == 0) {
            return;
        }
        int mode = bytes[0] & 0xff;
        Character separator = switch (mode % 5) {
            case 0 -> null;
            case 1 -> ',';
            case 2 -> ';';
            case 3 -> '\t';
            default -> ' ';
        };
        Csv.Options options = new Csv.Options((mode & 8) != 0, (mode >> 4) & 3, separator);
        byte[] text = Arrays.copyOfRange(bytes, 1, bytes.length);
        Csv.Table t = parses(() -> Csv.read(new ByteArrayInputStream(text), options, "fuzz.csv"));
        if (t != null) {
            for (int c = 0; c < t.columns(); c++) {
                int n = t.isNumeric(c) ? t.numeric().get(c).length : t.categorical().get(c).length;
                if (n != t.rows()) {
                    throw new AssertionError("column " + c + " holds " + n + " values for " + t.rows() + " rows");
                }
            }
        }
    }

    /** A model with parameters, optimizer state, a schedule and a dropout generator: all a checkpoint restores. */
    private record Trained(Sequential model, Sgd optimizer, LrScheduler scheduler) {
        static Trained create() {
            Sequential model = new Sequential(new Linear(3, 4), new Dropout(0.5f, 7), new Linear(4, 2));
            Sgd optimizer = new Sgd(model.parameters(), 0.1f, 0.9f);
            return new Trained(model, optimizer, new LrScheduler(optimizer, Schedule.constant(0.1)));
        }

        Map<String, float[]> values() {
            Map<String, float[]> out = new TreeMap<>();
            model.stateDict().forEach((k, t) -> out.put(k, t.toFloatArray()));
            return out;
        }
    }

    /**
     * First byte even: the rest is a whole file. Odd: the rest is the JSON state of a checkpoint
     * whose tensors and checksum are right, so the fuzzer reaches what lies behind the checksum.
     */
    @FuzzTest
    void checkpoint(byte[] bytes) throws Exception {
        if (bytes.length == 0) {
            return;
        }
        byte[] rest = Arrays.copyOfRange(bytes, 1, bytes.length);
        byte[] file = (bytes[0] & 1) == 0 ? rest : signedCheckpoint(new String(rest, StandardCharsets.UTF_8));
        Trained t = Trained.create();
        Map<String, float[]> before = t.values();
        long position = t.scheduler().position();
        Checkpoints.Contents c = parses(() -> {
            try {
                return Checkpoints.load(file(file), t.model(), t.optimizer(), t.scheduler());
            } catch (IllegalArgumentException e) {
                throw new IOException("does not fit the model: " + e.getMessage(), e);   // documented: a checkpoint of another model
            }
        });
        if (c == null) {
            Map<String, float[]> after = t.values();
            for (String k : before.keySet()) {
                if (!Arrays.equals(before.get(k), after.get(k))) {
                    throw new AssertionError("a refused checkpoint changed " + k);
                }
            }
            if (t.scheduler().position() != position) {
                throw new AssertionError("a refused checkpoint moved the schedule");
            }
        }
    }

    private static byte[] signedCheckpoint(String json) throws IOException {
        Trained t = Trained.create();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        t.model().stateDict().forEach((k, v) -> tensors.put("model." + k, v));
        t.optimizer().stateDict().forEach((k, v) -> tensors.put("optimizer." + k, v));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("panamax.checkpoint", json);
        meta.put("panamax.sha256", sha256(tensors, json));
        return SafeTensors.encode(tensors, meta);
    }

    /** The checkpoint checksum as its format defines it: per tensor in name order, name, dtype and shape, big-endian data; then the JSON. */
    private static String sha256(Map<String, Tensor> tensors, String json) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (var e : new TreeMap<>(tensors).entrySet()) {
                Tensor v = e.getValue();
                md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                md.update((v.dtype() + Arrays.toString(v.shape())).getBytes(StandardCharsets.UTF_8));
                ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(v.numel() * v.dtype().bytes()));
                if (v.dtype() == DType.FLOAT32) {
                    b.asFloatBuffer().put(v.toFloatArray());
                } else {
                    b.asLongBuffer().put(v.toLongArray());
                }
                md.update(b);
            }
            md.update(json.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Real cases whose tensors the fuzzed case.json files run over, one per op (models and training runs left out). */
    private static final List<Path> TEMPLATES = templates();

    /**
     * First byte: which real case's tensors; the rest: its case.json. The runner must report the
     * case as passed, failed or skipped; a failure may be an IOException or an
     * IllegalArgumentException (a damaged case, arguments a layer refuses), never another error.
     */
    @FuzzTest
    void goldenCase(byte[] bytes) throws Exception {
        if (bytes.length == 0) {
            return;
        }
        Path template = TEMPLATES.get((bytes[0] & 0xff) % TEMPLATES.size());
        Path dir = Files.createTempDirectory("panamax-fuzz-case");
        try {
            try (Stream<Path> files = Files.list(template)) {
                for (Path p : files.filter(p -> p.toString().endsWith(".npy")).toList()) {
                    Files.createSymbolicLink(dir.resolve(p.getFileName()), p);
                }
            }
            Files.write(dir.resolve("case.json"), Arrays.copyOfRange(bytes, 1, bytes.length));
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            ConformanceRunner.Summary s = new ConformanceRunner(new PrintStream(printed, true, StandardCharsets.UTF_8))
                    .run(List.of(dir));
            if (s.passed() + s.failed() + s.skipped() != 1) {
                throw new AssertionError("one case, reported as " + s);
            }
            for (String failure : s.failures()) {
                int error = failure.indexOf("error: ");
                if (error >= 0 && !failure.startsWith("java.io.IOException", error + 7)
                        && !failure.startsWith("java.lang.IllegalArgumentException", error + 7)
                        && !failure.startsWith("java.nio.file.", error + 7)) {
                    throw new AssertionError("unexpected error for a damaged case: " + failure);
                }
            }
        } finally {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    private static List<Path> templates() {
        try {
            Path root = Path.of(ParserFuzzTest.class.getResource("/golden").toURI());
            Map<String, Path> firstOfOp = new TreeMap<>();
            try (Stream<Path> dirs = Files.list(root)) {
                for (Path d : dirs.sorted().toList()) {
                    String json = Files.readString(d.resolve("case.json"));
                    int at = json.indexOf("\"op\"");
                    String op = json.substring(at, json.indexOf(',', at));
                    // whole models and training runs take seconds each: the fuzzer needs many inputs a second
                    if (!op.contains("model_") && !op.contains("_train")) {
                        firstOfOp.putIfAbsent(op, d);
                    }
                }
            }
            return new ArrayList<>(firstOfOp.values());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- helpers ----

    /** The parsed value, or null when the parser refused with an IOException that says why. */
    static <T> T parses(Callable<T> parse) throws Exception {
        try {
            return parse.call();
        } catch (IOException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                throw new AssertionError("refused without saying why", e);
            }
            return null;
        }
    }

    private static final ThreadLocal<Path> SCRATCH = ThreadLocal.withInitial(() -> {
        try {
            Path p = Files.createTempFile("panamax-fuzz", ".bin");
            p.toFile().deleteOnExit();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    });

    /** The bytes in a scratch file (the path readers check declared sizes against the file's). */
    private static Path file(byte[] bytes) throws IOException {
        Path p = SCRATCH.get();
        Files.write(p, bytes);
        return p;
    }

    private static void assertSame(Tensor a, Tensor b) {
        if (a.dtype() != b.dtype() || !Arrays.equals(a.shape(), b.shape())) {
            throw new AssertionError("round trip changed " + a.dtype() + Arrays.toString(a.shape()) + " into " + b.dtype()
                    + Arrays.toString(b.shape()));
        }
        boolean same = a.dtype() == DType.INT64 ? Arrays.equals(a.toLongArray(), b.toLongArray())
                : Arrays.equals(bits(a.toFloatArray()), bits(b.toFloatArray()));
        if (!same) {
            throw new AssertionError("round trip changed the values of " + Arrays.toString(a.shape()));
        }
    }

    private static int[] bits(float[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Float.floatToRawIntBits(v[i]);
        }
        return out;
    }
}
