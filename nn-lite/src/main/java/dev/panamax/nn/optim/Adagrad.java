package dev.panamax.nn.optim;

import java.util.List;

import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.optim.AdagradStep;
import dev.panamax.nn.tensor.Tensor;

/**
 * Adagrad as {@code torch.optim.Adagrad}: each step divided by the root of all squared gradients
 * so far ({@link AdagradStep}), with a decaying rate {@code lr / (1 + (t - 1) lr_decay)}, L2
 * weight decay and an initial accumulator value. State per parameter: the sum of squares.
 */
public final class Adagrad extends BaseOptimizer {

    private final float lrDecay;
    private final float weightDecay;
    private final float eps;

    /**
     * Adagrad's settings with PyTorch's defaults, one method per setting:
     * {@code new Adagrad(params, Adagrad.Options.defaults().lr(0.05f))}.
     */
    public record Options(float lr, float lrDecay, float weightDecay, float initialAccumulatorValue, float eps) {

        /** {@code torch.optim.Adagrad}'s defaults: lr 0.01, no rate decay or weight decay, accumulator 0, eps 1e-10. */
        public static Options defaults() {
            return new Options(0.01f, 0f, 0f, 0f, 1e-10f);
        }

        public Options lr(float v) {
            return new Options(v, lrDecay, weightDecay, initialAccumulatorValue, eps);
        }

        public Options lrDecay(float v) {
            return new Options(lr, v, weightDecay, initialAccumulatorValue, eps);
        }

        public Options weightDecay(float v) {
            return new Options(lr, lrDecay, v, initialAccumulatorValue, eps);
        }

        public Options initialAccumulatorValue(float v) {
            return new Options(lr, lrDecay, weightDecay, v, eps);
        }

        public Options eps(float v) {
            return new Options(lr, lrDecay, weightDecay, initialAccumulatorValue, v);
        }
    }

    /** @throws IllegalArgumentException for a negative rate, rate decay, weight decay, accumulator or eps, as PyTorch */
    public Adagrad(List<Parameter> params, Options o) {
        if (!(o.lr() >= 0) || !(o.lrDecay() >= 0) || !(o.weightDecay() >= 0) || !(o.initialAccumulatorValue() >= 0)
                || !(o.eps() >= 0)) {
            throw new IllegalArgumentException("Adagrad needs lr, lr_decay, weight_decay, initial_accumulator_value and eps "
                    + ">= 0, got " + o);
        }
        super(params, o.lr(), 1);
        this.lrDecay = o.lrDecay();
        this.weightDecay = o.weightDecay();
        this.eps = o.eps();
        for (int i = 0; i < this.params.size(); i++) {
            FloatLanes.fill(state.buffer(i, 0), 0, this.params.get(i).numel(), o.initialAccumulatorValue());
        }
    }

    @Override
    public void step() {
        steps++;
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            Tensor v = p.value();
            Tensor g = p.grad();
            AdagradStep.apply(p.numel(), v.segment(), v.offset(), g.segment(), g.offset(), state.buffer(i, 0), 0, steps, lr,
                    lrDecay, eps, weightDecay);
        }
    }
}
