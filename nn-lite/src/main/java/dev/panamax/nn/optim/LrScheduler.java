package dev.panamax.nn.optim;

/**
 * Drives an optimizer's learning rate from a {@link Schedule}, and optionally its momentum from
 * another (PyTorch's {@code cycle_momentum}): the values of step 0 are set at construction, and
 * each {@link #step()} (after the optimizer's step) moves to the next ones. The position is saved
 * with checkpoints ({@link #position()}, {@link #seek}).
 */
public final class LrScheduler {

    private final Optimizer optimizer;
    private final Schedule schedule;
    private final Schedule momenta;
    private long position;

    public LrScheduler(Optimizer optimizer, Schedule schedule) {
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.momenta = null;
        apply();
    }

    /**
     * Rates and momenta together, as CyclicLR and OneCycleLR with {@code cycle_momentum=True}:
     * {@code new LrScheduler(sgd, Schedule.oneCycle(0.1, n, 0.3, 25, 1e4), Schedule.oneCycleMomentum(0.85, 0.95, n, 0.3))}.
     *
     * @param optimizer one with a momentum to move (SGD or RMSprop built with momentum, Adam, AdamW)
     * @throws IllegalArgumentException for an optimizer without one
     */
    public LrScheduler(Optimizer optimizer, Schedule schedule, Schedule momenta) {
        if (!(optimizer instanceof MomentumOptimizer)) {
            throw new IllegalArgumentException("cycling the momentum needs an optimizer with one (SGD, RMSprop, Adam, AdamW), got "
                    + (optimizer == null ? "null" : optimizer.getClass().getSimpleName()));
        }
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.momenta = java.util.Objects.requireNonNull(momenta, "momenta");
        apply();
    }

    /** Advances to the next step's rate. */
    public void step() {
        position++;
        apply();
    }

    /** Steps taken so far. */
    public long position() {
        return position;
    }

    /** Jumps to step {@code position} (when resuming). */
    public void seek(long position) {
        if (position < 0) {
            throw new IllegalArgumentException("position must be >= 0, got " + position);
        }
        this.position = position;
        apply();
    }

    /** The rate of the current step. */
    public double currentRate() {
        return schedule.at(position);
    }

    /** The momentum of the current step, or NaN when this scheduler moves none. */
    public double currentMomentum() {
        return momenta == null ? Double.NaN : momenta.at(position);
    }

    private void apply() {
        optimizer.setLearningRate((float) schedule.at(position));
        if (momenta != null) {
            ((MomentumOptimizer) optimizer).setMomentum((float) momenta.at(position));
        }
    }
}
