package dev.panamax.nn.optim;

/**
 * An optimizer whose momentum a schedule may move between steps, as PyTorch's CyclicLR and
 * OneCycleLR cycle it ({@code cycle_momentum=True}): SGD's and RMSprop's {@code momentum}, Adam's
 * and AdamW's {@code beta1}. Driven by {@link LrScheduler#LrScheduler(Optimizer, Schedule, Schedule)}.
 */
public interface MomentumOptimizer extends Optimizer {

    /** The momentum (Adam: beta1) the next step uses. */
    float momentum();

    /**
     * Sets the momentum of the next steps.
     *
     * @throws IllegalArgumentException for a value the optimizer refuses at construction, or a
     *         momentum on an SGD or RMSprop built without one (it keeps no momentum buffer)
     */
    void setMomentum(float momentum);
}
