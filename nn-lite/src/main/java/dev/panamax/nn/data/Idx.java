package dev.panamax.nn.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

import dev.panamax.nn.io.BoundedInput;

/**
 * MNIST's IDX format: a big-endian magic number ({@code 0x00000803} for unsigned-byte images
 * {@code [count, rows, cols]}, {@code 0x00000801} for unsigned-byte labels {@code [count]}), the
 * dimensions, then the bytes. Files may be gzipped (detected from the content, not the name).
 * Magic numbers, dimensions and the length of the data are checked: a truncated or corrupt file
 * fails with an {@link IOException} that says what is wrong.
 */
public final class Idx {

    /** Magic number of an unsigned-byte, rank-3 file (images). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an unsigned-byte, rank-1 file (labels). */
    public static final int LABELS_MAGIC = 0x00000801;
    private static final int MAX_COUNT = 100_000_000;

    private Idx() {
    }

    /**
     * Images as unsigned bytes, row-major {@code [count, rows, cols]}.
     *
     * @param pixels {@code count * rows * cols} grey levels 0..255 (as unsigned bytes)
     */
    public record Images(int count, int rows, int cols, byte[] pixels) {
    }

    /** Reads an image file (gzipped or not). */
    public static Images readImages(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return readImages(in, file.toString());
        }
    }

    // The data is read with BoundedInput: the buffer grows as bytes arrive, so a header that
    // declares more than the (possibly gzipped) file holds fails at the end of the data instead
    // of allocating what it claims.

    /** Reads images from a stream; {@code source} names it in error messages. */
    public static Images readImages(InputStream stream, String source) throws IOException {
        try (DataInputStream in = open(stream)) {
            requireMagic(in, IMAGES_MAGIC, "image", source);
            int count = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (count < 0 || count > MAX_COUNT || rows <= 0 || cols <= 0 || rows > 4096 || cols > 4096) {
                throw new IOException(source + ": implausible image dimensions " + count + " x " + rows + " x " + cols);
            }
            byte[] pixels = BoundedInput.readExactly(in, (long) count * rows * cols, source,
                    "pixels of " + count + " images of " + rows + " x " + cols);
            requireEnd(in, source);
            return new Images(count, rows, cols, pixels);
        } catch (EOFException e) {
            throw new IOException(source + ": truncated IDX header", e);
        }
    }

    /** Reads the first int and checks it is the {@code kind} file's magic number. */
    private static void requireMagic(DataInputStream in, int expected, String kind, String source) throws IOException {
        int magic = in.readInt();
        if (magic != expected) {
            throw new IOException(source + ": not an IDX " + kind + " file (magic 0x" + Integer.toHexString(magic)
                    + ", expected 0x" + Integer.toHexString(expected) + ")");
        }
    }

    /** Reads a label file (gzipped or not): one unsigned byte per item. */
    public static byte[] readLabels(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return readLabels(in, file.toString());
        }
    }

    /** Reads labels from a stream; {@code source} names it in error messages. */
    public static byte[] readLabels(InputStream stream, String source) throws IOException {
        try (DataInputStream in = open(stream)) {
            requireMagic(in, LABELS_MAGIC, "label", source);
            int count = in.readInt();
            if (count < 0 || count > MAX_COUNT) {
                throw new IOException(source + ": implausible label count " + count);
            }
            byte[] labels = BoundedInput.readExactly(in, count, source, count + " labels");
            requireEnd(in, source);
            return labels;
        } catch (EOFException e) {
            throw new IOException(source + ": truncated IDX header", e);
        }
    }

    /** Wraps the stream, inflating it when it starts with the gzip magic bytes. */
    private static DataInputStream open(InputStream stream) throws IOException {
        BufferedInputStream in = new BufferedInputStream(stream, 1 << 16);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        boolean gzip = b0 == 0x1f && b1 == 0x8b;
        return new DataInputStream(gzip ? new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16) : in);
    }

    private static void requireEnd(DataInputStream in, String source) throws IOException {
        if (in.read() != -1) {
            throw new IOException(source + ": trailing bytes after the data the header announces");
        }
    }
}
