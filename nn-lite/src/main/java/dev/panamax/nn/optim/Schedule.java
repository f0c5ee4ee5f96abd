package dev.panamax.nn.optim;

/**
 * A learning rate as a function of the step (0-based), composable: a warmup before any
 * schedule, one schedule after another. Pure functions of the step, so resuming at step s gives
 * exactly the rates of an uninterrupted run.
 */
@FunctionalInterface
public interface Schedule {

    /** The learning rate for step {@code step} (0-based). */
    double at(long step);

    /** Always {@code lr}. */
    static Schedule constant(double lr) {
        requireRate(lr);
        return step -> lr;
    }

    /** {@code lr · gamma^floor(step / stepSize)}, as {@code torch.optim.lr_scheduler.StepLR}. */
    static Schedule stepDecay(double lr, long stepSize, double gamma) {
        requireRate(lr);
        if (stepSize <= 0 || !(gamma > 0)) {
            throw new IllegalArgumentException("step decay needs stepSize > 0 and gamma > 0, got " + stepSize + ", " + gamma);
        }
        return step -> lr * Math.pow(gamma, Math.floorDiv(step, stepSize));
    }

    /**
     * Cosine decay from {@code lr} at step 0 to {@code minLr} at step {@code steps} (and after), as
     * {@code CosineAnnealingLR}: {@code min + (lr - min)(1 + cos(π t / steps)) / 2}.
     */
    static Schedule cosine(double lr, long steps, double minLr) {
        requireRate(lr);
        requireRate(minLr);
        if (steps <= 0) {
            throw new IllegalArgumentException("cosine decay needs steps > 0, got " + steps);
        }
        return step -> {
            double t = Math.min(1.0, (double) Math.max(0, step) / steps);
            return minLr + (lr - minLr) * 0.5 * (1 + Math.cos(Math.PI * t));
        };
    }

    /**
     * Linear warmup over {@code warmupSteps} to this schedule's first rate, then this schedule
     * (shifted to start after the warmup): step {@code s < warmup} gets
     * {@code at(0) (s + 1) / warmup}.
     */
    default Schedule withWarmup(long warmupSteps) {
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warmup steps must be >= 0, got " + warmupSteps);
        }
        Schedule after = this;
        return step -> step < warmupSteps ? after.at(0) * (step + 1) / warmupSteps : after.at(step - warmupSteps);
    }

    /** This schedule for {@code steps} steps, then {@code next} (starting at its own step 0). */
    default Schedule then(long steps, Schedule next) {
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        }
        Schedule first = this;
        return step -> step < steps ? first.at(step) : next.at(step - steps);
    }

    /** Linear warmup to {@code peak} over {@code warmupSteps}, then cosine decay to {@code minLr} by {@code totalSteps}. */
    static Schedule warmupCosine(double peak, long warmupSteps, long totalSteps, double minLr) {
        return cosine(peak, Math.max(1, totalSteps - warmupSteps), minLr).withWarmup(warmupSteps);
    }

    private static void requireRate(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + lr);
        }
    }
}
