package dev.panamax.nn.optim;

import java.util.List;

import dev.panamax.kernels.optim.RmspropStep;
import dev.panamax.nn.tensor.Tensor;

/**
 * RMSprop as {@code torch.optim.RMSprop}: a running mean of squared gradients divides each step
 * ({@link RmspropStep}), optionally centred (the gradient's running mean subtracted from it) and
 * with momentum and L2 weight decay. State per parameter, in PyTorch's order: the square average,
 * then the momentum buffer (with momentum), then the gradient average (centred).
 */
public final class Rmsprop extends BaseOptimizer implements MomentumOptimizer {

    private final float alpha;
    private final float eps;
    private final float weightDecay;
    private float momentum;
    /** Whether it was built with momentum, and so keeps a momentum buffer a schedule may use. */
    private final boolean buffered;
    private final boolean centered;

    /**
     * RMSprop's settings with PyTorch's defaults, one method per setting:
     * {@code new Rmsprop(params, Rmsprop.Options.defaults().lr(1e-3f).momentum(0.9f))}.
     */
    public record Options(float lr, float alpha, float eps, float weightDecay, float momentum, boolean centered) {

        /** {@code torch.optim.RMSprop}'s defaults: lr 0.01, alpha 0.99, eps 1e-8, no decay or momentum, not centred. */
        public static Options defaults() {
            return new Options(0.01f, 0.99f, 1e-8f, 0f, 0f, false);
        }

        public Options lr(float v) {
            return new Options(v, alpha, eps, weightDecay, momentum, centered);
        }

        public Options alpha(float v) {
            return new Options(lr, v, eps, weightDecay, momentum, centered);
        }

        public Options eps(float v) {
            return new Options(lr, alpha, v, weightDecay, momentum, centered);
        }

        public Options weightDecay(float v) {
            return new Options(lr, alpha, eps, v, momentum, centered);
        }

        public Options momentum(float v) {
            return new Options(lr, alpha, eps, weightDecay, v, centered);
        }

        public Options centered(boolean on) {
            return new Options(lr, alpha, eps, weightDecay, momentum, on);
        }
    }

    /** @throws IllegalArgumentException for a negative rate, eps, decay, momentum or alpha, as PyTorch */
    public Rmsprop(List<Parameter> params, Options o) {
        if (!(o.lr() >= 0) || !(o.eps() >= 0) || !(o.weightDecay() >= 0) || !(o.momentum() >= 0) || !(o.alpha() >= 0)) {
            throw new IllegalArgumentException("RMSprop needs lr, alpha, eps, momentum and weight_decay >= 0, got " + o);
        }
        super(params, o.lr(), 1 + (o.momentum() != 0 ? 1 : 0) + (o.centered() ? 1 : 0));
        this.alpha = o.alpha();
        this.eps = o.eps();
        this.weightDecay = o.weightDecay();
        this.momentum = o.momentum();
        this.buffered = o.momentum() != 0;
        this.centered = o.centered();
    }

    @Override
    public float momentum() {
        return momentum;
    }

    /** Moves the momentum; an RMSprop built without momentum keeps no buffer, so it refuses one. */
    @Override
    public void setMomentum(float momentum) {
        requireSchedulableMomentum("RMSprop", buffered, momentum);
        this.momentum = momentum;
    }

    @Override
    public void step() {
        steps++;
        int gradAvg = buffered ? 2 : 1;
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            Tensor v = p.value();
            Tensor g = p.grad();
            RmspropStep.apply(p.numel(), v.segment(), v.offset(), g.segment(), g.offset(), state.buffer(i, 0), 0,
                    centered ? state.buffer(i, gradAvg) : null, 0, momentum != 0 ? state.buffer(i, 1) : null, 0, lr, alpha,
                    eps, weightDecay, momentum);
        }
    }
}
