package dev.panamax.nn.optim;

/**
 * The settings of the optimizers that keep two moments of the gradient, {@link Adamax} and
 * {@link Radam}, with PyTorch's names, one method per setting:
 * {@code new Radam(params, Radam.defaults().lr(3e-4f))}.
 *
 * @param lr          the learning rate
 * @param beta1       the first moment's decay
 * @param beta2       the second moment's (Adamax: the infinity norm's) decay
 * @param eps         added to the denominator
 * @param weightDecay L2 weight decay, added to the gradient
 */
public record MomentOptions(float lr, float beta1, float beta2, float eps, float weightDecay) {

    public MomentOptions lr(float v) {
        return new MomentOptions(v, beta1, beta2, eps, weightDecay);
    }

    public MomentOptions betas(float b1, float b2) {
        return new MomentOptions(lr, b1, b2, eps, weightDecay);
    }

    public MomentOptions eps(float v) {
        return new MomentOptions(lr, beta1, beta2, v, weightDecay);
    }

    public MomentOptions weightDecay(float v) {
        return new MomentOptions(lr, beta1, beta2, eps, v);
    }

    /**
     * Fails for a negative rate, eps or weight decay, or betas outside [0, 1), naming the optimizer
     * and every value, as PyTorch checks them.
     */
    static void check(String name, float lr, float beta1, float beta2, float eps, float weightDecay) {
        if (!(lr >= 0) || !(eps >= 0) || !(weightDecay >= 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException(name + " needs lr, eps, weight_decay >= 0 and betas in [0, 1), got lr " + lr
                    + ", betas (" + beta1 + ", " + beta2 + "), eps " + eps + ", weight_decay " + weightDecay);
        }
    }
}
