package dev.panamax.kernels;

import java.lang.foreign.MemorySegment;

/**
 * Argument validation shared by every kernel entry point. Each failure names the argument,
 * the expected and the actual value, so that a bad call is diagnosed without a debugger.
 * Validation runs once per call, never inside a loop.
 */
public final class Checks {

    private Checks() {
    }

    /** Fails unless {@code value >= 0}. */
    public static void nonNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + value);
        }
    }

    /** Fails unless {@code value >= 1}. */
    public static void positive(String name, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + value);
        }
    }

    /** Fails unless {@code value >= min}, describing {@code min} as {@code what}. */
    public static void atLeast(String name, long value, long min, String what) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be >= " + what + " (" + min + "), got " + value);
        }
    }

    /** Fails unless the segment is not null. */
    public static void notNull(String name, MemorySegment segment) {
        if (segment == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
    }

    /**
     * Checks that {@code n} elements of {@code elementBytes} bytes each, starting at element
     * {@code offset} and {@code stride} elements apart, lie inside the segment.
     */
    public static void extent(String name, MemorySegment segment, long offset, long n, long stride,
                              int elementBytes) {
        notNull(name, segment);
        if (offset < 0) {
            throw new IllegalArgumentException(name + " offset must be >= 0, got " + offset);
        }
        if (n < 0) {
            throw new IllegalArgumentException(name + " element count must be >= 0, got " + n);
        }
        if (n == 0) {
            return;
        }
        if (stride < 1) {
            throw new IllegalArgumentException(name + " stride must be >= 1, got " + stride);
        }
        long last;
        try {
            last = Math.addExact(offset, Math.multiplyExact(n - 1, stride));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(name + ": " + n + " elements, stride " + stride + ", from offset " + offset
                    + " reach beyond any segment");
        }
        long capacity = segment.byteSize() / elementBytes;
        if (last >= capacity) {
            throw new IllegalArgumentException(name + " needs elements up to index " + last
                    + " (offset " + offset + ", " + n + " elements, stride " + stride
                    + ") but its segment holds " + capacity + " elements");
        }
    }

    /**
     * Checks a row-major {@code rows x cols} float32 matrix whose rows lie {@code ld} elements
     * apart (the caller checks {@code ld} against {@code cols}, naming its own rule): nothing to
     * check when it is empty but the offset, else its last element inside the segment.
     */
    public static void matrix(String name, MemorySegment segment, long offset, long rows, long cols, long ld) {
        notNull(name, segment);
        // no message is built unless it is thrown: these checks run on every call of a hot kernel
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException(name + " rows and columns must be >= 0, got " + rows + " x " + cols);
        }
        if (rows == 0 || cols == 0) {
            if (offset < 0) {
                throw new IllegalArgumentException(name + " offset must be >= 0, got " + offset);
            }
            return;
        }
        long span;
        try {
            span = Math.addExact(Math.multiplyExact(rows - 1, ld), cols);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(name + ": " + rows + " rows of " + cols + " with leading dimension " + ld
                    + " reach beyond any segment");
        }
        floats(name, segment, offset, span);
    }

    /**
     * Checks that a written strided tensor gives each of its elements a place of its own: with
     * the dimensions of more than one element ordered by stride, each stride must reach past
     * everything the smaller ones span (rows of {@code rowLength} contiguous elements at the
     * bottom). A sufficient condition that every real layout (row-major, batch-first heads,
     * transposed views) meets; two results written to one place would silently overwrite each
     * other.
     *
     * @param counts  the sizes of the strided dimensions
     * @param strides their strides, in elements
     */
    public static void nonOverlapping(String name, long rowLength, long[] counts, long[] strides) {
        long span = rowLength;
        int done = 0;                                   // bit i: dimension i placed (dimensions by increasing stride)
        for (int step = 0; step < counts.length; step++) {
            int next = -1;
            for (int i = 0; i < counts.length; i++) {
                if ((done & (1 << i)) == 0 && (next < 0 || strides[i] < strides[next])) {
                    next = i;
                }
            }
            done |= 1 << next;
            if (counts[next] <= 1) {
                continue;
            }
            if (strides[next] < span) {
                throw new IllegalArgumentException(name + " strides " + java.util.Arrays.toString(strides) + " for sizes "
                        + java.util.Arrays.toString(counts) + " write two elements to one place");
            }
            try {
                span = Math.addExact(Math.multiplyExact(counts[next] - 1, strides[next]), span);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException(name + " strides " + java.util.Arrays.toString(strides) + " reach beyond any segment");
            }
        }
    }

    /**
     * {@link #nonOverlapping(String, long, long[], long[])} of three strided dimensions
     * ({@code n_i} elements {@code s_i} apart), without the two arrays per call: attention checks
     * its output on every call, a decoding step's included. The dimensions are ordered by stride
     * as the array form orders them; a layout that fails is handed to the array form, which names it.
     */
    public static void nonOverlapping(String name, long rowLength, long n0, long s0, long n1, long s1, long n2, long s2) {
        long an = n0, as = s0, bn = n1, bs = s1, cn = n2, cs = s2, t;
        if (bs < as) {
            t = an; an = bn; bn = t;
            t = as; as = bs; bs = t;
        }
        if (cs < bs) {
            t = bn; bn = cn; cn = t;
            t = bs; bs = cs; cs = t;
            if (bs < as) {
                t = an; an = bn; bn = t;
                t = as; as = bs; bs = t;
            }
        }
        long span = placed(rowLength, an, as);
        span = span < 0 ? span : placed(span, bn, bs);
        span = span < 0 ? span : placed(span, cn, cs);
        if (span < 0) {
            nonOverlapping(name, rowLength, new long[] {n0, n1, n2}, new long[] {s0, s1, s2});
            throw new IllegalStateException(name + ": overlapping strides not named");      // the call above throws
        }
    }

    /** The span after placing n elements stride apart above {@code span}; -1 if they overlap it or overflow. */
    private static long placed(long span, long n, long stride) {
        if (n <= 1) {
            return span;
        }
        if (stride < span) {
            return -1;
        }
        try {
            return Math.addExact(Math.multiplyExact(n - 1, stride), span);
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    /** {@link #elements(long...)} of two dimensions, without an array per call (kernels check on every call). */
    public static long elements(long d0, long d1) {
        return d0 == 0 || d1 == 0 ? 0 : times(d0, d1);
    }

    /** {@link #elements(long...)} of three dimensions, without an array per call (kernels check on every call). */
    public static long elements(long d0, long d1, long d2) {
        return d0 == 0 || d1 == 0 || d2 == 0 ? 0 : times(times(d0, d1), d2);
    }

    /** {@code a b} for positive factors, or {@code Long.MAX_VALUE} when it overflows (or a factor already did). */
    private static long times(long a, long b) {
        long lo = a * b;
        return Math.multiplyHigh(a, b) != 0 || lo < 0 ? Long.MAX_VALUE : lo;
    }

    /**
     * The number of elements of a tensor with these dimensions, or {@code Long.MAX_VALUE} when
     * the product overflows (such a tensor fits no segment, and the extent check then says so);
     * negative dimensions are the caller's to reject first.
     */
    public static long elements(long... dims) {
        for (long d : dims) {
            if (d == 0) {
                return 0;
            }
        }
        long n = 1;
        for (long d : dims) {
            n = times(n, d);
        }
        return n;
    }

    /** {@link #extent} for float32 data. */
    public static void floats(String name, MemorySegment segment, long offset, long n, long stride) {
        extent(name, segment, offset, n, stride, Float.BYTES);
    }

    /** {@link #extent} for contiguous float32 data. */
    public static void floats(String name, MemorySegment segment, long offset, long n) {
        extent(name, segment, offset, n, 1, Float.BYTES);
    }

    /** {@link #extent} for contiguous int64 data. */
    public static void longs(String name, MemorySegment segment, long offset, long n) {
        extent(name, segment, offset, n, 1, Long.BYTES);
    }

    /**
     * {@code e} again with the tensor's shape in front ({@code "h0 [2, 3, 4]: ..."}). Checks that
     * run on every call take the bare name and add the shape only when they throw: a name built
     * up front is a string allocated on every call of a hot kernel.
     */
    public static IllegalArgumentException withShape(IllegalArgumentException e, String name, long... shape) {
        StringBuilder b = new StringBuilder(name).append(" [");
        for (int i = 0; i < shape.length; i++) {
            b.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return new IllegalArgumentException(b.append("]: ").append(e.getMessage()).toString(), e);
    }

    /**
     * A resampling of {@code planes} planes of {@code H x W} into planes of {@code Hout x Wout}
     * (pools, upsampling): every size positive, and each operand large enough.
     */
    public static void resampledPlanes(long planes, int h, int w, int oh, int ow, String inName, MemorySegment in,
                                       long inOff, String outName, MemorySegment out, long outOff) {
        nonNegative("planes", planes);
        positive("H", h);
        positive("W", w);
        positive("output height", oh);
        positive("output width", ow);
        floats(inName, in, inOff, elements(planes, (long) h * w));
        floats(outName, out, outOff, elements(planes, (long) oh * ow));
    }
}
