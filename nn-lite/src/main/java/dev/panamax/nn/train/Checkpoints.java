package dev.panamax.nn.train;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import dev.panamax.nn.io.SafeTensors;
import dev.panamax.nn.layers.Block;
import dev.panamax.nn.layers.Dropout;
import dev.panamax.nn.optim.LrScheduler;
import dev.panamax.nn.optim.Optimizer;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * Training checkpoints: one safetensors file holding the model's state dict (names prefixed
 * {@code model.}), the optimizer's state ({@code optimizer.}) and, as JSON in the
 * {@code __metadata__}, the training position, the schedule position, the dropout generators'
 * positions, the preprocessing and free-form metadata.
 *
 * <p>Saving is atomic: the file is written beside the target, flushed to disk, and renamed over
 * it, so a crash leaves the previous checkpoint intact. A SHA-256 over every tensor's bytes and
 * the JSON is stored with it; loading verifies the structure, the sizes and the checksum, and
 * checks every name and shape, before anything is copied into the model: a truncated or altered
 * file fails with a clear message and never leaves a half-loaded model.
 */
public final class Checkpoints {

    private static final String STATE = "panamax.checkpoint";
    private static final String CHECKSUM = "panamax.sha256";
    private static final Gson GSON = new Gson();

    private Checkpoints() {
    }

    /**
     * What a checkpoint restores besides the tensors.
     *
     * @param position      where training stands
     * @param metadata      free-form strings (model name, data set, ...)
     * @param preprocessing fitted preprocessing, by name, as {@link dev.panamax.nn.data.Preprocessor#state()}
     */
    public record Contents(Trainer.Position position, Map<String, String> metadata, Map<String, Map<String, double[]>> preprocessing) {
    }

