package dev.panamax.nn.optim;

import java.lang.foreign.MemorySegment;
import java.util.List;

import dev.panamax.nn.tensor.Tensor;

/**
 * What the optimizers with two moments per parameter share ({@link Adamax}, {@link Radam},
 * {@link Nadam}): their settings, checked as PyTorch checks them, and a step that runs one fused
 * kernel per parameter over its value, gradient and two state buffers.
 */
abstract sealed class MomentOptimizer extends BaseOptimizer permits Adamax, Radam, Nadam {

    final float beta1;
    final float beta2;
    final float eps;
    final float weightDecay;

    MomentOptimizer(String name, List<Parameter> params, float lr, float beta1, float beta2, float eps, float weightDecay) {
        MomentOptions.check(name, lr, beta1, beta2, eps, weightDecay);
        super(params, lr, 2);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /** What a step computes once for every parameter, before the first (a schedule of coefficients). */
    void beforeUpdates() {
    }

    /** The fused kernel of one parameter: {@code first} and {@code second} are its two state buffers. */
    abstract void update(long n, Tensor value, Tensor grad, MemorySegment first, MemorySegment second);

    @Override
    public final void step() {
        steps++;
        beforeUpdates();
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            update(p.numel(), p.value(), p.grad(), state.buffer(i, 0), state.buffer(i, 1));
        }
    }
}
