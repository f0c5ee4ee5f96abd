package dev.panamax.properties;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import dev.panamax.nn.tensor.Tensor;

/** Random test data, and tensors that hold it in contiguous or deliberately strided layouts. */
final class Arrays2 {

    private Arrays2() {
    }

    static float[] uniform(SplittableRandom r, int n, double lo, double hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        return a;
    }

    static long[] shape(SplittableRandom r, int rank, int maxDim) {
        long[] s = new long[rank];
        for (int d = 0; d < rank; d++) {
            s[d] = 1 + r.nextInt(maxDim);
        }
        return s;
    }

    static int numel(long[] shape) {
        return (int) Tensor.product(shape);
    }

    /**
     * A tensor of the given logical shape and row-major values; when {@code strided}, it is a
     * non-contiguous view (the transpose of a contiguous tensor of the reversed shape).
     */
    static Tensor tensor(Arena arena, float[] values, long[] shape, boolean strided) {
        if (!strided || shape.length < 2) {
            return Tensor.of(arena, values, shape);
        }
        int rank = shape.length;
        long[] reversed = new long[rank];
        int[] order = new int[rank];
        for (int d = 0; d < rank; d++) {
            reversed[d] = shape[rank - 1 - d];
            order[d] = rank - 1 - d;
        }
        Tensor base = Tensor.zeros(arena, reversed);
        Tensor view = base.permute(order);
        view.copyFrom(Tensor.of(arena, values, shape));
        return view;
    }

    /** The same bits element by element, except that any NaN stands for a NaN (its payload may differ). */
    static void assertSameValues(String what, float[] got, float[] want) {
        if (got.length != want.length) {
            throw new AssertionError(what + ": " + got.length + " values, expected " + want.length);
        }
        for (int i = 0; i < want.length; i++) {
            boolean same = Float.isNaN(want[i]) ? Float.isNaN(got[i])
                    : Float.floatToRawIntBits(got[i]) == Float.floatToRawIntBits(want[i]);
            if (!same) {
                throw new AssertionError("output " + i + " of " + what + ": " + got[i] + ", expected " + want[i]);
            }
        }
    }
}
