package dev.panamax.nn.optim;

/**
 * Lowers an optimizer's learning rate when a metric stops improving, as
 * {@code torch.optim.lr_scheduler.ReduceLROnPlateau}: call {@link #step(double)} with the metric
 * (a validation loss, an accuracy) once per evaluation; after more than {@code patience}
 * evaluations without improvement the rate is multiplied by {@code factor} (never below
 * {@code minLr}, and not changed at all by less than {@code eps}), then {@code cooldown}
 * evaluations pass before bad ones count again. Unlike a {@link Schedule} it depends on the
 * metrics seen, so a checkpoint keeps its {@link #state()}.
 */
public final class ReduceLrOnPlateau {

    /** Whether a lower metric (a loss) or a higher one (an accuracy) is better. */
    public enum Mode { MIN, MAX }

    /** Whether {@code threshold} is relative to the best metric ({@code "rel"}) or absolute ({@code "abs"}). */
    public enum ThresholdMode { REL, ABS }

    /**
     * The scheduler's settings, with PyTorch's names and defaults ({@link #defaults()}).
     *
     * @param mode          which way is better
     * @param factor        the rate's multiplier on a plateau, in [0, 1)
     * @param patience      evaluations without improvement tolerated before the rate drops
     * @param threshold     the least change that counts as an improvement
     * @param thresholdMode relative ({@code best (1 -+ threshold)}) or absolute ({@code best -+ threshold})
     * @param cooldown      evaluations after a drop during which bad ones are not counted
     * @param minLr         the lowest rate
     * @param eps           drops smaller than this are skipped
     */
    public record Options(Mode mode, double factor, int patience, double threshold, ThresholdMode thresholdMode,
                          int cooldown, double minLr, double eps) {

        /** Validates the settings as PyTorch does, and more (no negative patience, cooldown, threshold or rates). */
        public Options {
            if (mode == null || thresholdMode == null) {
                throw new IllegalArgumentException("mode and thresholdMode must not be null");
            }
            if (!(factor >= 0 && factor < 1)) {
                throw new IllegalArgumentException("factor must be in [0, 1), got " + factor);
            }
            if (patience < 0 || cooldown < 0) {
                throw new IllegalArgumentException("patience and cooldown must be >= 0, got " + patience + ", " + cooldown);
            }
            if (!(threshold >= 0) || !(minLr >= 0) || !(eps >= 0)) {
                throw new IllegalArgumentException("threshold, minLr and eps must be >= 0, got " + threshold + ", " + minLr
                        + ", " + eps);
            }
        }

        /** PyTorch's defaults: min, factor 0.1, patience 10, threshold 1e-4 relative, no cooldown, minLr 0, eps 1e-8. */
        public static Options defaults() {
            return new Options(Mode.MIN, 0.1, 10, 1e-4, ThresholdMode.REL, 0, 0, 1e-8);
        }

        public Options mode(Mode v) {
            return new Options(v, factor, patience, threshold, thresholdMode, cooldown, minLr, eps);
        }

        public Options factor(double v) {
            return new Options(mode, v, patience, threshold, thresholdMode, cooldown, minLr, eps);
        }

        public Options patience(int v) {
            return new Options(mode, factor, v, threshold, thresholdMode, cooldown, minLr, eps);
        }

        public Options threshold(double v, ThresholdMode m) {
            return new Options(mode, factor, patience, v, m, cooldown, minLr, eps);
        }

        public Options cooldown(int v) {
            return new Options(mode, factor, patience, threshold, thresholdMode, v, minLr, eps);
        }

        public Options minLr(double v) {
            return new Options(mode, factor, patience, threshold, thresholdMode, cooldown, v, eps);
        }

        public Options eps(double v) {
            return new Options(mode, factor, patience, threshold, thresholdMode, cooldown, minLr, v);
        }
    }

    /**
     * What the scheduler has seen: the best metric, the evaluations since it without improvement,
     * the cooldown left and the current rate (kept in double, as PyTorch's, so repeated drops do
     * not round through the optimizer's float).
     */
    public record State(double best, int badEvaluations, int cooldownLeft, double rate) {
    }

    private final Optimizer optimizer;
    private final Options options;
    private double best;
    private int bad;
    private int cooldownLeft;
    private double rate;

    /** Starts from the optimizer's current rate, with no metric seen. */
    public ReduceLrOnPlateau(Optimizer optimizer, Options options) {
        if (optimizer == null || options == null) {
            throw new IllegalArgumentException("optimizer and options must not be null");
        }
        this.optimizer = optimizer;
        this.options = options;
        this.best = options.mode() == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
        this.rate = optimizer.learningRate();
    }

    /**
     * Takes one evaluation's metric and lowers the rate if the plateau has lasted more than
     * {@code patience} evaluations. A NaN metric is never an improvement, as in PyTorch.
     */
    public void step(double metric) {
        if (improves(metric)) {
            best = metric;
            bad = 0;
        } else {
            bad++;
        }
        if (cooldownLeft > 0) {
            cooldownLeft--;
            bad = 0;                                  // bad evaluations in the cooldown do not count
        }
        if (bad > options.patience()) {
            double lower = Math.max(rate * options.factor(), options.minLr());
            if (rate - lower > options.eps()) {
                rate = lower;
                optimizer.setLearningRate((float) rate);
            }
            cooldownLeft = options.cooldown();
            bad = 0;
        }
    }

    /** The current rate, in double. */
    public double currentRate() {
        return rate;
    }

    /** What a checkpoint keeps to resume this scheduler. */
    public State state() {
        return new State(best, bad, cooldownLeft, rate);
    }

    /** Resumes from a saved {@link #state()}, setting the optimizer's rate to it. */
    public void restore(State state) {
        if (state == null || state.badEvaluations() < 0 || state.cooldownLeft() < 0 || !(state.rate() >= 0)) {
            throw new IllegalArgumentException("not a state of this scheduler: " + state);
        }
        best = state.best();
        bad = state.badEvaluations();
        cooldownLeft = state.cooldownLeft();
        rate = state.rate();
        optimizer.setLearningRate((float) rate);
    }

    private boolean improves(double metric) {
        boolean rel = options.thresholdMode() == ThresholdMode.REL;
        double t = options.threshold();
        if (options.mode() == Mode.MIN) {
            return metric < (rel ? best * (1 - t) : best - t);
        }
        return metric > (rel ? best * (1 + t) : best + t);
    }
}
