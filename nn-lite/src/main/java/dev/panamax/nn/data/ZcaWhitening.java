package dev.panamax.nn.data;

import java.lang.foreign.Arena;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

import dev.panamax.nn.tensor.Tensor;

/**
 * ZCA whitening of a data matrix {@code [N, F]}: {@link #fit} learns the column means and the
 * whitening matrix {@code W = U diag(1 / sqrt(S + eps)) U^T} from the covariance
 * {@code C = Xc^T Xc / N = U diag(S) U^T}; {@link #transform} maps {@code x -> (x - mean) W}. The
 * result is decorrelated with unit variance and stays as close as possible to the input (unlike
 * PCA whitening, which also rotates). The symmetric eigendecomposition is EJML's, in double.
 */
public final class ZcaWhitening {

    private final double eps;
    private double[] mean;
    private DMatrixRMaj whitening;

    /** @param eps added to every eigenvalue (regularises near-singular covariances) */
    public ZcaWhitening(double eps) {
        if (!(eps >= 0)) {
            throw new IllegalArgumentException("eps must be >= 0, got " + eps);
        }
        this.eps = eps;
    }

    /** Learns the means and the whitening matrix from {@code x [N, F]}; returns this. */
    public ZcaWhitening fit(Tensor x) {
        float[] v = Matrices.rows(x, "x");
        int n = (int) x.size(0);
        int f = (int) x.size(1);
        mean = Matrices.columnMeans(v, n, f);
        DMatrixRMaj centred = new DMatrixRMaj(n, f);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < f; j++) {
                centred.set(i, j, v[i * f + j] - mean[j]);
            }
        }
        DMatrixRMaj cov = new DMatrixRMaj(f, f);
        CommonOps_DDRM.multTransA(centred, centred, cov);
        CommonOps_DDRM.scale(1.0 / n, cov);
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(f, true, true);
        if (!eig.decompose(cov)) {
            throw new IllegalStateException("the eigendecomposition of the covariance did not converge");
        }
        whitening = new DMatrixRMaj(f, f);
        for (int k = 0; k < f; k++) {
            DMatrixRMaj u = eig.getEigenVector(k);
            double s = eig.getEigenvalue(k).getReal();
            double norm2 = 0;                 // EJML's eigenvectors need not have unit length
            for (int a = 0; a < f; a++) {
                norm2 += u.get(a) * u.get(a);
            }
            double w = 1 / Math.sqrt(Math.max(s, 0) + eps) / norm2;
            for (int a = 0; a < f; a++) {
                for (int b = 0; b < f; b++) {
                    whitening.add(a, b, u.get(a) * w * u.get(b));
                }
            }
        }
        return this;
    }

    /** {@code (x - mean) W} as a new tensor. */
    public Tensor transform(Tensor x, Arena arena) {
        if (whitening == null) {
            throw new IllegalStateException("fit the whitening before transforming");
        }
        float[] v = Matrices.rows(x, "x");
        int n = (int) x.size(0);
        int f = mean.length;
        if (x.size(1) != f) {
            throw new IllegalArgumentException("x has " + x.size(1) + " columns, the whitening was fitted on " + f);
        }
        DMatrixRMaj centred = new DMatrixRMaj(n, f);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < f; j++) {
                centred.set(i, j, v[i * f + j] - mean[j]);
            }
        }
        DMatrixRMaj out = new DMatrixRMaj(n, f);
        CommonOps_DDRM.mult(centred, whitening, out);
        float[] result = new float[n * f];
        for (int i = 0; i < result.length; i++) {
            result[i] = (float) out.data[i];
        }
        return Tensor.of(arena, result, n, f);
    }
}
