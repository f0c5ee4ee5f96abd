package dev.panamax.nn.data;

import java.lang.foreign.Arena;
import java.util.Map;

import dev.panamax.nn.tensor.Tensor;

/**
 * Principal component analysis, as scikit-learn's {@code PCA}: {@link #transform} projects
 * {@code x [N, F]} onto the {@code k} directions of largest variance, {@code codes = (x - mean) U_k}
 * {@code [N, k]}, and {@link #inverseTransform} maps codes back, {@code x^ = codes U_k^T + mean}: the
 * best rank-k linear reconstruction in squared error (Eckart-Young), the yardstick for an
 * autoencoder with a code of k units. The eigendecomposition is {@link Whitening}'s; unlike PCA
 * whitening, the codes keep their variances.
 */
public final class Pca implements Preprocessor {

    static final int TYPE = 5;

    private final int components;
    private double[] mean;
    private double[][] basis;
    private double[] variances;
    private double totalVariance;

    private Pca(int components) {
        if (components <= 0) {
            throw new IllegalArgumentException("components must be > 0, got " + components);
        }
        this.components = components;
    }

    /** PCA onto {@code components} directions. */
    public static Pca of(int components) {
        return new Pca(components);
    }

    @Override
    public Pca fit(Tensor x) {
        CovarianceEigen e = CovarianceEigen.of(x, components);
        mean = e.mean();
        basis = java.util.Arrays.copyOf(e.vectors(), components);
        variances = java.util.Arrays.copyOf(e.values(), components);
        totalVariance = 0;
        for (double s : e.values()) {
            totalVariance += s;
        }
        return this;
    }

    /** {@code (x - mean) U_k}: {@code [N, F] -> [N, k]}. */
    @Override
    public Tensor transform(Tensor x, Arena arena) {
        float[] v = Matrices.fittedRows(x, mean, "PCA");
        int n = (int) x.size(0);
        int f = mean.length;
        float[] out = new float[n * components];
        for (int i = 0; i < n; i++) {
            for (int r = 0; r < components; r++) {
                double s = 0;
                for (int a = 0; a < f; a++) {
                    s += (v[i * f + a] - mean[a]) * basis[r][a];
                }
                out[i * components + r] = (float) s;
            }
        }
        return Tensor.of(arena, out, n, components);
    }

    /** {@code codes U_k^T + mean}: {@code [N, k] -> [N, F]}. */
    public Tensor inverseTransform(Tensor codes, Arena arena) {
        if (mean == null) {
            throw new IllegalStateException("fit the PCA first");
        }
        if (codes.rank() != 2 || codes.size(1) != components) {
            throw new IllegalArgumentException("codes must be [N, " + components + "], got "
                    + java.util.Arrays.toString(codes.shape()));
        }
        float[] c = codes.contiguous(arena).toFloatArray();
        int n = (int) codes.size(0);
        int f = mean.length;
        float[] out = new float[n * f];
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < f; a++) {
                double s = mean[a];
                for (int r = 0; r < components; r++) {
                    s += c[i * components + r] * basis[r][a];
                }
                out[i * f + a] = (float) s;
            }
        }
        return Tensor.of(arena, out, n, f);
    }

    /** The mean squared error per element of reconstructing {@code x} from its k codes. */
    public double reconstructionError(Tensor x) {
        try (Arena arena = Arena.ofConfined()) {
            float[] back = inverseTransform(transform(x, arena), arena).toFloatArray();
            float[] v = Matrices.rows(x, "x");
            double s = 0;
            for (int i = 0; i < v.length; i++) {
                double d = back[i] - v[i];
                s += d * d;
            }
            return s / v.length;
        }
    }

    /** The fraction of the training data's variance each component holds, decreasing. */
    public double[] explainedVarianceRatio() {
        if (variances == null) {
            throw new IllegalStateException("fit the PCA first");
        }
        double[] r = variances.clone();
        for (int i = 0; i < r.length; i++) {
            r[i] = totalVariance > 0 ? r[i] / totalVariance : 0;
        }
        return r;
    }

    @Override
    public Map<String, double[]> state() {
        if (mean == null) {
            throw new IllegalStateException("fit the PCA first");
        }
        double[] flat = new double[components * mean.length];
        for (int r = 0; r < components; r++) {
            System.arraycopy(basis[r], 0, flat, r * mean.length, mean.length);
        }
        return Map.of("type", new double[] {TYPE}, "components", new double[] {components}, "mean", mean.clone(),
                "basis", flat, "variances", variances.clone(), "total_variance", new double[] {totalVariance});
    }

    static Pca restore(Map<String, double[]> state) {
        for (String key : new String[] {"components", "mean", "basis", "variances", "total_variance"}) {
            if (state.get(key) == null) {
                throw new IllegalArgumentException("PCA state without '" + key + "'");
            }
        }
        Pca p = new Pca((int) state.get("components")[0]);
        p.mean = state.get("mean").clone();
        int f = p.mean.length;
        double[] flat = state.get("basis");
        if (flat.length != (long) p.components * f || state.get("variances").length != p.components) {
            throw new IllegalArgumentException("PCA state: basis of " + flat.length + " and " + state.get("variances").length
                    + " variances for " + p.components + " components of " + f + " features");
        }
        p.basis = new double[p.components][];
        for (int r = 0; r < p.components; r++) {
            p.basis[r] = java.util.Arrays.copyOfRange(flat, r * f, (r + 1) * f);
        }
        p.variances = state.get("variances").clone();
        p.totalVariance = state.get("total_variance")[0];
        return p;
    }
}
