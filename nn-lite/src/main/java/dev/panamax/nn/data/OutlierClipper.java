package dev.panamax.nn.data;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Map;

import dev.panamax.nn.tensor.Tensor;

/**
 * Clips outliers column by column to bounds learned from the training data: the
 * {@code [low, high]} quantiles (linear interpolation, as numpy's default), or
 * {@code mean ± k·std} (z-score).
 */
public final class OutlierClipper implements Preprocessor {

    static final int TYPE = 4;

    private final boolean zScore;
    private final double a;
    private final double b;
    private double[] low;
    private double[] high;

    private OutlierClipper(boolean zScore, double a, double b) {
        this.zScore = zScore;
        this.a = a;
        this.b = b;
    }

    /** Clip to the {@code low} and {@code high} quantiles ({@code 0 <= low < high <= 1}). */
    public static OutlierClipper quantiles(double low, double high) {
        if (!(low >= 0 && low < high && high <= 1)) {
            throw new IllegalArgumentException("need 0 <= low < high <= 1, got " + low + ", " + high);
        }
        return new OutlierClipper(false, low, high);
    }

    /** Clip to {@code mean ± k std} of each column. */
    public static OutlierClipper zScore(double k) {
        if (!(k > 0)) {
            throw new IllegalArgumentException("k must be > 0, got " + k);
        }
        return new OutlierClipper(true, k, 0);
    }

    @Override
    public OutlierClipper fit(Tensor x) {
        float[] v = Matrices.rows(x, "x");
        int n = (int) x.size(0);
        int f = (int) x.size(1);
        low = new double[f];
        high = new double[f];
        for (int j = 0; j < f; j++) {
            double[] col = new double[n];
            for (int i = 0; i < n; i++) {
                col[i] = v[i * f + j];
            }
            if (zScore) {
                double mean = Arrays.stream(col).average().orElse(0);
                double var = Arrays.stream(col).map(c -> (c - mean) * (c - mean)).sum() / n;
                low[j] = mean - a * Math.sqrt(var);
                high[j] = mean + a * Math.sqrt(var);
            } else {
                Arrays.sort(col);
                low[j] = quantile(col, a);
                high[j] = quantile(col, b);
            }
        }
        return this;
    }

    private static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    @Override
    public Tensor transform(Tensor x, Arena arena) {
        float[] v = Matrices.fittedRows(x, low, "clipper");
        int f = low.length;
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.max(low[i % f], Math.min(high[i % f], v[i]));
        }
        return Tensor.of(arena, v, x.shape());
    }

    @Override
    public Map<String, double[]> state() {
        return Map.of("type", new double[] {TYPE}, "mode", new double[] {zScore ? 1 : 0}, "a", new double[] {a},
                "b", new double[] {b}, "low", low.clone(), "high", high.clone());
    }

    static OutlierClipper restore(Map<String, double[]> state) {
        OutlierClipper c = new OutlierClipper(state.get("mode")[0] == 1, state.get("a")[0], state.get("b")[0]);
        c.low = state.get("low").clone();
        c.high = state.get("high").clone();
        return c;
    }
}
