package dev.panamax.nn.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * NumPy {@code .npy} files: read (format versions 1.0, 2.0 and 3.0) and write (1.0, or 2.0 when
 * the header needs it). Only C-order little-endian {@code <f4} and {@code <i8} arrays are
 * accepted; anything else is rejected with a message naming what the file holds.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /**
     * Reads an array into a new tensor allocated from {@code arena}; the size its header declares
     * is checked against the file's before anything is allocated.
     */
    public static Tensor read(Path file, Arena arena) throws IOException {
        long size = Files.size(file);
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            return read(in, size, arena, file.toString());
        }
    }

    /** Reads an array from a stream; {@code name} is used in error messages. */
    public static Tensor read(InputStream in, Arena arena, String name) throws IOException {
        return read(in, -1, arena, name);
    }

    /** {@code size}: the bytes of the whole file, or -1 when unknown (the data is then read before allocating). */
    private static Tensor read(InputStream in, long size, Arena arena, String name) throws IOException {
        byte[] magic = in.readNBytes(8);
        if (magic.length < 8 || !startsWithMagic(magic)) {
            throw new IOException(name + ": not a .npy file (bad magic string)");
        }
        int major = magic[6] & 0xff;
        int headerLength;
        if (major == 1) {
            byte[] len = readFully(in, 2, name);
            headerLength = (len[0] & 0xff) | (len[1] & 0xff) << 8;
        } else if (major == 2 || major == 3) {
            byte[] len = readFully(in, 4, name);
            headerLength = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getInt();
            if (headerLength < 0) {
                throw new IOException(name + ": header length " + Integer.toUnsignedString(headerLength) + " is too large");
            }
        } else {
            throw new IOException(name + ": unsupported .npy format version " + major + "." + (magic[7] & 0xff));
        }
        long headerEnd = 8 + (major == 1 ? 2 : 4) + (long) headerLength;
        if (size >= 0 && headerEnd > size) {
            throw new IOException(name + ": the header declares " + headerLength + " bytes, the file holds " + size);
        }
        String header = new String(BoundedInput.readExactly(in, headerLength, name, "header"),
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, header, "descr", name);
        DType dtype = switch (descr) {
            case "<f4" -> DType.FLOAT32;
            case "<i8" -> DType.INT64;
            default -> throw new IOException(name + ": dtype '" + descr + "' is not supported (only '<f4' float32 and '<i8' int64"
                    + (descr.startsWith(">") ? "; this file is big-endian" : "") + ")");
        };
        if (group(FORTRAN, header, "fortran_order", name).equals("True")) {
            throw new IOException(name + ": Fortran-order arrays are not supported (save with C order)");
        }
        long[] shape = parseShape(group(SHAPE, header, "shape", name), name);
        long bytes = BoundedInput.bytes(name, BoundedInput.elements(name, shape), dtype.bytes());
        BoundedInput.checkDeclared(name, "data for shape " + java.util.Arrays.toString(shape), bytes,
                size < 0 ? -1 : size - headerEnd);
        if (size < 0) {
            // the length is unknown: read the data first, so that a header that lies allocates nothing
            byte[] data = BoundedInput.readExactly(in, bytes, name, "data for shape " + java.util.Arrays.toString(shape));
            Tensor t = Tensor.zeros(arena, dtype, shape);
            MemorySegment.copy(MemorySegment.ofArray(data), 0, t.segment(), 0, bytes);
            return t;
        }
        Tensor t = Tensor.zeros(arena, dtype, shape);
        BoundedInput.readExactly(in, bytes, t.segment(), 0, name, "data for shape " + java.util.Arrays.toString(shape));
        return t;
    }

    /** Writes a tensor (any strides) as a C-order little-endian array. */
    public static void write(Path file, Tensor tensor) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            write(out, tensor);
        }
    }

    /** Writes a tensor to a stream. */
    public static void write(OutputStream out, Tensor tensor) throws IOException {
        StringBuilder shape = new StringBuilder("(");
        long[] s = tensor.shape();
        for (int i = 0; i < s.length; i++) {
            shape.append(s[i]).append(i == 0 && s.length == 1 ? "," : i < s.length - 1 ? ", " : "");
        }
        shape.append(')');
        String dict = "{'descr': '" + tensor.dtype().npyDescr() + "', 'fortran_order': False, 'shape': " + shape + ", }";
        // Pad with spaces so that magic + length + header + '\n' is a multiple of 64 bytes.
        int prefixV1 = 10;
        int total = ((prefixV1 + dict.length() + 1 + 63) / 64) * 64;
        boolean v2 = total - prefixV1 > 0xffff;
        int prefix = v2 ? 12 : prefixV1;
        total = ((prefix + dict.length() + 1 + 63) / 64) * 64;
        String header = dict + " ".repeat(total - prefix - dict.length() - 1) + "\n";
        byte[] h = header.getBytes(StandardCharsets.ISO_8859_1);
        out.write(MAGIC);
        out.write(v2 ? 2 : 1);
        out.write(0);
        if (v2) {
            out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(h.length).array());
        } else {
            out.write(h.length & 0xff);
            out.write(h.length >>> 8);
        }
        out.write(h);
        try (Arena scratch = Arena.ofConfined()) {
            Tensor c = tensor.contiguous(scratch);
            long bytes = c.numel() * c.dtype().bytes();
            byte[] chunk = new byte[1 << 16];
            for (long done = 0; done < bytes; ) {
                int n = (int) Math.min(chunk.length, bytes - done);
                MemorySegment.copy(c.segment(), c.offset() * c.dtype().bytes() + done, MemorySegment.ofArray(chunk), 0, n);
                out.write(chunk, 0, n);
                done += n;
            }
        }
    }

    private static boolean startsWithMagic(byte[] b) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (b[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] readFully(InputStream in, int n, String name) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length < n) {
            throw new IOException(name + ": truncated header");
        }
        return b;
    }

    private static String group(Pattern p, String header, String key, String name) throws IOException {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new IOException(name + ": header has no valid '" + key + "' entry: " + header.strip());
        }
        return m.group(1);
    }

    private static long[] parseShape(String text, String name) throws IOException {
        List<Long> dims = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.strip();
            if (p.endsWith("L")) {
                p = p.substring(0, p.length() - 1);
            }
            if (!p.isEmpty()) {
                try {
                    dims.add(Long.parseLong(p));
                } catch (NumberFormatException e) {
                    throw new IOException(name + ": bad shape entry '" + part + "'");
                }
                if (dims.size() > 64) {
                    throw new IOException(name + ": a shape of more than 64 dimensions");
                }
            }
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }
}
