package dev.panamax.kernels.optim;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.Checks;

/** The checks of a step over a parameter, its gradient and two state buffers of {@code n} floats each. */
final class MomentChecks {

    private MomentChecks() {
    }

    /** Fails unless every buffer holds {@code n} floats from its offset and the step is counted from 1. */
    static void check(long n, MemorySegment param, long pOff, MemorySegment grad, long gOff, String firstName,
                      MemorySegment first, long fOff, String secondName, MemorySegment second, long sOff, long step) {
        Checks.floats("param", param, pOff, n);
        Checks.floats("grad", grad, gOff, n);
        Checks.floats(firstName, first, fOff, n);
        Checks.floats(secondName, second, sOff, n);
        Checks.positive("step", step);
    }
}
