package dev.panamax.nn.data;

import java.lang.foreign.Arena;
import java.util.Map;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

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
        float[] v = Matrices.rows(x, "x");
        int n = (int) x.size(0);
        int f = (int) x.size(1);
        if (components > f) {
            throw new IllegalArgumentException("cannot keep " + components + " components of " + f + " features");
        }
        mean = Matrices.columnMeans(v, n, f);
        DMatrixRMaj cov = new DMatrixRMaj(f, f);
        CommonOps_DDRM.multTransA(centred(v, n, f), centred(v, n, f), cov);
        CommonOps_DDRM.scale(1.0 / n, cov);
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(f, true, true);
        if (!eig.decompose(cov)) {
            throw new IllegalStateException("the eigendecomposition of the covariance did not converge");
        }
        Integer[] order = new Integer[f];
        for (int k = 0; k < f; k++) {
            order[k] = k;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(eig.getEigenvalue(b).getReal(), eig.getEigenvalue(a).getReal()));
        int out = components == 0 ? f : components;
        matrix = new DMatrixRMaj(f, out);
        for (int rank = 0; rank < (components == 0 ? f : components); rank++) {
            int k = order[rank];
            DMatrixRMaj u = eig.getEigenVector(k);
            double s = eig.getEigenvalue(k).getReal();
            double norm = 0;                 // EJML's eigenvectors need not have unit length
            for (int a = 0; a < f; a++) {
                norm += u.get(a) * u.get(a);
            }
            norm = Math.sqrt(norm);
            double w = 1 / Math.sqrt(Math.max(s, 0) + eps);
            for (int a = 0; a < f; a++) {
                double ua = u.get(a) / norm;
                if (components == 0) {
                    for (int b = 0; b < f; b++) {
                        matrix.add(a, b, ua * w * u.get(b) / norm);
                    }
                } else {
                    matrix.set(a, rank, ua * w);
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
        CommonOps_DDRM.mult(centred(v, n, f), matrix, out);
        float[] result = new float[n * matrix.numCols];
        for (int i = 0; i < result.length; i++) {
            result[i] = (float) out.data[i];
        }
        return Tensor.of(arena, result, n, matrix.numCols);
    }

    private DMatrixRMaj centred(float[] v, int n, int f) {
        DMatrixRMaj c = new DMatrixRMaj(n, f);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < f; j++) {
                c.set(i, j, v[i * f + j] - mean[j]);
            }
        }
        return c;
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
