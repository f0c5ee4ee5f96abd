package dev.panamax.kernels.loss;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;
import dev.panamax.kernels.FloatLanes;

/**
 * The upstream gradient of per-element or per-row losses, as the margin and likelihood kernels
 * take it: {@code gradLosses [n]}, one per loss (reduction "none"), or, when that is null, one
 * {@code uniform} value for all (a reduced loss's share).
 */
final class LossUpstream {

    private LossUpstream() {
    }

    /** Loss {@code i}'s upstream gradient. */
    static double at(long i, MemorySegment gradLosses, long glOff, float uniform) {
        return gradLosses == null ? uniform : FloatLanes.get(gradLosses, glOff + i);
    }

    /** Checks {@code gradLosses} holds {@code n} floats, when given. */
    static void check(long n, MemorySegment gradLosses, long glOff) {
        if (gradLosses != null) {
            Checks.floats("gradLosses", gradLosses, glOff, n);
        }
    }
}
