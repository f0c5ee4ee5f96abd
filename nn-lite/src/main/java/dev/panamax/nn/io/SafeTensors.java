package dev.panamax.nn.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * The safetensors format of Hugging Face and PyTorch: an 8-byte little-endian header length, a
 * JSON header mapping each tensor name to {@code dtype}, {@code shape} and
 * {@code data_offsets [begin, end)} (plus an optional {@code __metadata__} of strings), then the
 * raw little-endian data. Names are a PyTorch {@code state_dict}'s.
 *
 * <p>Reading checks everything before trusting it: the header length against the file, the
 * JSON, every dtype, that each tensor's byte range matches its shape, lies inside the data and
 * that ranges do not overlap. F32 and I64 load as they are; F64, F16 and BF16 are converted to
 * float32 and I32 to int64. Writing stores F32 and I64 in name order, the header padded to a
 * multiple of 8 bytes as the reference implementation does.
 */
public final class SafeTensors {

    private static final String METADATA = "__metadata__";
    private static final long MAX_HEADER = 100L << 20;

    private SafeTensors() {
    }

    /** Tensors by name, in file order, and the string metadata. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {
    }

    /** Writes {@code tensors} (float32 or int64, any layout) and {@code metadata} to {@code file}. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        Files.write(file, encode(tensors, metadata));
    }

    /** The bytes of a safetensors file holding {@code tensors} and {@code metadata}. */
    public static byte[] encode(Map<String, Tensor> tensors, Map<String, String> metadata) {
        JsonObject header = new JsonObject();
        if (metadata != null && !metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach(meta::addProperty);
            header.add(METADATA, meta);
        }
        List<String> names = new ArrayList<>(tensors.keySet());
        names.sort(null);
        long offset = 0;
        for (String name : names) {
            Tensor t = tensors.get(name);
            long bytes = t.numel() * t.dtype().bytes();
            JsonObject entry = new JsonObject();
            entry.addProperty("dtype", t.dtype() == DType.FLOAT32 ? "F32" : "I64");
            JsonArray shape = new JsonArray();
            for (long s : t.shape()) {
                shape.add(s);
            }
            entry.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offsets.add(offset + bytes);
            entry.add("data_offsets", offsets);
            header.add(name, entry);
            offset += bytes;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & ~7;
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(8 + padded + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(json);
        for (int i = json.length; i < padded; i++) {
            out.put((byte) ' ');
        }
        for (String name : names) {
            Tensor t = tensors.get(name);
            if (t.dtype() == DType.FLOAT32) {
                for (float v : t.toFloatArray()) {
                    out.putFloat(v);
                }
            } else {
                for (long v : t.toLongArray()) {
                    out.putLong(v);
                }
            }
        }
        return out.array();
    }

    /** Reads a safetensors file into tensors allocated from {@code arena}. */
    public static Contents read(Path file, Arena arena) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ); Arena map = Arena.ofConfined()) {
            MemorySegment bytes = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), map);
            return decode(bytes, arena, file.toString());
        }
    }

    /** Decodes safetensors bytes; {@code source} names them in error messages. */
    public static Contents decode(MemorySegment bytes, Arena arena, String source) throws IOException {
        long size = bytes.byteSize();
        if (size < 8) {
            throw corrupt(source, "shorter than the 8-byte header length (" + size + " bytes)");
        }
        long headerLen = bytes.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLen < 2 || headerLen > MAX_HEADER || 8 + headerLen > size) {
            throw corrupt(source, "header length " + headerLen + " does not fit a file of " + size + " bytes");
        }
        String json = new String(bytes.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        JsonObject header;
        try {
            header = JsonParser.parseString(json).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw corrupt(source, "the header is not a JSON object: " + e.getMessage());
        }
        long dataStart = 8 + headerLen;
        long dataSize = size - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        List<long[]> ranges = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : header.entrySet()) {
            String name = e.getKey();
            String dtype;
            long[] shape;
            long[] off;
            try {
                if (name.equals(METADATA)) {
                    e.getValue().getAsJsonObject().entrySet().forEach(m -> metadata.put(m.getKey(), m.getValue().getAsString()));
                    continue;
                }
                JsonObject entry = e.getValue().getAsJsonObject();
                dtype = entry.get("dtype").getAsString();
                shape = longs(entry.getAsJsonArray("shape"));
                off = longs(entry.getAsJsonArray("data_offsets"));
            } catch (RuntimeException bad) {
                // a header entry of the wrong JSON type: Gson's getters throw one of several runtime
                // exceptions (illegal state, unsupported operation, number format, class cast), and a
                // missing key gives a null pointer
                throw corrupt(source, "entry '" + name + "' is not {dtype, shape, data_offsets} of the right types: " + bad);
            }
            int width = switch (dtype) {
                case "F32", "I32" -> 4;
                case "F64", "I64" -> 8;
                case "F16", "BF16" -> 2;
                default -> throw corrupt(source, "tensor '" + name + "' has dtype " + dtype
                        + "; supported are F32, F64, F16, BF16, I64, I32");
            };
            long count = BoundedInput.elements(source + ": tensor '" + name + "'", shape);
            long length = BoundedInput.bytes(source + ": tensor '" + name + "'", count, width);
            if (off.length != 2 || off[0] < 0 || off[1] < off[0] || off[1] > dataSize || off[1] - off[0] != length) {
                throw corrupt(source, "tensor '" + name + "' (" + dtype + " " + Arrays.toString(shape) + ", " + length
                        + " bytes) has data_offsets " + Arrays.toString(off) + " outside or inconsistent with the "
                        + dataSize + " data bytes");
            }
            ranges.add(new long[] {off[0], off[1]});
            tensors.put(name, convert(bytes.asSlice(dataStart + off[0], off[1] - off[0]), dtype, shape, arena));
        }
        ranges.sort((a, b) -> Long.compare(a[0], b[0]));
        for (int i = 1; i < ranges.size(); i++) {
            if (ranges.get(i)[0] < ranges.get(i - 1)[1]) {
                throw corrupt(source, "tensor data ranges overlap");
            }
        }
        return new Contents(tensors, metadata);
    }

    private static Tensor convert(MemorySegment data, String dtype, long[] shape, Arena arena) {
        ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        boolean integer = dtype.startsWith("I");
        Tensor t = Tensor.zeros(arena, integer ? DType.INT64 : DType.FLOAT32, shape);
        MemorySegment out = t.segment();
        long n = t.numel();
        switch (dtype) {
            case "F32" -> MemorySegment.copy(data, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(le), 0, out,
                    ValueLayout.JAVA_FLOAT_UNALIGNED, 0, n);
            case "I64" -> MemorySegment.copy(data, ValueLayout.JAVA_LONG_UNALIGNED.withOrder(le), 0, out,
                    ValueLayout.JAVA_LONG_UNALIGNED, 0, n);
            case "F64" -> {
                for (long i = 0; i < n; i++) {
                    out.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i,
                            (float) data.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(le), i));
                }
            }
            case "F16" -> {
                for (long i = 0; i < n; i++) {
                    out.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i,
                            Float.float16ToFloat(data.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(le), i)));
                }
            }
            case "BF16" -> {
                for (long i = 0; i < n; i++) {
                    int bits = data.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(le), i) & 0xFFFF;
                    out.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, Float.intBitsToFloat(bits << 16));
                }
            }
            case "I32" -> {
                for (long i = 0; i < n; i++) {
                    out.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i, data.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED.withOrder(le), i));
                }
            }
            default -> throw new IllegalStateException(dtype);
        }
        return t;
    }

    private static long[] longs(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }

    private static IOException corrupt(String source, String why) {
        return new IOException("not a valid safetensors file: " + source + ": " + why);
    }
}
