package dev.panamax.nn.optim;

/** The settings the optimizers of the Adam family share, checked as PyTorch checks them. */
final class AdaptiveMoments {

    private AdaptiveMoments() {
    }

    /** Fails for a negative rate, eps or weight decay, or betas outside [0, 1), naming the optimizer and every value. */
    static void check(String name, float lr, float beta1, float beta2, float eps, float weightDecay) {
        if (!(lr >= 0) || !(eps >= 0) || !(weightDecay >= 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException(name + " needs lr, eps, weight_decay >= 0 and betas in [0, 1), got lr " + lr
                    + ", betas (" + beta1 + ", " + beta2 + "), eps " + eps + ", weight_decay " + weightDecay);
        }
    }
}
