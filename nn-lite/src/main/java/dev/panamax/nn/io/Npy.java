package dev.panamax.nn.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
 * the header needs it). Float arrays ({@code f2}, {@code f4}, {@code f8}: NumPy's default
 * float64 included) read as float32, integer and boolean arrays ({@code i1} to {@code i8},
 * {@code u1} to {@code u8}, {@code b1}) as int64, in either byte order and in C or Fortran order;
 * {@code <f4} and {@code <i8} in C order load as they are, the others are converted (a float64
 * rounded to the nearest float32, as {@code torch.from_numpy(a).float()}). Anything else
 * (complex, strings, records, objects) is rejected with a message naming what the file holds.
 * Written arrays are C-order little-endian {@code <f4} or {@code <i8}.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
    /**
     * A plain numeric descr: byte order ({@code |} for one byte, {@code =} native), kind, width in bytes (one or
     * two digits: a longer width names no type, and parsed as an int it overflowed, a NumberFormatException
     * instead of the file's error).
     */
    private static final Pattern NUMBER = Pattern.compile("([<>|=])([fiub])(\\d{1,2})");

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
        Element element = element(descr, name);
        boolean fortran = group(FORTRAN, header, "fortran_order", name).equals("True");
        long[] shape = parseShape(group(SHAPE, header, "shape", name), name);
        long elements = BoundedInput.elements(name, shape);
        long bytes = BoundedInput.bytes(name, elements, element.width());
        String what = "data for shape " + java.util.Arrays.toString(shape);
        BoundedInput.checkDeclared(name, what, bytes, size < 0 ? -1 : size - headerEnd);
        DType dtype = element.kind() == 'f' ? DType.FLOAT32 : DType.INT64;
        boolean asIs = !fortran && element.loadsAsIs();
        if (asIs && size >= 0) {
            Tensor t = Tensor.zeros(arena, dtype, shape);
            BoundedInput.readExactly(in, bytes, t.segment(), 0, name, what);
            return t;
        }
        // to convert, or the length unknown (a header that lies then allocates nothing): the data first
        MemorySegment raw = MemorySegment.ofArray(BoundedInput.readExactly(in, bytes, name, what));
        if (!fortran) {
            Tensor t = Tensor.zeros(arena, dtype, shape);
            if (asIs) {
                MemorySegment.copy(raw, 0, t.segment(), 0, bytes);
            } else {
                element.convert(raw, elements, t.segment(), name);
            }
            return t;
        }
        // Fortran order is C order of the reversed shape; its transpose is the array
        long[] reversed = new long[shape.length];
        int[] order = new int[shape.length];
        for (int d = 0; d < shape.length; d++) {
            reversed[d] = shape[shape.length - 1 - d];
            order[d] = shape.length - 1 - d;
        }
        try (Arena scratch = Arena.ofConfined()) {
            Tensor columns = Tensor.zeros(scratch, dtype, reversed);
            element.convert(raw, elements, columns.segment(), name);
            Tensor t = Tensor.zeros(arena, dtype, shape);
            t.copyFrom(columns.permute(order));
            return t;
        }
    }

    /** One element's type in the file: its byte order, kind ({@code f}, {@code i}, {@code u}, {@code b}) and bytes. */
    private record Element(ByteOrder order, char kind, int width) {

        /** Whether the bytes are already those of the tensor: float32 or int64, little-endian. */
        boolean loadsAsIs() {
            return order == ByteOrder.LITTLE_ENDIAN && (kind == 'f' && width == 4 || kind == 'i' && width == 8);
        }

        /** {@code n} elements from {@code raw} into {@code dst} as float32 (floats) or int64 (the rest). */
        void convert(MemorySegment raw, long n, MemorySegment dst, String name) throws IOException {
            ValueLayout.OfShort halfOrShort = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order);
            ValueLayout.OfInt int32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(order);
            ValueLayout.OfLong int64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(order);
            ValueLayout.OfFloat float32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(order);
            ValueLayout.OfDouble float64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(order);
            boolean unsigned = kind == 'u' || kind == 'b';
            for (long i = 0; i < n; i++) {
                long at = i * width;
                if (kind == 'f') {
                    float v = switch (width) {
                        case 2 -> Float.float16ToFloat(raw.get(halfOrShort, at));
                        case 4 -> raw.get(float32, at);
                        default -> (float) raw.get(float64, at);
                    };
                    dst.setAtIndex(ValueLayout.JAVA_FLOAT, i, v);
                    continue;
                }
                long v = switch (width) {
                    case 1 -> unsigned ? raw.get(ValueLayout.JAVA_BYTE, at) & 0xffL : raw.get(ValueLayout.JAVA_BYTE, at);
                    case 2 -> unsigned ? raw.get(halfOrShort, at) & 0xffffL : raw.get(halfOrShort, at);
                    case 4 -> unsigned ? raw.get(int32, at) & 0xffff_ffffL : raw.get(int32, at);
                    default -> raw.get(int64, at);
                };
                if (kind == 'u' && width == 8 && v < 0) {
                    throw new IOException(name + ": element " + i + " (" + Long.toUnsignedString(v)
                            + ") of this uint64 array does not fit in int64");
                }
                dst.setAtIndex(ValueLayout.JAVA_LONG, i, kind == 'b' ? (v != 0 ? 1 : 0) : v);
            }
        }
    }

    private static Element element(String descr, String name) throws IOException {
        Matcher m = NUMBER.matcher(descr);
        if (m.matches()) {
            char kind = m.group(2).charAt(0);
            int width = Integer.parseInt(m.group(3));
            boolean known = switch (kind) {
                case 'f' -> width == 2 || width == 4 || width == 8;
                case 'i', 'u' -> width == 1 || width == 2 || width == 4 || width == 8;
                default -> width == 1;     // 'b', bool
            };
            if (known) {
                ByteOrder order = m.group(1).equals(">") ? ByteOrder.BIG_ENDIAN
                        : m.group(1).equals("=") ? ByteOrder.nativeOrder() : ByteOrder.LITTLE_ENDIAN;
                return new Element(order, kind, width);
            }
        }
        throw new IOException(name + ": dtype '" + descr + "' is not supported (floats f2, f4 and f8 read as float32; "
                + "integers i1-i8, u1-u8 and bool as int64)");
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
