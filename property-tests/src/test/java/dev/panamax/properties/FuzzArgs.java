package dev.panamax.properties;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;

/**
 * Arguments of a fuzzed kernel call drawn from the fuzzer's bytes, biased towards the edges that
 * break bounds checks: sizes mostly small and sometimes any {@code int}; strides and leading
 * dimensions mostly the smallest legal one or a little more, sometimes one or two short, sometimes
 * any {@code long}; segments mostly exactly as large as the arguments need or a little larger,
 * sometimes a few elements short, never larger than {@link #MAX_FLOATS} (a call that needs more
 * must refuse). Values come from a generator seeded by the input, so the bytes go to the shapes.
 */
final class FuzzArgs {

    /** The largest segment allocated, in elements: larger needs mean the call must refuse. */
    static final long MAX_FLOATS = 1 << 16;

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    private final FuzzedDataProvider data;
    private final Arena arena;
    private final SplittableRandom values;

    FuzzArgs(FuzzedDataProvider data, Arena arena) {
        this.data = data;
        this.arena = arena;
        this.values = new SplittableRandom(data.consumeLong());
    }

    boolean bool() {
        return data.consumeBoolean();
    }

    /** One of {@code choices}. */
    int pick(int... choices) {
        return data.pickValue(choices);
    }

    /** A size in {@code [0, max]}, now and then any int (negative, huge). */
    int dim(int max) {
        return data.consumeInt(0, 31) == 0 ? data.consumeInt() : data.consumeInt(0, max);
    }

    /** A size in {@code [1, max]}, now and then any int. */
    int positive(int max) {
        return data.consumeInt(0, 31) == 0 ? data.consumeInt() : data.consumeInt(1, max);
    }

    /** An element offset: mostly {@code 0..3}, now and then any long. */
    long offset() {
        return data.consumeInt(0, 31) == 0 ? data.consumeLong() : data.consumeInt(0, 3);
    }

    /** A stride or leading dimension around the smallest legal one. */
    long stride(long minimal) {
        return switch (data.consumeInt(0, 15)) {
            case 0 -> data.consumeLong();
            case 1 -> minimal - data.consumeInt(1, 2);
            default -> minimal + (data.consumeBoolean() ? 0 : data.consumeInt(1, 3));
        };
    }

    /** A float attribute: mostly ordinary, now and then 0, -0, 1, -1, NaN or the smallest subnormal. */
    float scalar() {
        return switch (data.consumeInt(0, 7)) {
            case 0 -> 0f;
            case 1 -> 1f;
            case 2 -> data.pickValue(new float[] {Float.NaN, -1f, -0f, Float.MIN_VALUE});
            default -> (float) (values.nextDouble() * 2 - 1);
        };
    }

    /**
     * A float segment for {@code needed} elements (see {@link #footprint}): mostly that many or a
     * few more, sometimes a few fewer, now and then null; filled with values in [-1, 1].
     */
    MemorySegment floats(long needed) {
        long n = size(needed);
        if (n < 0) {
            return null;
        }
        MemorySegment s = arena.allocate(n * Float.BYTES, 64);
        for (long i = 0; i < n; i++) {
            s.setAtIndex(F, i, (float) (values.nextDouble() * 2 - 1));
        }
        return s;
    }

    /** An int64 segment as {@link #floats}, filled with values in {@code [lo, hi]}. */
    MemorySegment longs(long needed, long lo, long hi) {
        long n = size(needed);
        if (n < 0) {
            return null;
        }
        MemorySegment s = arena.allocate(n * Long.BYTES, 64);
        for (long i = 0; i < n; i++) {
            s.setAtIndex(ValueLayout.JAVA_LONG, i, hi < lo ? lo : lo + values.nextLong(hi - lo + 1));
        }
        return s;
    }

    /** A value from the input's own generator, in {@code [0, bound)}. */
    int nextInt(int bound) {
        return values.nextInt(bound);
    }

