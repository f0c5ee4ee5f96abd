package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.kernels.activation.Activation;
import dev.panamax.nn.functional.Activations;
import dev.panamax.nn.tensor.Tensor;

/**
 * An elementwise activation as a layer, any input shape: {@code ActivationLayer.relu()} is
 * {@code torch.nn.ReLU()}, and so on for every activation of {@link Activation}.
 */
public final class ActivationLayer extends Layer {

    private final Activation f;
    private Tensor x;

    public ActivationLayer(Activation f) {
        this.f = f;
    }

    public static ActivationLayer relu() {
        return new ActivationLayer(Activation.RELU);
    }

    public static ActivationLayer relu6() {
        return new ActivationLayer(Activation.RELU6);
    }

    public static ActivationLayer leakyRelu(float negativeSlope) {
        return new ActivationLayer(Activation.leakyRelu(negativeSlope));
    }

    public static ActivationLayer elu(float alpha) {
        return new ActivationLayer(Activation.elu(alpha));
    }

    public static ActivationLayer selu() {
        return new ActivationLayer(Activation.SELU);
    }

    public static ActivationLayer silu() {
        return new ActivationLayer(Activation.SILU);
    }

    /** The exact (erf) GELU. */
    public static ActivationLayer gelu() {
        return new ActivationLayer(Activation.GELU);
    }

    /** GELU with the tanh approximation ({@code approximate="tanh"}). */
    public static ActivationLayer geluTanh() {
        return new ActivationLayer(Activation.GELU_TANH);
    }

    public static ActivationLayer tanh() {
        return new ActivationLayer(Activation.TANH);
    }

    public static ActivationLayer sigmoid() {
        return new ActivationLayer(Activation.SIGMOID);
    }

    public static ActivationLayer softplus(float beta, float threshold) {
        return new ActivationLayer(Activation.softplus(beta, threshold));
    }

    public static ActivationLayer mish() {
        return new ActivationLayer(Activation.MISH);
    }

    public static ActivationLayer hardswish() {
        return new ActivationLayer(Activation.HARDSWISH);
    }

    /** {@code relu6(x + 3) / 6}, as {@code torch.nn.Hardsigmoid}. */
    public static ActivationLayer hardsigmoid() {
        return new ActivationLayer(Activation.HARDSIGMOID);
    }

    /** {@code x} clamped to {@code [min, max]}, as {@code torch.nn.Hardtanh(min_val, max_val)}. */
    public static ActivationLayer hardtanh(float min, float max) {
        return new ActivationLayer(Activation.hardtanh(min, max));
    }

    /** {@code max(0, x) + min(0, alpha (exp(x / alpha) - 1))}, as {@code torch.nn.CELU(alpha)}. */
    public static ActivationLayer celu(float alpha) {
        return new ActivationLayer(Activation.celu(alpha));
    }

    /** {@code log(sigmoid(x))}, as {@code torch.nn.LogSigmoid}. */
    public static ActivationLayer logsigmoid() {
        return new ActivationLayer(Activation.LOGSIGMOID);
    }

    /** {@code x / (1 + |x|)}, as {@code torch.nn.Softsign}. */
    public static ActivationLayer softsign() {
        return new ActivationLayer(Activation.SOFTSIGN);
    }

    /** {@code x - tanh(x)}, as {@code torch.nn.Tanhshrink}. */
    public static ActivationLayer tanhshrink() {
        return new ActivationLayer(Activation.TANHSHRINK);
    }

    /** Shrinks toward 0 by {@code lambda}, 0 within it, as {@code torch.nn.Softshrink(lambd)}. */
    public static ActivationLayer softshrink(float lambda) {
        return new ActivationLayer(Activation.softshrink(lambda));
    }

    /** {@code x} outside {@code [-lambda, lambda]}, 0 within, as {@code torch.nn.Hardshrink(lambd)}. */
    public static ActivationLayer hardshrink(float lambda) {
        return new ActivationLayer(Activation.hardshrink(lambda));
    }

    /** {@code x} above {@code threshold}, else {@code value}, as {@code torch.nn.Threshold(threshold, value)}. */
    public static ActivationLayer threshold(float threshold, float value) {
        return new ActivationLayer(Activation.threshold(threshold, value));
    }

    /** The activation this layer applies. */
    public Activation activation() {
        return f;
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        this.x = x;
        return Activations.forward(f, x, arena);
    }

    /** Whether this is ReLU, which {@link Sequential} fuses into a convolution before it in inference. */
    boolean isRelu() {
        return f.kind() == Activation.Kind.RELU;
    }

    /**
     * Its forward ran inside a fused kernel ({@link Sequential}'s inference): no input is kept,
     * so that a backward fails instead of using an older call's.
     */
    void fused() {
        x = null;
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        return Activations.backward(f, saved(x), gy, arena);
    }

    @Override
    public String toString() {
        return describe() + "(" + f + ")";
    }

    @Override
    public String family() {
        return "activation";
    }

    /** Each sample's output depends on that sample alone (see {@link Layer#samplesIndependent()}). */
    @Override
    public boolean samplesIndependent() {
        return true;
    }
}
