package dev.panamax.nn.optim;

/**
 * Drives an optimizer's learning rate from a {@link Schedule}: the rate of step 0 is set at
 * construction, and each {@link #step()} (after the optimizer's step) moves to the next one. The
 * position is saved with checkpoints ({@link #position()}, {@link #seek}).
 */
public final class LrScheduler {

    private final Optimizer optimizer;
    private final Schedule schedule;
    private long position;

    public LrScheduler(Optimizer optimizer, Schedule schedule) {
        this.optimizer = optimizer;
        this.schedule = schedule;
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

    private void apply() {
        optimizer.setLearningRate((float) schedule.at(position));
    }
}
