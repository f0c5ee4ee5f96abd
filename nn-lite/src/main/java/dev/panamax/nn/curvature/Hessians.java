package dev.panamax.nn.curvature;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import dev.panamax.nn.data.DataLoader;
import dev.panamax.nn.layers.Layer;
import dev.panamax.nn.losses.Loss;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * Curvature of a loss in a model's parameters, by backpropagation: Hessian-vector products
 * ({@code torch.autograd.functional.hvp}'s job) and the dominant Hessian eigenvalue.
 *
 * <p>{@code H v} is computed exactly by Pearlmutter's R-operator (forward-over-reverse) when the
 * model is a chain of {@code Linear} layers, elementwise activations, {@code Flatten} and
 * eval-mode {@code Dropout} (nested {@code Sequential}s included) and the loss is
 * {@code CrossEntropyLoss} or {@code MseLoss}; any other model falls back to central differences
 * of two gradients, and the result says which method ran and why. Parameters are those of
 * {@code model.parameters()} (tied weights once), and {@code v} is given in that order and those
 * shapes.
 *
 * <p>Side effects: none visible. The R-operator only reads the layers; the central differences
 * restore parameters, their gradients and the buffers exactly. A model in training mode with
 * dropout draws new masks per gradient, which makes the loss random: call {@code eval()} first.
 */
public final class Hessians {

    private Hessians() {
    }

    /** {@code H v} for the loss of {@code model} on {@code batch}; see {@link #vectorProduct(Layer, Loss, Tensor, Tensor, List, Arena)}. */
    public static HessianVectorProduct vectorProduct(Layer model, Loss loss, DataLoader.Batch batch, List<Tensor> v,
                                                     Arena arena) {
        return vectorProduct(model, loss, batch.x(), batch.y(), v, arena);
    }

    /**
     * {@code H v} where {@code H} is the Hessian of {@code loss(model(x), target)} in the
     * parameters, by the R-operator where it applies and central differences otherwise.
     *
     * @param v     one float32 tensor per parameter of {@code model.parameters()}, same shapes
     * @param arena where the result's tensors are allocated
     */
    public static HessianVectorProduct vectorProduct(Layer model, Loss loss, Tensor x, Tensor target, List<Tensor> v,
                                                     Arena arena) {
        String why = ROperator.unsupported(model, loss);
        return compute(model, loss, x, target, v, why == null ? HessianVectorProduct.Method.R_OPERATOR
                : HessianVectorProduct.Method.CENTRAL_DIFFERENCES, why == null ? "" : "no R-operator for " + why, arena);
    }

    /**
     * {@code H v} by the method given: to compare the two, or to force central differences.
     *
     * @throws IllegalArgumentException for {@code R_OPERATOR} on a model or loss it does not cover
     */
    public static HessianVectorProduct vectorProduct(Layer model, Loss loss, Tensor x, Tensor target, List<Tensor> v,
                                                     HessianVectorProduct.Method method, Arena arena) {
        if (method == HessianVectorProduct.Method.R_OPERATOR) {
            String why = ROperator.unsupported(model, loss);
            if (why != null) {
                throw new IllegalArgumentException("no R-operator for " + why);
            }
        }
        return compute(model, loss, x, target, v, method, method == HessianVectorProduct.Method.R_OPERATOR ? ""
                : "requested", arena);
    }

    /** The method {@link #vectorProduct(Layer, Loss, Tensor, Tensor, List, Arena)} uses for this model and loss. */
    public static HessianVectorProduct.Method method(Layer model, Loss loss) {
        return ROperator.unsupported(model, loss) == null ? HessianVectorProduct.Method.R_OPERATOR
                : HessianVectorProduct.Method.CENTRAL_DIFFERENCES;
    }

    /**
     * The Hessian eigenvalue of largest magnitude, by power iteration from a seeded random
     * direction: {@code v <- H v / |H v|} until two successive Rayleigh quotients {@code v^T H v}
     * agree within {@code tolerance} (relative) or {@code maxIterations} products have run. Near a
     * minimum that is the largest curvature, whose {@code 2 / lambda} bounds gradient descent's
     * stable learning rate.
     */
    public static EigenEstimate topEigenvalue(Layer model, Loss loss, Tensor x, Tensor target, int maxIterations,
                                             double tolerance, long seed) {
        if (maxIterations <= 0 || !(tolerance >= 0)) {
            throw new IllegalArgumentException("maxIterations must be > 0 and tolerance >= 0, got " + maxIterations
                    + " and " + tolerance);
        }
        List<Parameter> params = model.parameters();
        float[] v = new float[Math.toIntExact(count(params))];
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        normalize(v);
        double lambda = Double.NaN;
        HessianVectorProduct.Method method = method(model, loss);
        for (int it = 1; it <= maxIterations; it++) {
            float[] hv;
            try (Arena arena = Arena.ofConfined()) {
                hv = vectorProduct(model, loss, x, target, split(v, params, arena), arena).flat();
            }
            double next = dot(v, hv);
            float[] previous = v.clone();
            System.arraycopy(hv, 0, v, 0, v.length);
            if (normalize(v) == 0) {
                return new EigenEstimate(0, previous, it, true, method);
            }
            if (Math.abs(next - lambda) <= tolerance * Math.abs(next)) {
                return new EigenEstimate(next, v, it, true, method);
            }
            lambda = next;
        }
        return new EigenEstimate(lambda, v, maxIterations, false, method);
    }

    /** The tensors' elements one after another. */
    public static float[] flatten(List<Tensor> tensors) {
        long n = 0;
        for (Tensor t : tensors) {
            n += t.numel();
        }
        float[] out = new float[Math.toIntExact(n)];
        int at = 0;
        for (Tensor t : tensors) {
            float[] f = t.toFloatArray();
            System.arraycopy(f, 0, out, at, f.length);
            at += f.length;
        }
        return out;
    }

    /** {@code flat} cut into tensors shaped as {@code params}' values, allocated from {@code arena}. */
    public static List<Tensor> split(float[] flat, List<Parameter> params, Arena arena) {
        if (flat.length != count(params)) {
            throw new IllegalArgumentException("expected " + count(params) + " values for the parameters, got " + flat.length);
        }
        List<Tensor> out = new ArrayList<>();
        int at = 0;
        for (Parameter p : params) {
            int n = Math.toIntExact(p.numel());
            out.add(Tensor.of(arena, Arrays.copyOfRange(flat, at, at + n), p.value().shape()));
            at += n;
        }
        return out;
    }

    private static HessianVectorProduct compute(Layer model, Loss loss, Tensor x, Tensor target, List<Tensor> v,
                                                HessianVectorProduct.Method method, String reason, Arena arena) {
        List<Parameter> params = model.parameters();
        checkDirection(params, v);
        double[][] acc = new double[params.size()][];
        for (int i = 0; i < acc.length; i++) {
            acc[i] = new double[Math.toIntExact(params.get(i).numel())];
        }
        if (method == HessianVectorProduct.Method.R_OPERATOR) {
            try (Arena work = Arena.ofConfined()) {
                List<Tensor> dense = new ArrayList<>();
                for (Tensor t : v) {
                    dense.add(t.contiguous(work));
                }
                ROperator.apply(model, loss, x, target, params, dense, acc, work);
            }
        } else {
            GradientDifferences.apply(model, loss, x, target, params, v, acc);
        }
        List<Tensor> values = new ArrayList<>();
        for (int i = 0; i < acc.length; i++) {
            float[] f = new float[acc[i].length];
            for (int k = 0; k < f.length; k++) {
                f[k] = (float) acc[i][k];
            }
            values.add(Tensor.of(arena, f, params.get(i).value().shape()));
        }
        return new HessianVectorProduct(values, method, reason);
    }

    private static void checkDirection(List<Parameter> params, List<Tensor> v) {
        if (v.size() != params.size()) {
            throw new IllegalArgumentException("v needs one tensor per parameter (" + params.size() + "), got " + v.size());
        }
        for (int i = 0; i < v.size(); i++) {
            Tensor t = v.get(i);
            Parameter p = params.get(i);
            if (t == null || t.dtype() != DType.FLOAT32 || !t.hasShape(p.value().shape())) {
                throw new IllegalArgumentException("v[" + i + "] for parameter '" + p.name() + "' must be float32 of shape "
                        + Arrays.toString(p.value().shape()) + ", got " + (t == null ? "null"
                        : t.dtype() + " " + Arrays.toString(t.shape())));
            }
        }
    }

    private static long count(List<Parameter> params) {
        long n = 0;
        for (Parameter p : params) {
            n += p.numel();
        }
        return n;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    /** Scales {@code v} to unit length; returns its former length. */
    private static double normalize(float[] v) {
        double norm = Math.sqrt(dot(v, v));
        if (norm > 0) {
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (v[i] / norm);
            }
        }
        return norm;
    }
}
