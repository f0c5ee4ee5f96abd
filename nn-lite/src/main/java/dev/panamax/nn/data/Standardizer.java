package dev.panamax.nn.data;

import java.lang.foreign.Arena;
import java.util.Map;

import dev.panamax.nn.tensor.Tensor;

/**
 * Standardization of the columns of a data matrix {@code [N, F]}: {@link #fit} learns each
 * column's mean and population variance, {@link #transform} maps {@code x -> (x - mean) / sqrt(var + eps)}.
 * Statistics are accumulated in double, two-pass.
 */
public final class Standardizer implements Preprocessor {

    static final int TYPE = 1;

    private final float eps;
    private double[] mean;
    private double[] scale;

    /** @param eps added to the variance before the square root (guards constant columns) */
    public Standardizer(float eps) {
        if (!(eps >= 0)) {
            throw new IllegalArgumentException("eps must be >= 0, got " + eps);
        }
        this.eps = eps;
    }

    /** Learns the column statistics of {@code x [N, F]}; returns this. */
    @Override
    public Standardizer fit(Tensor x) {
        float[] v = Matrices.rows(x, "x");
        int n = (int) x.size(0);
        int f = (int) x.size(1);
        mean = Matrices.columnMeans(v, n, f);
        scale = new double[f];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < f; j++) {
                double d = v[i * f + j] - mean[j];
                scale[j] += d * d;
            }
        }
        for (int j = 0; j < f; j++) {
            scale[j] = 1 / Math.sqrt(scale[j] / n + eps);
        }
        return this;
    }

    /** {@code (x - mean) / sqrt(var + eps)} column by column, as a new tensor. */
    @Override
    public Tensor transform(Tensor x, Arena arena) {
        float[] v = Matrices.fittedRows(x, mean, "standardizer");
        int f = mean.length;
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) ((v[i] - mean[i % f]) * scale[i % f]);
        }
        return Tensor.of(arena, out, x.shape());
    }

    @Override
    public Map<String, double[]> state() {
        requireFitted();
        return Map.of("type", new double[] {TYPE}, "eps", new double[] {eps}, "mean", mean.clone(), "scale", scale.clone());
    }

    static Standardizer restore(Map<String, double[]> state) {
        Standardizer s = new Standardizer((float) state.get("eps")[0]);
        s.mean = state.get("mean").clone();
        s.scale = state.get("scale").clone();
        return s;
    }

    private void requireFitted() {
        if (mean == null) {
            throw new IllegalStateException("fit the standardizer first");
        }
    }

    /** The fitted column means. */
    public double[] mean() {
        return mean == null ? null : mean.clone();
    }

}
