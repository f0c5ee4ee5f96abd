package dev.panamax.nn.curvature;

import dev.panamax.kernels.activation.Activation;

/**
 * {@code f''(z)} of each elementwise activation, in double, for the R-operator's backward pass
 * ({@code R{g_z} = f'(z) R{g_y} + f''(z) R{z} g_y}); {@code f'} itself comes from the activation
 * kernels' backward. Piecewise-linear functions have {@code f'' = 0} almost everywhere, as
 * PyTorch's double backward gives; where the forward kernel switches to a linear branch in float
 * (softplus above its threshold, Mish above 20) the second derivative is that branch's, 0.
 */
final class SecondDerivatives {

    private static final double SELU_ALPHA = 1.6732632423543772848170429916717;
    private static final double SELU_SCALE = 1.0507009873554804934193349852946;
    private static final double GELU_CUBIC = 0.044715;
    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

    private SecondDerivatives() {
    }

    static double of(Activation f, double z) {
        return switch (f.kind()) {
            case RELU, RELU6, LEAKY_RELU -> 0;
            case ELU -> z > 0 ? 0 : f.a() * Math.exp(z);
            case SELU -> z > 0 ? 0 : SELU_SCALE * SELU_ALPHA * Math.exp(z);
            case SILU -> {
                double s = sigmoid(z);
                yield s * (1 - s) * (2 + z * (1 - 2 * s));
            }
            case GELU -> Math.exp(-0.5 * z * z) * INV_SQRT_2PI * (2 - z * z);
            case GELU_TANH -> {
                double u = SQRT_2_OVER_PI * (z + GELU_CUBIC * z * z * z);
                double du = SQRT_2_OVER_PI * (1 + 3 * GELU_CUBIC * z * z);
                double ddu = SQRT_2_OVER_PI * 6 * GELU_CUBIC * z;
                double t = Math.tanh(u);
                double sech2 = 1 - t * t;
                yield sech2 * du + 0.5 * z * (sech2 * ddu - 2 * t * sech2 * du * du);
            }
            case TANH -> {
                double t = Math.tanh(z);
                yield -2 * t * (1 - t * t);
            }
            case SIGMOID -> {
                double s = sigmoid(z);
                yield s * (1 - s) * (1 - 2 * s);
            }
            case SOFTPLUS -> {
                double bz = f.a() * z;
                if (bz > f.b()) {
                    yield 0;
                }
                double s = sigmoid(bz);
                yield f.a() * s * (1 - s);
            }
            case MISH -> {
                if (z > 20) {
                    yield 0;
                }
                double s = sigmoid(z);                       // softplus'(z)
                double w = Math.tanh(Math.log1p(Math.exp(z)));
                double sech2 = 1 - w * w;
                yield 2 * sech2 * s + z * (sech2 * s * (1 - s) - 2 * w * sech2 * s * s);
            }
            case HARDSWISH -> z > -3 && z < 3 ? 1.0 / 3 : 0;
            case HARDSIGMOID, HARDTANH, SOFTSHRINK, HARDSHRINK, THRESHOLD -> 0;     // piecewise linear
            case CELU -> z > 0 ? 0 : Math.exp(z / f.a()) / f.a();
            case LOGSIGMOID -> {
                double s = sigmoid(z);
                yield -s * (1 - s);
            }
            case SOFTSIGN -> -2 * Math.signum(z) / Math.pow(1 + Math.abs(z), 3);
            case TANHSHRINK -> {
                double t = Math.tanh(z);
                yield 2 * t * (1 - t * t);
            }
        };
    }

    private static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }
}
