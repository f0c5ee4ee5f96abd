package dev.panamax.properties;

import org.quicktheories.QuickTheory;

/**
 * QuickTheories with a fixed seed, so that CI is reproducible and a failure can be replayed;
 * {@code -Dpanamax.seed=N} explores other inputs (a failure then prints its falsifying values).
 */
final class Theories {

    private Theories() {
    }

    static QuickTheory qt() {
        return QuickTheory.qt().withFixedSeed(Long.getLong("panamax.seed", 20261127L));
    }
}
