package dev.panamax.nn.data;

import java.lang.foreign.Arena;
import java.util.Map;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

import dev.panamax.nn.tensor.Tensor;

/**
 * Whitening of a data matrix {@code [N, F]} from the covariance {@code C = Xc^T Xc / N = U diag(S) U^T}
 * (EJML's symmetric eigendecomposition, in double):
 * <ul>
 * <li>ZCA: {@code x -> (x - mean) U diag(1/sqrt(S + eps)) U^T}: decorrelated, unit variance, and as
 *     close as possible to the input (OPS.md's {@code zca_whiten});</li>
 * <li>PCA: {@code x -> (x - mean) U_k diag(1/sqrt(S_k + eps))}: the same in the eigenbasis, keeping
 *     the {@code k} components of largest variance (dimension reduction).</li>
 * </ul>
 */
public final class Whitening implements Preprocessor {

    static final int TYPE = 2;

    private final double eps;
    private final int components;
    private double[] mean;
    private DMatrixRMaj matrix;

    private Whitening(double eps, int components) {
        if (!(eps >= 0)) {
            throw new IllegalArgumentException("eps must be >= 0, got " + eps);
        }
        this.eps = eps;
        this.components = components;
    }

    /** ZCA whitening; {@code eps} is added to every eigenvalue (regularises near-singular covariances). */
    public static Whitening zca(double eps) {
        return new Whitening(eps, 0);
    }

    /** PCA whitening onto the {@code components} directions of largest variance. */
    public static Whitening pca(double eps, int components) {
        if (components <= 0) {
            throw new IllegalArgumentException("components must be > 0, got " + components);
        }
        return new Whitening(eps, components);
    }

    @Override
    public Whitening fit(Tensor x) {
        CovarianceEigen e = CovarianceEigen.of(x, components);
        int f = e.mean().length;
        mean = e.mean();
        int kept = components == 0 ? f : components;
        matrix = new DMatrixRMaj(f, components == 0 ? f : components);
        for (int rank = 0; rank < kept; rank++) {
            double[] u = e.vectors()[rank];
            double w = 1 / Math.sqrt(e.values()[rank] + eps);
            for (int a = 0; a < f; a++) {
                if (components == 0) {
                    for (int b = 0; b < f; b++) {
                        matrix.add(a, b, u[a] * w * u[b]);
                    }
                } else {
                    matrix.set(a, rank, u[a] * w);
                }
            }
        }
        return this;
    }

    @Override
    public Tensor transform(Tensor x, Arena arena) {
        float[] v = Matrices.fittedRows(x, matrix == null ? null : mean, "whitening");
        int f = mean.length;
        int n = (int) x.size(0);
        DMatrixRMaj out = new DMatrixRMaj(n, matrix.numCols);
        CommonOps_DDRM.mult(CovarianceEigen.centred(v, n, f, mean), matrix, out);
        float[] result = new float[n * matrix.numCols];
        for (int i = 0; i < result.length; i++) {
            result[i] = (float) out.data[i];
        }
        return Tensor.of(arena, result, n, matrix.numCols);
    }

    @Override
    public Map<String, double[]> state() {
        if (matrix == null) {
            throw new IllegalStateException("fit the whitening first");
        }
        return Map.of("type", new double[] {TYPE}, "eps", new double[] {eps}, "components", new double[] {components},
                "mean", mean.clone(), "matrix", matrix.data.clone());
    }

    static Whitening restore(Map<String, double[]> state) {
        Whitening w = new Whitening(state.get("eps")[0], (int) state.get("components")[0]);
        w.mean = state.get("mean").clone();
        int f = w.mean.length;
        double[] m = state.get("matrix");
        w.matrix = new DMatrixRMaj(f, m.length / f);
        System.arraycopy(m, 0, w.matrix.data, 0, m.length);
        return w;
    }
}
