package dev.panamax.nn.data;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import dev.panamax.nn.tensor.Tensor;

/**
 * Fills missing values ({@code NaN}) column by column, as scikit-learn's {@code SimpleImputer}:
 * with the column's mean, median, most frequent value, or a constant, learned from the
 * training data's present values.
 */
public final class Imputer implements Preprocessor {

    static final int TYPE = 3;

    /** What a gap is filled with. */
    public enum Strategy { MEAN, MEDIAN, MOST_FREQUENT, CONSTANT }

    private final Strategy strategy;
    private final double constant;
    private double[] fill;

    /** @param constant the fill value for {@link Strategy#CONSTANT} (ignored otherwise) */
    public Imputer(Strategy strategy, double constant) {
        this.strategy = strategy;
        this.constant = constant;
    }

    @Override
    public Imputer fit(Tensor x) {
        float[] v = Matrices.rows(x, "x");
        int n = (int) x.size(0);
        int f = (int) x.size(1);
        fill = new double[f];
        for (int j = 0; j < f; j++) {
            double[] present = new double[n];
            int m = 0;
            for (int i = 0; i < n; i++) {
                float e = v[i * f + j];
                if (!Float.isNaN(e)) {
                    present[m++] = e;
                }
            }
            double[] col = Arrays.copyOf(present, m);
            if (m == 0 && strategy != Strategy.CONSTANT) {
                throw new IllegalArgumentException("column " + j + " has no values to learn a " + strategy + " from");
            }
            fill[j] = switch (strategy) {
                case MEAN -> Arrays.stream(col).sum() / m;
                case MEDIAN -> median(col);
                case MOST_FREQUENT -> mostFrequent(col);
                case CONSTANT -> constant;
            };
        }
        return this;
    }

    private static double median(double[] col) {
        Arrays.sort(col);
        int m = col.length;
        return m % 2 == 1 ? col[m / 2] : (col[m / 2 - 1] + col[m / 2]) / 2;
    }

    /** The most frequent value; ties go to the smallest, as scikit-learn. */
    private static double mostFrequent(double[] col) {
        Map<Double, Integer> counts = new HashMap<>();
        for (double d : col) {
            counts.merge(d, 1, Integer::sum);
        }
        return counts.entrySet().stream()
                .max((a, b) -> a.getValue().equals(b.getValue()) ? Double.compare(b.getKey(), a.getKey())
                        : Integer.compare(a.getValue(), b.getValue()))
                .orElseThrow().getKey();
    }

    @Override
    public Tensor transform(Tensor x, Arena arena) {
        float[] v = Matrices.fittedRows(x, fill, "imputer");
        int f = fill.length;
        for (int i = 0; i < v.length; i++) {
            if (Float.isNaN(v[i])) {
                v[i] = (float) fill[i % f];
            }
        }
        return Tensor.of(arena, v, x.shape());
    }

    /** The learned fill value of each column. */
    public double[] fillValues() {
        return fill.clone();
    }

    @Override
    public Map<String, double[]> state() {
        return Map.of("type", new double[] {TYPE}, "strategy", new double[] {strategy.ordinal()},
                "constant", new double[] {constant}, "fill", fill.clone());
    }

    static Imputer restore(Map<String, double[]> state) {
        Imputer imp = new Imputer(Strategy.values()[(int) state.get("strategy")[0]], state.get("constant")[0]);
        imp.fill = state.get("fill").clone();
        return imp;
    }
}
