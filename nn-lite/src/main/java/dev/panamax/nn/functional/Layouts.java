package dev.panamax.nn.functional;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * How the functional ops hand tensors to kernels: shape checks with clear messages, and the
 * collapse of a strided view into the few (size, stride) pairs a kernel takes.
 */
final class Layouts {

    private Layouts() {
    }

    /** Fails unless {@code t} has exactly {@code shape}. */
    static void requireShape(String name, Tensor t, long... shape) {
        if (!t.hasShape(shape)) {
            throw new IllegalArgumentException(name + " must have shape " + Arrays.toString(shape) + ", got "
                    + Arrays.toString(t.shape()));
        }
    }

    // Fixed-rank forms: the hot calls check shapes without a varargs array per call (a
    // steady-state step allocates nothing).

    /** Fails unless {@code t} has exactly the shape {@code [d0]}. */
    static void requireShape(String name, Tensor t, long d0) {
        if (t.rank() != 1 || t.size(0) != d0) {
            requireShape(name, t, new long[] {d0});
        }
    }

    /** Fails unless {@code t} has exactly the shape {@code [d0, d1]}. */
    static void requireShape(String name, Tensor t, long d0, long d1) {
        if (t.rank() != 2 || t.size(0) != d0 || t.size(1) != d1) {
            requireShape(name, t, new long[] {d0, d1});
        }
    }

    /** Fails unless {@code t} has exactly the shape {@code [d0, d1, d2, d3]}. */
    static void requireShape(String name, Tensor t, long d0, long d1, long d2, long d3) {
        if (t.rank() != 4 || t.size(0) != d0 || t.size(1) != d1 || t.size(2) != d2 || t.size(3) != d3) {
            requireShape(name, t, new long[] {d0, d1, d2, d3});
        }
    }

    /** Fails unless {@code t} has {@code like}'s shape. */
    static void requireSameShape(String name, Tensor t, Tensor like) {
        if (!t.sameShape(like)) {
            requireShape(name, t, like.shape());
        }
    }

    /** Fails unless {@code t} has rank {@code rank}. */
    static void requireRank(String name, Tensor t, int rank) {
        if (t.rank() != rank) {
            throw new IllegalArgumentException(name + " must have " + rank + " dimensions, got shape "
                    + Arrays.toString(t.shape()));
        }
    }

    /** Fails unless {@code t} has the given element type. */
    static void requireType(String name, Tensor t, DType dtype) {
        if (t.dtype() != dtype) {
            throw new IllegalArgumentException(name + " must be " + dtype + ", got " + t.dtype());
        }
    }

    /**
     * A float32 {@code t} seen with {@code shape}, by PyTorch's broadcasting: dimensions aligned from the
     * last, each of {@code t}'s equal to {@code shape}'s or 1 (read again along it, stride 0), missing
     * leading ones read again too. A view: nothing is copied.
     */
    static Tensor broadcast(String name, Tensor t, long[] shape) {
        requireType(name, t, DType.FLOAT32);
        return broadcastAnyType(name, t, shape);
    }

    /** {@link #broadcast} for a tensor of any element type (an int64 mask). */
    static Tensor broadcastAnyType(String name, Tensor t, long[] shape) {
        int extra = shape.length - t.rank();
        long[] strides = new long[shape.length];
        boolean fits = extra >= 0;
        for (int d = 0; fits && d < t.rank(); d++) {
            long size = t.size(d);
            fits = size == shape[extra + d] || size == 1;
            strides[extra + d] = size == 1 ? 0 : t.stride(d);
        }
        if (!fits) {
            throw new IllegalArgumentException(name + " of shape " + Arrays.toString(t.shape())
                    + " does not broadcast to " + Arrays.toString(shape)
                    + " (each dimension, aligned from the last, must be equal or 1)");
        }
        return Tensor.wrap(t.dtype(), t.segment(), t.offset(), shape, strides);
    }

    /** {@code t} itself when contiguous, else a contiguous copy (the kernels' fast layout). */
    static Tensor dense(Tensor t, Arena arena) {
        return t == null ? null : t.contiguous(arena);
    }

    /** The product of {@code shape[from, to)}. */
    static long product(long[] shape, int from, int to) {
        long n = 1;
        for (int d = from; d < to; d++) {
            n *= shape[d];
        }
        return n;
    }

    /**
     * The single stride that walks dimensions {@code [from, to)} of a view in row-major order, or
     * -1 when they cannot be walked with one stride. Size-1 dimensions never matter.
     */
    static long collapsedStride(long[] shape, long[] strides, int from, int to) {
        long stride = -1;
        long expected = -1;
        for (int d = to - 1; d >= from; d--) {
            if (shape[d] == 1) {
                continue;
            }
            if (stride < 0) {
                stride = strides[d];
            } else if (strides[d] != expected) {
                return -1;
            }
            expected = strides[d] * shape[d];
        }
        return stride < 0 ? 1 : stride;
    }

    /** An optional tensor's segment for a kernel: null for none. */
    static MemorySegment segment(Tensor t) {
        return t == null ? null : t.segment();
    }

    /** An optional tensor's offset for a kernel: 0 for none. */
    static long offset(Tensor t) {
        return t == null ? 0 : t.offset();
    }
}
