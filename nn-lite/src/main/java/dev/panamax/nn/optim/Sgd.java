package dev.panamax.nn.optim;

import java.util.List;

import dev.panamax.kernels.optim.SgdStep;
import dev.panamax.nn.tensor.Tensor;

/**
 * Stochastic gradient descent as {@code torch.optim.SGD}: momentum (the buffer is the plain
 * gradient at the first step), dampening, Nesterov momentum and L2 weight decay.
 */
public final class Sgd extends BaseOptimizer implements MomentumOptimizer {

    private float momentum;
    /** Whether it was built with momentum, and so keeps a momentum buffer a schedule may use. */
    private final boolean buffered;
    private final float dampening;
    private final boolean nesterov;
    private final float weightDecay;

    /**
     * SGD's settings, PyTorch's defaults apart from the rate, which it requires:
     * {@code new Sgd(params, Sgd.Options.lr(0.1f).momentum(0.9f).nesterov(true))}.
     */
    public record Options(float lr, float momentum, float dampening, boolean nesterov, float weightDecay) {

        /** Plain SGD at rate {@code lr}: no momentum, dampening or weight decay. */
        public static Options lr(float lr) {
            return new Options(lr, 0f, 0f, false, 0f);
        }

        public Options momentum(float v) {
            return new Options(lr, v, dampening, nesterov, weightDecay);
        }

        public Options dampening(float v) {
            return new Options(lr, momentum, v, nesterov, weightDecay);
        }

        public Options nesterov(boolean on) {
            return new Options(lr, momentum, dampening, on, weightDecay);
        }

        public Options weightDecay(float v) {
            return new Options(lr, momentum, dampening, nesterov, v);
        }
    }

    /** SGD with {@code options}. */
    public Sgd(List<Parameter> params, Options o) {
        this(params, o.lr(), o.momentum(), o.dampening(), o.nesterov(), o.weightDecay());
    }

    /**
     * @throws IllegalArgumentException for a negative rate, momentum or decay, or Nesterov
     *         without momentum or with dampening (as PyTorch)
     */
    public Sgd(List<Parameter> params, float lr, float momentum, float dampening, boolean nesterov, float weightDecay) {
        if (lr < 0 || momentum < 0 || weightDecay < 0) {
            throw new IllegalArgumentException("lr, momentum and weight_decay must be >= 0, got " + lr + ", " + momentum + ", "
                    + weightDecay);
        }
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("Nesterov momentum requires a momentum and zero dampening");
        }
        super(params, lr, momentum != 0 ? 1 : 0);
        this.momentum = momentum;
        this.buffered = momentum != 0;
        this.dampening = dampening;
        this.nesterov = nesterov;
        this.weightDecay = weightDecay;
    }

    /** Plain SGD with momentum (no dampening, no Nesterov, no decay). */
    public Sgd(List<Parameter> params, float lr, float momentum) {
        this(params, lr, momentum, 0f, false, 0f);
    }

    @Override
    public float momentum() {
        return momentum;
    }

    /** Moves the momentum; an SGD built without momentum keeps no buffer, so it refuses one. */
    @Override
    public void setMomentum(float momentum) {
        requireSchedulableMomentum("SGD", buffered, momentum);
        if (nesterov && momentum == 0) {
            throw new IllegalArgumentException("Nesterov momentum requires a momentum");
        }
        this.momentum = momentum;
    }

    @Override
    public void step() {
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            Tensor v = p.value();
            Tensor g = p.grad();
            SgdStep.apply(p.numel(), v.segment(), v.offset(), g.segment(), g.offset(),
                    momentum != 0 ? state.buffer(i, 0) : null, 0, lr, momentum, dampening, nesterov, weightDecay, steps == 0);
        }
        steps++;
    }
}
