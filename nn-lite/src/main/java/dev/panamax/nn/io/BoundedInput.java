package dev.panamax.nn.io;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Reading what a file's header declares without trusting the header: every reader checks a
 * declared size against the bytes actually present (and a sane limit) before it allocates room
 * for them, so a damaged or hostile file is an {@link IOException} naming the file, the declared
 * and the available sizes, never an {@code OutOfMemoryError} or an allocation of terabytes.
 * Where the length is unknown (a stream, a gzip file) the data is read in chunks that grow only
 * as bytes arrive.
 */
public final class BoundedInput {

    /** The largest payload a reader accepts, whatever its header says: 64 GiB. */
    public static final long MAX_BYTES = 64L << 30;
    private static final int CHUNK = 1 << 20;

    private BoundedInput() {
    }

    /**
     * Fails unless {@code declared} bytes of {@code what} fit in {@code available} (negative:
     * unknown) and under {@link #MAX_BYTES}.
     */
    public static void checkDeclared(String source, String what, long declared, long available) throws IOException {
        if (available >= 0 && declared > available) {
            throw new IOException(source + ": the header declares " + declared + " bytes of " + what + ", but only "
                    + available + " follow it");
        }
        if (declared < 0 || declared > MAX_BYTES) {
            throw new IOException(source + ": the header declares " + declared + " bytes of " + what + ", more than the "
                    + MAX_BYTES + " a file may hold");
        }
    }

    /** {@code elements * width} bytes, or an {@link IOException} when that passes a long. */
    public static long bytes(String source, long elements, int width) throws IOException {
        try {
            return Math.multiplyExact(elements, width);
        } catch (ArithmeticException e) {
            throw new IOException(source + ": the header declares " + elements + " elements of " + width
                    + " bytes, more bytes than a long holds");
        }
    }

    /**
     * The product of dimensions read from a header, each checked to be {@code >= 0}, the product
     * to fit a long; as an {@link IOException} naming the file otherwise.
     */
    public static long elements(String source, long[] shape) throws IOException {
        long n = 1;
        for (long s : shape) {
            if (s < 0) {
                throw new IOException(source + ": negative dimension in shape " + java.util.Arrays.toString(shape));
            }
            try {
                n = Math.multiplyExact(n, s);
            } catch (ArithmeticException e) {
                throw new IOException(source + ": shape " + java.util.Arrays.toString(shape) + " has more elements than a long holds");
            }
        }
        return n;
    }

    /** Exactly {@code n} bytes of {@code what}, growing the buffer as they arrive. */
    public static byte[] readExactly(InputStream in, long n, String source, String what) throws IOException {
        checkDeclared(source, what, n, -1);
        if (n > Integer.MAX_VALUE - 16) {
            throw new IOException(source + ": the header declares " + n + " bytes of " + what + ", more than one array holds ("
                    + (Integer.MAX_VALUE - 16) + ")");
        }
        List<byte[]> chunks = readChunks(in, n, source, what);
        byte[] out = new byte[(int) n];
        int at = 0;
        for (byte[] c : chunks) {
            System.arraycopy(c, 0, out, at, c.length);
            at += c.length;
        }
        return out;
    }

    /**
     * Exactly {@code n} bytes of {@code what} into {@code dst} at byte {@code offset}, for a size
     * already checked against the input ({@link #checkDeclared}): the caller sized {@code dst}.
     */
    public static void readExactly(InputStream in, long n, MemorySegment dst, long offset, String source, String what)
            throws IOException {
        byte[] chunk = new byte[(int) Math.min(CHUNK, Math.max(1, n))];
        for (long done = 0; done < n; ) {
            int want = (int) Math.min(chunk.length, n - done);
            int got = in.readNBytes(chunk, 0, want);
            MemorySegment.copy(MemorySegment.ofArray(chunk), 0, dst, offset + done, got);
            done += got;
            if (got < want) {
                throw new IOException(source + ": truncated: the header declares " + n + " bytes of " + what
                        + ", the data ends after " + done);
            }
        }
    }

    /** Reads {@code n} bytes as chunks, failing when the stream ends first. */
    private static List<byte[]> readChunks(InputStream in, long n, String source, String what) throws IOException {
        List<byte[]> chunks = new ArrayList<>();
        long done = 0;
        while (done < n) {
            byte[] c = in.readNBytes((int) Math.min(CHUNK, n - done));
            chunks.add(c);
            done += c.length;
            if (c.length == 0) {
                break;
            }
        }
        if (done < n) {
            throw new IOException(source + ": truncated: the header declares " + n + " bytes of " + what + ", the data ends after "
                    + done);
        }
        return chunks;
    }
}
