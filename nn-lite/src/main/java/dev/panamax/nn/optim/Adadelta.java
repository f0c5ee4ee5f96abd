package dev.panamax.nn.optim;

import java.util.List;

import dev.panamax.kernels.optim.AdadeltaStep;
import dev.panamax.nn.tensor.Tensor;

/**
 * Adadelta as {@code torch.optim.Adadelta}: each step is the gradient scaled by the ratio of the
 * running root mean squares of past steps and of past gradients ({@link AdadeltaStep}), so it
 * needs no learning rate of its own; {@code lr} scales the result (PyTorch's default 1). L2 weight
 * decay. State per parameter, in PyTorch's order: the square average, then the accumulated deltas.
 */
public final class Adadelta extends BaseOptimizer {

    private final float rho;
    private final float eps;
    private final float weightDecay;

    /**
     * Adadelta's settings with PyTorch's defaults, one method per setting:
     * {@code new Adadelta(params, Adadelta.Options.defaults().rho(0.95f))}.
     */
    public record Options(float lr, float rho, float eps, float weightDecay) {

        /** {@code torch.optim.Adadelta}'s defaults: lr 1, rho 0.9, eps 1e-6, no weight decay. */
        public static Options defaults() {
            return new Options(1f, 0.9f, 1e-6f, 0f);
        }

        public Options lr(float v) {
            return new Options(v, rho, eps, weightDecay);
        }

        public Options rho(float v) {
            return new Options(lr, v, eps, weightDecay);
        }

        public Options eps(float v) {
            return new Options(lr, rho, v, weightDecay);
        }

        public Options weightDecay(float v) {
            return new Options(lr, rho, eps, v);
        }
    }

    /** @throws IllegalArgumentException for a negative rate, eps or decay, or rho outside [0, 1], as PyTorch */
    public Adadelta(List<Parameter> params, Options o) {
        if (!(o.lr() >= 0) || !(o.rho() >= 0 && o.rho() <= 1) || !(o.eps() >= 0) || !(o.weightDecay() >= 0)) {
            throw new IllegalArgumentException("Adadelta needs lr, eps and weight_decay >= 0 and rho in [0, 1], got " + o);
        }
        super(params, o.lr(), 2);
        this.rho = o.rho();
        this.eps = o.eps();
        this.weightDecay = o.weightDecay();
    }

    @Override
    public void step() {
        steps++;
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            Tensor v = p.value();
            Tensor g = p.grad();
            AdadeltaStep.apply(p.numel(), v.segment(), v.offset(), g.segment(), g.offset(), state.buffer(i, 0), 0,
                    state.buffer(i, 1), 0, lr, rho, eps, weightDecay);
        }
    }
}
