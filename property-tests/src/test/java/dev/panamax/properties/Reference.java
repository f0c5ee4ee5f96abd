package dev.panamax.properties;

import java.util.function.DoubleUnaryOperator;
import java.util.function.ToDoubleFunction;

import dev.panamax.kernels.activation.Activation;

/** Double-precision scalar references, and central finite differences over them. */
final class Reference {

    static final double SELU_ALPHA = 1.6732632423543772848170429916717;
    static final double SELU_SCALE = 1.0507009873554804934193349852946;

    private Reference() {
    }

    /** The error function to about 1e-14: Taylor series near 0, continued fraction for erfc beyond. */
    static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        double ax = Math.abs(x);
        if (ax > 6.5) {
            return Math.signum(x);
        }
        if (ax < 2.5) {
            double sum = x;
            double term = x;
            for (int n = 1; n < 200; n++) {
                term *= -x * x / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                    break;
                }
            }
            return 2 / Math.sqrt(Math.PI) * sum;
        }
        double t = ax;
        for (int n = 300; n >= 1; n--) {
            t = ax + (n / 2.0) / t;
        }
        double erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / t;
        return Math.signum(x) * (1 - erfc);
    }

    static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }

    static double softplus(double x) {
        return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    }

    /** f(x) in double for an activation. */
    static DoubleUnaryOperator function(Activation f) {
        double a = f.a();
        double b = f.b();
        return switch (f.kind()) {
            case RELU -> x -> Math.max(x, 0);
            case RELU6 -> x -> Math.min(Math.max(x, 0), 6);
            case LEAKY_RELU -> x -> x > 0 ? x : a * x;
            case ELU -> x -> x > 0 ? x : a * Math.expm1(x);
            case SELU -> x -> SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x));
            case SILU -> x -> x * sigmoid(x);
            case GELU -> x -> 0.5 * x * (1 + erf(x / Math.sqrt(2)));
            // x (1 + tanh u) / 2 as x sigmoid(2u): the same function, without the cancellation
            // that costs a double its relative accuracy where tanh u is near -1
            case GELU_TANH -> x -> x * sigmoid(2 * Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x));
            case TANH -> Math::tanh;
            case SIGMOID -> Reference::sigmoid;
            case SOFTPLUS -> x -> a * x > b ? x : softplus(a * x) / a;
            case MISH -> x -> x * Math.tanh(softplus(x));
            case HARDSWISH -> x -> x * Math.min(Math.max(x + 3, 0), 6) / 6;
            case HARDSIGMOID -> x -> Math.min(Math.max(x + 3, 0), 6) / 6;
            case HARDTANH -> x -> Math.min(Math.max(x, a), b);
            case CELU -> x -> x > 0 ? x : a * Math.expm1(x / a);
            case LOGSIGMOID -> x -> -softplus(-x);
            case SOFTSIGN -> x -> x / (1 + Math.abs(x));
            case TANHSHRINK -> x -> x - Math.tanh(x);
            case SOFTSHRINK -> x -> Double.isNaN(x) ? x : x > a ? x - a : x < -a ? x + a : 0;
            case HARDSHRINK -> x -> x >= -a && x <= a ? 0 : x;
            case THRESHOLD -> x -> x <= a ? b : x;
        };
    }

    /** Points where the activation (or its derivative) is not smooth. */
    static double[] kinks(Activation f) {
        return switch (f.kind()) {
            case RELU, LEAKY_RELU, ELU, SELU, CELU, SOFTSIGN -> new double[] {0};
            case SOFTSHRINK, HARDSHRINK -> new double[] {-f.a(), f.a()};
            case THRESHOLD -> new double[] {f.a()};
            case RELU6 -> new double[] {0, 6};
            case HARDSWISH, HARDSIGMOID -> new double[] {-3, 3};
            case HARDTANH -> new double[] {f.a(), f.b()};
            case SOFTPLUS -> new double[] {f.b() / f.a()};
            default -> new double[0];
        };
    }

    /** Central difference of a scalar function. */
    static double derivative(DoubleUnaryOperator f, double x) {
        double h = 1e-5 * Math.max(1, Math.abs(x));
        return (f.applyAsDouble(x + h) - f.applyAsDouble(x - h)) / (2 * h);
    }

    /** Central-difference gradient of a scalar function of many variables. */
    static double[] gradient(ToDoubleFunction<double[]> f, double[] x) {
        double[] g = new double[x.length];
        double[] p = x.clone();
        for (int i = 0; i < x.length; i++) {
            double h = 1e-6 * Math.max(1, Math.abs(x[i]));
            p[i] = x[i] + h;
            double up = f.applyAsDouble(p);
            p[i] = x[i] - h;
            double down = f.applyAsDouble(p);
            p[i] = x[i];
            g[i] = (up - down) / (2 * h);
        }
        return g;
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }
}
