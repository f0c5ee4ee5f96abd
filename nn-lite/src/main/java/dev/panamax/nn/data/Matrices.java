package dev.panamax.nn.data;

import java.util.Arrays;

import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/** Checks and copies shared by the preprocessing steps, which work on data matrices {@code [N, F]}. */
final class Matrices {

    private Matrices() {
    }

    /** The row-major values of a float32 {@code [N, F]} tensor. */
    static float[] rows(Tensor x, String name) {
        if (x.rank() != 2 || x.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException(name + " must be a float32 matrix [N, F], got " + Arrays.toString(x.shape())
                    + " " + x.dtype());
        }
        return x.toFloatArray();
    }
}
