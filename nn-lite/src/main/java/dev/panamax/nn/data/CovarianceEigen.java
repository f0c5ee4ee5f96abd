package dev.panamax.nn.data;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * The eigendecomposition of a data matrix's covariance {@code C = Xc^T Xc / N = U diag(S) U^T}
 * (EJML's symmetric eigensolver, in double), eigenpairs sorted by decreasing variance and
 * eigenvectors scaled to unit length: what PCA and whitening are built from.
 *
 * @param mean    the column means {@code [F]}
 * @param values  the variances along each direction, decreasing {@code [F]} (negative rounding clamped to 0)
 * @param vectors {@code vectors[r]} is the unit eigenvector of {@code values[r]} {@code [F]}
 */
record CovarianceEigen(double[] mean, double[] values, double[][] vectors) {

    /** The decomposition of {@code x [N, F]}, failing when {@code components} (0: all) exceeds F. */
    static CovarianceEigen of(dev.panamax.nn.tensor.Tensor x, int components) {
        float[] v = Matrices.rows(x, "x");
        int f = (int) x.size(1);
        if (components > f) {
            throw new IllegalArgumentException("cannot keep " + components + " components of " + f + " features");
        }
        return of(v, (int) x.size(0), f);
    }

    static CovarianceEigen of(float[] rows, int n, int f) {
        double[] mean = Matrices.columnMeans(rows, n, f);
        DMatrixRMaj centred = centred(rows, n, f, mean);
        DMatrixRMaj cov = new DMatrixRMaj(f, f);
        CommonOps_DDRM.multTransA(centred, centred, cov);
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
        double[] values = new double[f];
        double[][] vectors = new double[f][f];
        for (int r = 0; r < f; r++) {
            DMatrixRMaj u = eig.getEigenVector(order[r]);
            double norm = 0;                 // EJML's eigenvectors need not have unit length
            for (int a = 0; a < f; a++) {
                norm += u.get(a) * u.get(a);
            }
            norm = Math.sqrt(norm);
            for (int a = 0; a < f; a++) {
                vectors[r][a] = u.get(a) / norm;
            }
            values[r] = Math.max(eig.getEigenvalue(order[r]).getReal(), 0);
        }
        return new CovarianceEigen(mean, values, vectors);
    }

    /** {@code rows - mean} as an EJML matrix {@code [n, f]}. */
    static DMatrixRMaj centred(float[] rows, int n, int f, double[] mean) {
        DMatrixRMaj c = new DMatrixRMaj(n, f);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < f; j++) {
                c.set(i, j, rows[i * f + j] - mean[j]);
            }
        }
        return c;
    }
}
