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

    /**
     * The rows of {@code x} for a fitted preprocessor's {@code transform}: it must have been
     * fitted, on as many columns as {@code perColumn} (one fitted value per column, null before
     * fitting) has.
     *
     * @param what the preprocessor's name in messages ("imputer", "clipper", ...)
     */
    static float[] fittedRows(Tensor x, double[] perColumn, String what) {
        if (perColumn == null) {
            throw new IllegalStateException("fit the " + what + " before transforming");
        }
        float[] v = rows(x, "x");
        int columns = perColumn.length;
        if (x.size(1) != columns) {
            throw new IllegalArgumentException("x has " + x.size(1) + " columns, the " + what + " was fitted on " + columns);
        }
        return v;
    }

    /** The mean of each of the {@code f} columns of row-major {@code v} ({@code n} rows), in double. */
    static double[] columnMeans(float[] v, int n, int f) {
        if (n == 0) {
            throw new IllegalArgumentException("x has no rows to fit");
        }
        double[] mean = new double[f];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < f; j++) {
                mean[j] += v[i * f + j];
            }
        }
        for (int j = 0; j < f; j++) {
            mean[j] /= n;
        }
        return mean;
    }
}
