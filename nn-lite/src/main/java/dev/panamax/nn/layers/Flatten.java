package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.tensor.Tensor;

/**
 * {@code [N, d1, d2, ...] -> [N, d1 d2 ...]} in row-major (C, H, W) order, as {@code torch.nn.Flatten()};
 * an input of rank under 2 is refused, as there.
 */
public final class Flatten extends Layer {

    private long[] inputShape;
    /**
     * Each thread's last input and its view: threads sharing the layer in inference (a
     * {@code Predictor} cutting a batch into parts, one per thread) each hand their own input
     * object call after call, and one shared pair made a new view for every call of each.
     */
    private final ThreadLocal<Reshaped> last = new ThreadLocal<>();
    private Reshaped lastGradient;

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        if (x.rank() < 2) {
            // torch.nn.Flatten() raises here too (its start_dim 1 is out of range): an [N] input
            // is most often a batch whose feature dimension was lost, not a batch of scalars
            throw new IllegalArgumentException(describe() + " needs an input [N, d1, ...] of rank 2 or more, got "
                    + (x.rank() == 0 ? "a scalar" : "shape " + java.util.Arrays.toString(x.shape())));
        }
        if (!InferenceMode.active() && (inputShape == null || !x.hasShape(inputShape))) {
            inputShape = x.shape();     // for backward alone
        }
        if (!x.isContiguous()) {
            return x.contiguous(arena).view(x.size(0), features(x));
        }
        Reshaped last = this.last.get();
        if (last == null || last.input != x) {   // the same tensor object has the same shape and memory
            last = new Reshaped(x, x.view(x.size(0), features(x)));
            this.last.set(last);
        }
        return last.output;
    }

    /** d1 d2 ...: named, not -1, so that an empty batch flattens too (-1 is ambiguous with 0 rows). */
    private static long features(Tensor x) {
        return Tensor.product(java.util.Arrays.copyOfRange(x.shape(), 1, x.rank()));
    }

    /**
     * An input and its flattened view, as one object so that a reader sees a consistent pair: an
     * arena that {@linkplain dev.panamax.nn.tensor.StepArena#reusingTensors() reuses tensors}
     * hands the same input object every step, and the view then costs nothing.
     */
    private record Reshaped(Tensor input, Tensor output) {
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
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

    @Override
    public String family() {
        return "reshape";
    }

    /** Each sample's output depends on that sample alone (see {@link Layer#samplesIndependent()}). */
    @Override
    public boolean samplesIndependent() {
        return true;
    }
}
