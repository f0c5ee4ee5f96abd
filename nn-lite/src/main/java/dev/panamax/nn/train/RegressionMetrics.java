package dev.panamax.nn.train;

/** Mean squared error and R² of a regressor, from (true, predicted) pairs. */
public final class RegressionMetrics {

    private long n;
    private double sumTruth;
    private double sumTruthSq;
    private double sumErrSq;

    /** Records one prediction. */
    public void add(double truth, double predicted) {
        n++;
        sumTruth += truth;
        sumTruthSq += truth * truth;
        sumErrSq += (truth - predicted) * (truth - predicted);
    }

    public long count() {
        return n;
    }

    /** Mean squared error. */
    public double mse() {
        return n == 0 ? Double.NaN : sumErrSq / n;
    }

    /** Coefficient of determination {@code 1 - SS_res / SS_tot}. */
    public double r2() {
        double mean = sumTruth / n;
        double ssTot = sumTruthSq - n * mean * mean;
        return n == 0 ? Double.NaN : 1 - sumErrSq / ssTot;
    }

    @Override
    public String toString() {
        return String.format("MSE %.4f, R² %.4f (%d samples)", mse(), r2(), n);
    }
}
