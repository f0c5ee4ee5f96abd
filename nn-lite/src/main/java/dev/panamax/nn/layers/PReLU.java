package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.functional.Activations;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.Tensor;

/**
 * The parametric ReLU, as {@code torch.nn.PReLU(num_parameters, init)}: {@code x > 0 ? x : a x}
 * with a learned slope {@code a}, one for all (PyTorch's default) or one per channel of
 * {@code [N, C, *]} (dimension 1); its parameter is {@code weight}, PyTorch's name.
 */
public final class PReLU extends Layer {

    private final Parameter weight;
    private Tensor x;

    /** One slope, 0.25: PyTorch's defaults. */
    public PReLU() {
        this(1, 0.25f);
    }

    /**
     * @param numParameters 1, or the input's channel count
     * @param init          the slopes' initial value
     */
    public PReLU(long numParameters, float init) {
        if (numParameters < 1) {
            throw new IllegalArgumentException("num_parameters must be >= 1, got " + numParameters);
        }
        this.weight = parameter("weight", numParameters);
        weight.value().fill(init);
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        Tensor y = Activations.prelu(x, weight.value(), arena);
        this.x = x;
        return y;
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        return Activations.preluBackward(saved(x), weight.value(), gy, weight.grad(), arena);
    }

    @Override
    public String toString() {
        return describe() + "(num_parameters=" + weight.numel() + ")";
    }

    @Override
    public String family() {
        return "activation";
    }

    @Override
    public boolean samplesIndependent() {
        return true;
    }
}
