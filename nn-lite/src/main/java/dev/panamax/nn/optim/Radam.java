package dev.panamax.nn.optim;

import java.util.List;

import dev.panamax.kernels.optim.RadamStep;
import dev.panamax.nn.tensor.Tensor;

/**
 * RAdam as {@code torch.optim.RAdam}: Adam whose adaptive rate is used only once its variance is
 * tractable, rectified by the length of the approximated moving average, and plain momentum
 * before that ({@link RadamStep}); L2 weight decay. State per parameter: the two moments.
 */
public final class Radam extends BaseOptimizer {

    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;

    /**
     * RAdam's settings with PyTorch's defaults, one method per setting:
     * {@code new Radam(params, Radam.Options.defaults().lr(3e-4f))}.
     */
    public record Options(float lr, float beta1, float beta2, float eps, float weightDecay) {

        /** {@code torch.optim.RAdam}'s defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay. */
        public static Options defaults() {
            return new Options(1e-3f, 0.9f, 0.999f, 1e-8f, 0f);
        }

        public Options lr(float v) {
            return new Options(v, beta1, beta2, eps, weightDecay);
        }

        public Options betas(float b1, float b2) {
            return new Options(lr, b1, b2, eps, weightDecay);
        }

        public Options eps(float v) {
            return new Options(lr, beta1, beta2, v, weightDecay);
        }

        public Options weightDecay(float v) {
            return new Options(lr, beta1, beta2, eps, v);
        }
    }

    /** @throws IllegalArgumentException for a negative rate, eps or weight decay, or betas outside [0, 1), as PyTorch */
    public Radam(List<Parameter> params, Options o) {
        AdaptiveMoments.check("RAdam", o.lr(), o.beta1(), o.beta2(), o.eps(), o.weightDecay());
        super(params, o.lr(), 2);
        this.beta1 = o.beta1();
        this.beta2 = o.beta2();
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
            RadamStep.apply(p.numel(), v.segment(), v.offset(), g.segment(), g.offset(), state.buffer(i, 0), 0,
                    state.buffer(i, 1), 0, steps, lr, beta1, beta2, eps, weightDecay);
        }
    }
}
