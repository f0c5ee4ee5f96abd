package dev.panamax.properties;

import static dev.panamax.properties.FuzzArgs.at;
import static dev.panamax.properties.FuzzArgs.footprint;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.panamax.kernels.elementwise.BinaryOp;
import dev.panamax.kernels.elementwise.Broadcast;
import dev.panamax.kernels.elementwise.Unary;
import dev.panamax.kernels.elementwise.UnaryOp;

/**
 * The broadcasting kernels under fuzzed ranks (0 to 4), sizes, strides (0 for a broadcast
 * dimension, around row-major, now and then any long), offsets and segment sizes: a refusal that
 * writes nothing, or every output what its definition gives, read element by element through the
 * strides: {@code y[i] = a op b} and {@code cond ? a : b} to the bit, and {@code sumTo}'s sums
 * within the error bound of summing them one by one in float, {@code (terms + 1) 2^-24 sum |g|}.
 * And the functions of one
 * run, in place or not: each element what a call on it alone gives, to the bit (the masked tail
 * computes what the whole vectors do).
 */
class ElementwiseFuzzTest {

    @FuzzTest
    void broadcastBinary(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            FuzzArgs f = new FuzzArgs(data, arena);
            BinaryOp op = BinaryOp.values()[f.pick(0, 1, 2, 3)];
            long[] shape = shape(f);
            long[] as = strides(f, shape);
            long[] bs = strides(f, shape);
            long aOff = f.offset();
            long bOff = f.offset();
            long yOff = f.offset();
            long n = FuzzArgs.count(shape);
            MemorySegment a = f.floats(footprint(aOff, pairs(shape, as)));
            MemorySegment b = f.floats(footprint(bOff, pairs(shape, bs)));
            MemorySegment y = f.floats(n < 0 ? Long.MAX_VALUE : footprint(yOff, n, 1));
            if (!FuzzArgs.accepted(() -> Broadcast.apply(op, shape, a, aOff, as, b, bOff, bs, y, yOff), y) || n > 1 << 16) {
                return;
            }
            long[] index = new long[shape.length];
            for (long i = 0; i < n; i++) {
                float want = op.apply(at(a, aOff + dot(index, as)), at(b, bOff + dot(index, bs)));
                float got = at(y, yOff + i);
                if (Float.floatToIntBits(got) != Float.floatToIntBits(want)) {
                    throw new AssertionError(op + " over " + Arrays.toString(shape) + ", strides " + Arrays.toString(as) + " and "
                            + Arrays.toString(bs) + ": element " + i + " is " + got + ", want " + want);
                }
                next(index, shape);
            }
        }
    }

    @FuzzTest
    void broadcastSelect(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            FuzzArgs f = new FuzzArgs(data, arena);
            long[] shape = shape(f);
            long[] cs = strides(f, shape);
            long[] as = strides(f, shape);
            long[] bs = strides(f, shape);
            long cOff = f.offset();
            long aOff = f.offset();
            long bOff = f.offset();
            long yOff = f.offset();
            long n = FuzzArgs.count(shape);
            MemorySegment cond = f.longs(footprint(cOff, pairs(shape, cs)), 0, 1);
            MemorySegment a = f.floats(footprint(aOff, pairs(shape, as)));
            MemorySegment b = f.floats(footprint(bOff, pairs(shape, bs)));
            MemorySegment y = f.floats(n < 0 ? Long.MAX_VALUE : footprint(yOff, n, 1));
            if (!FuzzArgs.accepted(() -> Broadcast.select(shape, cond, cOff, cs, a, aOff, as, b, bOff, bs, y, yOff), y)
                    || n > 1 << 16) {
                return;
            }
            long[] index = new long[shape.length];
            for (long i = 0; i < n; i++) {
                boolean pick = cond.getAtIndex(ValueLayout.JAVA_LONG, cOff + dot(index, cs)) != 0;
                float want = pick ? at(a, aOff + dot(index, as)) : at(b, bOff + dot(index, bs));
                if (Float.floatToIntBits(at(y, yOff + i)) != Float.floatToIntBits(want)) {
                    throw new AssertionError("select over " + Arrays.toString(shape) + ": element " + i + " is " + at(y, yOff + i)
                            + ", want " + want);
                }
                next(index, shape);
            }
        }
    }

    @FuzzTest
    void sumTo(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            FuzzArgs f = new FuzzArgs(data, arena);
            long[] shape = shape(f);
            long[] target = new long[shape.length];
            for (int d = 0; d < shape.length; d++) {
                target[d] = f.pick(0, 1, 2) == 0 ? f.dim(6) : f.bool() ? 1 : shape[d];
            }
            long gOff = f.offset();
            long outOff = f.offset();
            long n = FuzzArgs.count(shape);
            long m = FuzzArgs.count(target);
            MemorySegment g = f.floats(n < 0 ? Long.MAX_VALUE : footprint(gOff, n, 1));
            MemorySegment out = f.floats(m < 0 ? Long.MAX_VALUE : footprint(outOff, m, 1));
            if (!FuzzArgs.accepted(() -> Broadcast.sumTo(shape, g, gOff, target, out, outOff), out) || n > 1 << 16) {
                return;
            }
            double[] want = new double[Math.toIntExact(m)];
            double[] magnitude = new double[want.length];
            long[] terms = new long[want.length];
            long[] index = new long[shape.length];
            long[] targetStrides = new long[shape.length];
            for (int d = shape.length - 1, s = 1; d >= 0; s *= (int) target[d], d--) {
                targetStrides[d] = target[d] == 1 ? 0 : s;
            }
            for (long i = 0; i < n; i++) {
                int t = (int) dot(index, targetStrides);
                want[t] += at(g, gOff + i);
                magnitude[t] += Math.abs(at(g, gOff + i));
                terms[t]++;
                next(index, shape);
            }
            for (int t = 0; t < want.length; t++) {
                double got = at(out, outOff + t);
                // recursive summation's bound, (terms - 1) u sum |g|, with the final rounding to float
                if (!(Math.abs(got - want[t]) <= 0x1p-24 * (terms[t] + 1) * magnitude[t])) {
                    throw new AssertionError(Arrays.toString(shape) + " to " + Arrays.toString(target) + ": element " + t + " is "
                            + got + ", want " + want[t]);
                }
            }
        }
    }

    @FuzzTest
    void unary(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            FuzzArgs f = new FuzzArgs(data, arena);
            UnaryOp op = UnaryOp.values()[f.pick(0, 1, 2, 3, 4, 5)];
            boolean inPlace = f.bool();
            long n = f.dim(200);
            long xOff = f.offset();
            long yOff = inPlace ? xOff : f.offset();
            MemorySegment x = f.floats(footprint(xOff, n, 1));
            MemorySegment y = inPlace ? x : f.floats(footprint(yOff, n, 1));
            MemorySegment xCopy = x == null ? null : arena.allocate(x.byteSize()).copyFrom(x);
            if (x != null) {
                for (long i = 0; i < x.byteSize() / Float.BYTES; i++) {       // beyond [-1, 1], zeros among them
                    xCopy.setAtIndex(ValueLayout.JAVA_FLOAT, i, i % 5 == 0 ? 0f : at(x, i) * 90);
                }
                x.copyFrom(xCopy);
            }
            if (!FuzzArgs.accepted(() -> Unary.apply(op, n, x, xOff, y, yOff), y) || n > 1 << 16) {
                return;
            }
            MemorySegment one = arena.allocate(Float.BYTES);
            for (long i = 0; i < n; i++) {
                one.setAtIndex(ValueLayout.JAVA_FLOAT, 0, at(xCopy, xOff + i));
                Unary.apply(op, 1, one, 0, one, 0);
                float want = at(one, 0);
                float got = at(y, yOff + i);
                if (Float.floatToIntBits(got) != Float.floatToIntBits(want)) {
                    throw new AssertionError(op + " n " + n + (inPlace ? " in place" : "") + ": element " + i + " is " + got
                            + ", alone " + want);
                }
            }
        }
    }

    private static long[] shape(FuzzArgs f) {
        long[] shape = new long[f.pick(0, 1, 2, 3, 4)];
        for (int d = 0; d < shape.length; d++) {
            shape[d] = f.pick(0, 1, 2, 3) == 0 ? 1 : f.dim(9);
        }
        return shape;
    }

    /** Per dimension: 0 (broadcast) or around the row-major stride of the dimensions inside. */
    private static long[] strides(FuzzArgs f, long[] shape) {
        long[] s = new long[shape.length];
        long inner = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            s[d] = f.pick(0, 1, 2) == 0 ? 0 : f.stride(inner);
            inner = shape[d] > 0 && inner < 1 << 20 ? inner * shape[d] : inner;
        }
        return s;
    }

    private static long[] pairs(long[] shape, long[] strides) {
        long[] out = new long[2 * shape.length];
        for (int d = 0; d < shape.length; d++) {
            out[2 * d] = shape[d];
            out[2 * d + 1] = strides[d];
        }
        return out;
    }

    private static long dot(long[] index, long[] strides) {
        long s = 0;
        for (int d = 0; d < index.length; d++) {
            s += index[d] * strides[d];
        }
        return s;
    }

    private static void next(long[] index, long[] shape) {
        for (int d = shape.length - 1; d >= 0; d--) {
            if (++index[d] < shape[d]) {
                return;
            }
            index[d] = 0;
        }
    }
}
