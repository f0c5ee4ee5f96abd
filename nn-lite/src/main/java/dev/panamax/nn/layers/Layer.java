package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.tensor.Tensor;

/**
 * A differentiable block with one input and one output, the kind {@link Sequential} chains:
 * {@link #forward} computes the output and keeps what {@link #backward} needs; {@code backward}
 * returns the gradient of the input and <em>adds</em> the gradients of the parameters into their
 * {@code grad} tensors (zero them with the optimizer's {@code zeroGrad()}, as in PyTorch).
 *
 * <p>Tensors returned by {@code forward} and {@code backward} come from the arena passed in and
 * live as long as that arena's step (see {@link Block} for memory and names).
 */
public abstract class Layer extends Block {

    private boolean inputGradient = true;

    /** Computes the output for {@code x}, keeping what backward needs. */
    public abstract Tensor forward(Tensor x, Arena arena);

    /**
     * Given {@code dL/dy} for the output of the last {@link #forward}, returns {@code dL/dx} and
     * accumulates {@code dL/dθ} into every parameter's gradient.
     *
     * @throws IllegalStateException when forward has not run since the layer was created
     */
    public abstract Tensor backward(Tensor gy, Arena arena);

    @Override
    public Layer train() {
        return train(true);
    }

    @Override
    public Layer eval() {
        return train(false);
    }

    @Override
    public Layer train(boolean on) {
        super.train(on);
        return this;
    }

    /**
     * Whether {@link #backward} must return the input's gradient (the default). A model's first
     * layer does not need it when its input is data, as PyTorch skips it for inputs that do not
     * require grad: layers that can then skip that work (Linear, Conv2d) return null. Containers
     * pass the setting to their first layer.
     */
    public Layer requireInputGradient(boolean required) {
        inputGradient = required;
        return this;
    }

    /** See {@link #requireInputGradient}. */
    public final boolean inputGradientRequired() {
        return inputGradient;
    }

    /**
     * Whether this layer's forward in eval mode computes each index of dimension 0 of its output
     * from the same index of its input alone, as PyTorch's layers treat their batch dimension:
     * true of the per-sample layers (Linear, the convolutions, pooling, activations, flatten,
     * dropout, batch norm on its running statistics) and of containers whose children all are;
     * false, the default, for layers that mix along dimension 0 or read it as something else (the
     * recurrent layers' sequence-first time axis, attention, layer norm over a 1-D input). A
     * {@link dev.panamax.nn.inference.Predictor} splits a large batch into chunks only for a
     * model that says so.
     */
    public boolean samplesIndependent() {
        return false;
    }

    /** For containers that pass their input through their children: whether every child's samples are independent. */
    protected final boolean childrenSamplesIndependent() {
        for (Block child : children().values()) {
            if (!(child instanceof Layer layer) || !layer.samplesIndependent()) {
                return false;
            }
        }
        return true;
    }

    /** The kernel family this layer's time belongs to in a profile ("convolution", "gemm", ...). */
    public String family() {
        return "other";
    }
}