    /** Saves the model, the optimizer (may be null), the schedule (may be null) and {@code contents}. */
    public static void save(Path file, Block model, Optimizer optimizer, LrScheduler scheduler, Contents contents)
            throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        model.stateDict().forEach((k, t) -> tensors.put("model." + k, t));
        if (optimizer != null) {
            optimizer.stateDict().forEach((k, t) -> tensors.put("optimizer." + k, t));
        }
        JsonObject state = new JsonObject();
        state.addProperty("format", 1);
        state.addProperty("epoch", contents.position().epoch());
        state.addProperty("batch", contents.position().batch());
        state.addProperty("steps", contents.position().steps());
        state.addProperty("schedule_position", scheduler == null ? 0 : scheduler.position());
        state.add("dropout", GSON.toJsonTree(dropoutPositions(model)));
        state.add("metadata", GSON.toJsonTree(contents.metadata()));
        state.add("preprocessing", GSON.toJsonTree(contents.preprocessing()));
        String json = state.toString();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(STATE, json);
        meta.put(CHECKSUM, checksum(tensors, json));
        byte[] bytes = SafeTensors.encode(tensors, meta);

        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);                       // make the rename itself durable
            } catch (IOException ignored) {
                // some file systems cannot open a directory; the rename is still atomic
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Loads a checkpoint into the model, the optimizer (may be null) and the schedule (may be
     * null), all or nothing.
     *
     * @throws IOException for a file that is not an intact checkpoint
     * @throws IllegalArgumentException when the checkpoint does not fit the model or optimizer
     */
    public static Contents load(Path file, Block model, Optimizer optimizer, LrScheduler scheduler) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            SafeTensors.Contents c = SafeTensors.read(file, arena);
            String json = c.metadata().get(STATE);
            String sum = c.metadata().get(CHECKSUM);
            if (json == null || sum == null) {
                throw new IOException(file + " is a safetensors file but not a Panamax checkpoint (no " + STATE + ")");
            }
            if (!sum.equals(checksum(c.tensors(), json))) {
                throw new IOException(file + ": checksum mismatch: the checkpoint was altered or damaged");
            }
            JsonObject state;
            try {
                state = JsonParser.parseString(json).getAsJsonObject();
            } catch (JsonParseException | IllegalStateException e) {
                throw new IOException(file + ": unreadable checkpoint state: " + e.getMessage());
            }
            Map<String, Tensor> modelState = new LinkedHashMap<>();
            Map<String, Tensor> optimizerState = new LinkedHashMap<>();
            c.tensors().forEach((k, t) -> {
                if (k.startsWith("model.")) {
                    modelState.put(k.substring(6), t);
                } else if (k.startsWith("optimizer.")) {
                    optimizerState.put(k.substring(10), t);
                }
            });
            // every field of the state first: nothing is loaded unless all of it reads
            long schedulePosition;
            Map<String, Double> dropout;
            Map<String, String> metadata;
            Map<String, Map<String, double[]>> pre;
            Trainer.Position position;
            try {
                schedulePosition = state.get("schedule_position").getAsLong();
                dropout = GSON.fromJson(state.get("dropout"), new com.google.gson.reflect.TypeToken<Map<String, Double>>() { }
                        .getType());
                metadata = GSON.fromJson(state.get("metadata"), new com.google.gson.reflect.TypeToken<Map<String, String>>() { }
                        .getType());
                pre = GSON.fromJson(state.get("preprocessing"),
                        new com.google.gson.reflect.TypeToken<Map<String, Map<String, double[]>>>() { }.getType());
                position = new Trainer.Position(state.get("epoch").getAsInt(), state.get("batch").getAsInt(),
                        state.get("steps").getAsLong());
            } catch (RuntimeException e) {
                throw new IOException(file + ": the checkpoint state lacks a field or has one of the wrong type: " + e);
            }
            // positions are checked here too: a refusal after the tensors were copied would leave a half-loaded model
            if (schedulePosition < 0) {
                throw new IOException(file + ": schedule_position must be >= 0, got " + schedulePosition);
            }
            if (dropout != null) {
                for (var e : dropout.entrySet()) {
                    Double v = e.getValue();
                    if (v == null || !(v >= 0) || v != Math.rint(v) || v > 0x1p62) {
                        throw new IOException(file + ": the dropout position of " + e.getKey() + " must be a whole number >= 0, got " + v);
                    }
                }
            }
            model.checkStateDict(modelState);
            if (optimizer != null) {
                optimizer.checkStateDict(optimizerState);
            }
            model.loadStateDict(modelState);
            if (optimizer != null) {
                optimizer.loadStateDict(optimizerState);
            }
            if (scheduler != null) {
                scheduler.seek(schedulePosition);
            }
            seekDropouts(model, "", dropout);
            return new Contents(position, metadata, pre);
        }
    }

    /** SHA-256 over the tensors (in name order: name, dtype, shape, bytes) and the JSON state. */
    private static String checksum(Map<String, Tensor> tensors, String json) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (var e : new TreeMap<>(tensors).entrySet()) {
                Tensor t = e.getValue();
                md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                md.update((t.dtype() + java.util.Arrays.toString(t.shape())).getBytes(StandardCharsets.UTF_8));
                ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(t.numel() * t.dtype().bytes()));
                if (t.dtype() == DType.FLOAT32) {
                    b.asFloatBuffer().put(t.toFloatArray());
                } else {
                    b.asLongBuffer().put(t.toLongArray());
                }
                md.update(b);
            }
            md.update(json.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static Map<String, Long> dropoutPositions(Block model) {
        Map<String, Long> out = new TreeMap<>();
        collect(model, "", out);
        return out;
    }

    private static void collect(Block l, String path, Map<String, Long> out) {
        if (l instanceof Dropout d) {
            out.put(path, d.calls());
        }
        l.children().forEach((n, c) -> collect(c, path.isEmpty() ? n : path + "." + n, out));
    }

    private static void seekDropouts(Block l, String path, Map<String, Double> positions) {
        if (l instanceof Dropout d && positions != null && positions.containsKey(path)) {
            d.seek(positions.get(path).longValue());
        }
        l.children().forEach((n, c) -> seekDropouts(c, path.isEmpty() ? n : path + "." + n, positions));
    }
}