    private long size(long needed) {
        int mode = data.consumeInt(0, 31);
        if (mode == 0) {
            return -1;
        }
        long n = mode == 1 ? needed - data.consumeInt(1, 3) : needed + (data.consumeBoolean() ? 0 : data.consumeInt(1, 4));
        if (n > MAX_FLOATS || n < 0) {
            n = data.consumeInt(0, 16);
        }
        return n;
    }

    /**
     * Elements a strided tensor reaches: {@code offset + sum (count_i - 1) stride_i + 1}, from
     * (count, stride) pairs; 0 when a count is 0; {@code Long.MAX_VALUE} when it overflows or a
     * count or stride is negative (such an argument must be refused anyway).
     */
    static long footprint(long offset, long... countStride) {
        long last = offset;
        for (int i = 0; i < countStride.length; i += 2) {
            if (countStride[i] == 0) {
                return 0;
            }
        }
        try {
            for (int i = 0; i < countStride.length; i += 2) {
                if (countStride[i] < 0 || countStride[i + 1] < 0) {
                    return Long.MAX_VALUE;
                }
                last = Math.addExact(last, Math.multiplyExact(countStride[i] - 1, countStride[i + 1]));
            }
            return last < 0 ? Long.MAX_VALUE : last + 1;
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * A shape's element count: 0 with any size 0 (whatever the others), -1 when a size is negative
     * or the count passes a long.
     */
    static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                return -1;
            }
            if (d == 0) {
                n = 0;
            }
        }
        for (long d : shape) {
            if (n > 0) {
                n = n > Long.MAX_VALUE / d ? -1 : n * d;
            }
        }
        return n;
    }

    /** The segment's bytes, to show later that a refused call wrote nothing. */
    static byte[][] snapshot(MemorySegment... outputs) {
        byte[][] copy = new byte[outputs.length][];
        for (int i = 0; i < outputs.length; i++) {
            copy[i] = outputs[i] == null ? null : outputs[i].toArray(ValueLayout.JAVA_BYTE);
        }
        return copy;
    }

    /**
     * Runs a fuzzed kernel call: true when it completed; false when it refused the arguments with an
     * {@link IllegalArgumentException} that has a message, having written none of {@code outputs}.
     * Any other throwable (an index out of bounds inside a kernel, an arithmetic overflow, an error)
     * propagates and is a finding.
     */
    static boolean accepted(Runnable call, MemorySegment... outputs) {
        byte[][] before = snapshot(outputs);
        try {
            call.run();
            return true;
        } catch (IllegalArgumentException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                throw new AssertionError("refused without saying why", e);
            }
            for (int i = 0; i < outputs.length; i++) {
                if (outputs[i] != null && !Arrays.equals(before[i], outputs[i].toArray(ValueLayout.JAVA_BYTE))) {
                    throw new AssertionError("refused (" + e.getMessage() + ") after writing output " + i, e);
                }
            }
            return false;
        }
    }

    /** Element {@code i} of a float segment: the reference reads through bounds checks. */
    static float at(MemorySegment s, long i) {
        return s.getAtIndex(F, i);
    }

    /** {@code n} contiguous elements from {@code offset}, in double, read through bounds checks. */
    static double[] dense(MemorySegment s, long offset, long n) {
        double[] out = new double[Math.toIntExact(n)];
        for (int i = 0; i < out.length; i++) {
            out[i] = at(s, offset + i);
        }
        return out;
    }

    /** Fails unless {@code got} is within {@code 1e-4 (scale + 1)} of {@code want}, NaN matching NaN and infinities themselves. */
    static void close(String what, float got, double want, double scale) {
        boolean ok = Double.isNaN(want) ? Float.isNaN(got)
                : Double.isInfinite(want) ? got == want
                : Math.abs(got - want) <= 1e-4 * (scale + 1);
        if (!ok) {
            throw new AssertionError(what + ": got " + got + ", want " + want);
        }
    }
}
