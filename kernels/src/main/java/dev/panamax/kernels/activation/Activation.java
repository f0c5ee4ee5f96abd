package dev.panamax.kernels.activation;

/**
 * An elementwise activation with its parameters, named and defined as in
 * {@code torch.nn.functional}. Instances are immutable values; pass them to
 * {@link ActivationForward} and {@link ActivationBackward}.
 *
 * @param kind which function
 * @param a    first parameter: the negative slope (leaky_relu), alpha (elu, celu), beta (softplus), min
 *             (hardtanh), lambda (softshrink, hardshrink) or the threshold (threshold)
 * @param b    second parameter: the threshold (softplus), max (hardtanh) or the value (threshold)
 */
public record Activation(Kind kind, float a, float b) {

    /** The functions. */
    public enum Kind {
        RELU, RELU6, LEAKY_RELU, ELU, SELU, SILU, GELU, GELU_TANH, TANH, SIGMOID, SOFTPLUS, MISH, HARDSWISH, HARDSIGMOID,
        HARDTANH, CELU, LOGSIGMOID, SOFTSIGN, TANHSHRINK, SOFTSHRINK, HARDSHRINK, THRESHOLD
    }

    /** Validates the parameters. */
    public Activation {
        if (kind == null) {
            throw new IllegalArgumentException("kind must not be null");
        }
        if (kind == Kind.SOFTPLUS && !(a != 0f && Float.isFinite(a))) {
            throw new IllegalArgumentException("softplus beta must be finite and non-zero, got " + a);
        }
        if (kind == Kind.HARDTANH && !(a < b)) {
            throw new IllegalArgumentException("hardtanh needs min_val < max_val, got " + a + ", " + b);
        }
        if (kind == Kind.CELU && !(a != 0f && Float.isFinite(a))) {
            throw new IllegalArgumentException("celu alpha must be finite and non-zero, got " + a);
        }
        if (kind == Kind.SOFTSHRINK && !(a >= 0f && Float.isFinite(a))) {
            throw new IllegalArgumentException("softshrink lambda must be finite and >= 0, got " + a);
        }
        if ((kind == Kind.HARDSHRINK || kind == Kind.THRESHOLD) && Float.isNaN(a)) {
            throw new IllegalArgumentException(kind.name().toLowerCase(java.util.Locale.ROOT) + " needs a number, got NaN");
        }
    }

    /** {@code max(x, 0)}. */
    public static final Activation RELU = new Activation(Kind.RELU, 0f, 0f);
    /** {@code min(max(x, 0), 6)}. */
    public static final Activation RELU6 = new Activation(Kind.RELU6, 0f, 0f);
    /** SELU with PyTorch's constants. */
    public static final Activation SELU = new Activation(Kind.SELU, 0f, 0f);
    /** {@code x * sigmoid(x)}, also called swish. */
    public static final Activation SILU = new Activation(Kind.SILU, 0f, 0f);
    /** Exact GELU: {@code 0.5 x (1 + erf(x / sqrt 2))}. */
    public static final Activation GELU = new Activation(Kind.GELU, 0f, 0f);
    /** GELU's tanh approximation (PyTorch's {@code approximate="tanh"}). */
    public static final Activation GELU_TANH = new Activation(Kind.GELU_TANH, 0f, 0f);
    /** Hyperbolic tangent. */
    public static final Activation TANH = new Activation(Kind.TANH, 0f, 0f);
    /** Logistic sigmoid. */
    public static final Activation SIGMOID = new Activation(Kind.SIGMOID, 0f, 0f);
    /** {@code x * tanh(softplus(x))}. */
    public static final Activation MISH = new Activation(Kind.MISH, 0f, 0f);
    /** {@code x * relu6(x + 3) / 6}. */
    public static final Activation HARDSWISH = new Activation(Kind.HARDSWISH, 0f, 0f);
    /** {@code relu6(x + 3) / 6}, MobileNetV3's gate. */
    public static final Activation HARDSIGMOID = new Activation(Kind.HARDSIGMOID, 0f, 0f);

    /** {@code log(sigmoid(x)) = -softplus(-x)}, computed without overflow. */
    public static final Activation LOGSIGMOID = new Activation(Kind.LOGSIGMOID, 0f, 0f);
    /** {@code x / (1 + |x|)}. */
    public static final Activation SOFTSIGN = new Activation(Kind.SOFTSIGN, 0f, 0f);
    /** {@code x - tanh(x)}. */
    public static final Activation TANHSHRINK = new Activation(Kind.TANHSHRINK, 0f, 0f);

    /** {@code max(0, x) + min(0, alpha (exp(x / alpha) - 1))} (PyTorch default alpha 1, which is ELU). */
    public static Activation celu(float alpha) {
        return new Activation(Kind.CELU, alpha, 0f);
    }

    /** {@code x - lambda} above lambda, {@code x + lambda} below -lambda, else 0 (PyTorch default lambda 0.5). */
    public static Activation softshrink(float lambda) {
        return new Activation(Kind.SOFTSHRINK, lambda, 0f);
    }

    /** {@code x} where {@code |x| > lambda}, else 0 (PyTorch default lambda 0.5). */
    public static Activation hardshrink(float lambda) {
        return new Activation(Kind.HARDSHRINK, lambda, 0f);
    }

    /** {@code x} above {@code threshold}, else {@code value}, as {@code torch.nn.Threshold}. */
    public static Activation threshold(float threshold, float value) {
        return new Activation(Kind.THRESHOLD, threshold, value);
    }

    /** {@code x} clamped to {@code [min, max]} (PyTorch's defaults -1, 1; relu6 is (0, 6)). */
    public static Activation hardtanh(float min, float max) {
        return new Activation(Kind.HARDTANH, min, max);
    }

    /** {@code x} if {@code x > 0} else {@code negativeSlope * x} (PyTorch default slope 0.01). */
    public static Activation leakyRelu(float negativeSlope) {
        return new Activation(Kind.LEAKY_RELU, negativeSlope, 0f);
    }

    /** {@code x} if {@code x > 0} else {@code alpha * (exp(x) - 1)} (PyTorch default alpha 1). */
    public static Activation elu(float alpha) {
        return new Activation(Kind.ELU, alpha, 0f);
    }

    /**
     * {@code log(1 + exp(beta x)) / beta}, or {@code x} where {@code beta x > threshold}
     * (PyTorch defaults: beta 1, threshold 20).
     */
    public static Activation softplus(float beta, float threshold) {
        return new Activation(Kind.SOFTPLUS, beta, threshold);
    }
}
