package dev.panamax.nn.optim;

import java.util.List;

import dev.panamax.kernels.optim.AdamStep;
import dev.panamax.nn.tensor.Tensor;

/**
 * Adam as {@code torch.optim.Adam} (weight decay added to the gradient), or AdamW as
 * {@code torch.optim.AdamW} (decoupled weight decay, {@link #adamW}); both with amsgrad.
 */
public final class Adam extends BaseOptimizer implements MomentumOptimizer {

    private float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final boolean decoupled;
    private final boolean amsgrad;

    private Adam(List<Parameter> params, float lr, float beta1, float beta2, float eps, float weightDecay,
                 boolean decoupled, boolean amsgrad) {
        MomentOptions.check(decoupled ? "AdamW" : "Adam", lr, beta1, beta2, eps, weightDecay);
        super(params, lr, amsgrad ? 3 : 2);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
        this.amsgrad = amsgrad;
    }

    /**
     * Adam's settings, with PyTorch's defaults and one method per setting:
     * {@code Adam.adamW(params, Adam.Options.adamW().lr(3e-4f).weightDecay(0.05f))}.
     */
    public record Options(float lr, float beta1, float beta2, float eps, float weightDecay, boolean amsgrad) {

        /** {@code torch.optim.Adam}'s defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay. */
        public static Options adam() {
            return new Options(1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false);
        }

        /** {@code torch.optim.AdamW}'s defaults: as {@link #adam()} with weight decay 0.01. */
        public static Options adamW() {
            return adam().weightDecay(0.01f);
        }

        public Options lr(float v) {
            return new Options(v, beta1, beta2, eps, weightDecay, amsgrad);
        }

        public Options betas(float b1, float b2) {
            return new Options(lr, b1, b2, eps, weightDecay, amsgrad);
        }

        public Options eps(float v) {
            return new Options(lr, beta1, beta2, v, weightDecay, amsgrad);
        }

        public Options weightDecay(float v) {
            return new Options(lr, beta1, beta2, eps, v, amsgrad);
        }

        public Options amsgrad(boolean on) {
            return new Options(lr, beta1, beta2, eps, weightDecay, on);
        }
    }

    /** Adam (weight decay added to the gradient) with {@code options}. */
    public static Adam adam(List<Parameter> params, Options o) {
        return new Adam(params, o.lr(), o.beta1(), o.beta2(), o.eps(), o.weightDecay(), false, o.amsgrad());
    }

    /** AdamW (decoupled weight decay) with {@code options}. */
    public static Adam adamW(List<Parameter> params, Options o) {
        return new Adam(params, o.lr(), o.beta1(), o.beta2(), o.eps(), o.weightDecay(), true, o.amsgrad());
    }

    /** {@code torch.optim.Adam(params, lr, betas, eps, weight_decay, amsgrad)}. */
    public static Adam adam(List<Parameter> params, float lr, float beta1, float beta2, float eps, float weightDecay,
                            boolean amsgrad) {
        return new Adam(params, lr, beta1, beta2, eps, weightDecay, false, amsgrad);
    }

    /** {@code torch.optim.AdamW(params, lr, betas, eps, weight_decay, amsgrad)} (PyTorch's default decay is 0.01). */
    public static Adam adamW(List<Parameter> params, float lr, float beta1, float beta2, float eps, float weightDecay,
                             boolean amsgrad) {
        return new Adam(params, lr, beta1, beta2, eps, weightDecay, true, amsgrad);
    }

    /** beta1, which PyTorch's schedulers cycle as Adam's momentum. */
    @Override
    public float momentum() {
        return beta1;
    }

    /** Sets beta1 (PyTorch: {@code betas = (momentum, beta2)}); the bias correction uses the current one, as PyTorch's. */
    @Override
    public void setMomentum(float momentum) {
        MomentOptions.check(decoupled ? "AdamW" : "Adam", lr, momentum, beta2, eps, weightDecay);
        beta1 = momentum;
    }

    @Override
    public void step() {
        steps++;
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            Tensor v = p.value();
            Tensor g = p.grad();
            AdamStep.apply(p.numel(), v.segment(), v.offset(), g.segment(), g.offset(), state.buffer(i, 0), 0,
                    state.buffer(i, 1), 0, amsgrad ? state.buffer(i, 2) : null, 0, steps, lr, beta1, beta2, eps,
                    weightDecay, decoupled, amsgrad);
        }
    }
}
