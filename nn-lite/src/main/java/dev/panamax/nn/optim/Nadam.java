package dev.panamax.nn.optim;

import java.lang.foreign.MemorySegment;
import java.util.List;

import dev.panamax.kernels.optim.NadamStep;
import dev.panamax.nn.tensor.Tensor;

/**
 * NAdam as {@code torch.optim.NAdam}: Adam with Nesterov momentum, whose momentum coefficient
 * follows {@code mu_t = b1 (1 - 0.5 * 0.96^(t psi))} ({@code psi} the momentum decay), and L2
 * weight decay ({@link NadamStep}). The running product of the {@code mu_t} is a function of the
 * step count, recomputed from it after a checkpoint is loaded, so only the moments are state.
 *
 * <p>The momentum term's divisor is {@code 1 - prod_{s <= t+1} mu_s}, as in the paper and in
 * PyTorch from 2.0; PyTorch 1.13 multiplied {@code mu_t} into that product twice.
 */
public final class Nadam extends MomentOptimizer {

    private final float momentumDecay;
    /** {@code prod_{s <= muSteps} mu_s}. */
    private double muProduct = 1;
    private long muSteps;

    /**
     * NAdam's settings with PyTorch's defaults, one method per setting:
     * {@code new Nadam(params, Nadam.Options.defaults().lr(1e-3f))}.
     */
    public record Options(float lr, float beta1, float beta2, float eps, float weightDecay, float momentumDecay) {

        /** {@code torch.optim.NAdam}'s defaults: lr 2e-3, betas (0.9, 0.999), eps 1e-8, no weight decay, momentum decay 4e-3. */
        public static Options defaults() {
            return new Options(2e-3f, 0.9f, 0.999f, 1e-8f, 0f, 4e-3f);
        }

        public Options lr(float v) {
            return new Options(v, beta1, beta2, eps, weightDecay, momentumDecay);
        }

        public Options betas(float b1, float b2) {
            return new Options(lr, b1, b2, eps, weightDecay, momentumDecay);
        }

        public Options eps(float v) {
            return new Options(lr, beta1, beta2, v, weightDecay, momentumDecay);
        }

        public Options weightDecay(float v) {
            return new Options(lr, beta1, beta2, eps, v, momentumDecay);
        }

        public Options momentumDecay(float v) {
            return new Options(lr, beta1, beta2, eps, weightDecay, v);
        }
    }

    /** @throws IllegalArgumentException for a negative setting or betas outside [0, 1), as PyTorch */
    public Nadam(List<Parameter> params, Options o) {
        if (!(o.momentumDecay() >= 0)) {
            throw new IllegalArgumentException("NAdam needs momentum_decay >= 0, got " + o.momentumDecay());
        }
        super("NAdam", params, o.lr(), o.beta1(), o.beta2(), o.eps(), o.weightDecay());
        this.momentumDecay = o.momentumDecay();
    }

    /** The rates of this step's gradient and momentum terms, from the running product of the mu's. */
    private float gradientRate;
    private float momentumRate;

    @Override
    void beforeUpdates() {
        if (muSteps != steps - 1) {              // a loaded checkpoint moved the step count
            muProduct = 1;
            for (long s = 1; s < steps; s++) {
                muProduct *= mu(s);
            }
        }
        double mu = mu(steps);
        double muNext = mu(steps + 1);
        muProduct *= mu;
        muSteps = steps;
        gradientRate = (float) (lr * (1 - mu) / (1 - muProduct));
        momentumRate = (float) (lr * muNext / (1 - muProduct * muNext));
    }

    @Override
    void update(long n, Tensor value, Tensor grad, MemorySegment first, MemorySegment second) {
        NadamStep.apply(n, value.segment(), value.offset(), grad.segment(), grad.offset(), first, 0, second, 0, steps,
                gradientRate, momentumRate, beta1, beta2, eps, weightDecay);
    }

    private double mu(long step) {
        return beta1 * (1 - 0.5 * Math.pow(0.96, step * (double) momentumDecay));
    }
}
