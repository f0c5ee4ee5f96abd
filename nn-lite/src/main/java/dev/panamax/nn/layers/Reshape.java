package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.tensor.Tensor;

/**
 * A layer that only reshapes, {@link Flatten} and {@link Unflatten}: a view when the input is
 * contiguous, else a contiguous copy; its backward views the gradient back in the input's shape.
 * Views are kept from call to call, so a steady-state step makes none.
 */
public abstract sealed class Reshape extends Layer permits Flatten, Unflatten {

    private long[] inputShape;
    /**
     * Each thread's last input and its view: threads sharing the layer in inference (a
     * {@code Predictor} cutting a batch into parts, one per thread) each hand their own input
     * object call after call, and one shared pair made a new view for every call of each.
     */
    private final ThreadLocal<Reshaped> last = new ThreadLocal<>();
    private Reshaped lastGradient;

    Reshape() {
    }

    /**
     * The shape of the output for an input of {@code shape}.
     *
     * @throws IllegalArgumentException when the input does not have the dimensions to reshape
     */
    public abstract long[] outputShape(long[] shape);

    @Override
    public final Tensor forward(Tensor x, Arena arena) {
        if (!InferenceMode.active() && (inputShape == null || !x.hasShape(inputShape))) {
            outputShape(x.shape());     // checks the input before it is kept
            inputShape = x.shape();     // for backward alone
        }
        if (!x.isContiguous()) {
            return x.contiguous(arena).view(outputShape(x.shape()));
        }
        Reshaped last = this.last.get();
        if (last == null || last.input != x) {   // the same tensor object has the same shape and memory
            last = new Reshaped(x, x.view(outputShape(x.shape())));
            this.last.set(last);
        }
        return last.output;
    }

    @Override
    public final Tensor backward(Tensor gy, Arena arena) {
        long[] shape = saved(inputShape);
        if (!gy.isContiguous()) {
            return gy.contiguous(arena).view(shape);
        }
        Reshaped last = this.lastGradient;
        if (last == null || last.input != gy || !last.output.hasShape(shape)) {
            last = new Reshaped(gy, gy.view(shape));
            this.lastGradient = last;
        }
        return last.output;
    }

    /**
     * An input and its reshaped view, as one object so that a reader sees a consistent pair: an
     * arena that {@linkplain dev.panamax.nn.tensor.StepArena#reusingTensors() reuses tensors}
     * hands the same input object every step, and the view then costs nothing.
     */
    private record Reshaped(Tensor input, Tensor output) {
    }

    @Override
    public String family() {
        return "reshape";
    }
}
