package dev.panamax.properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.Checks;

/**
 * The three-dimension form of {@link Checks#nonOverlapping} (no arrays, for kernels that check
 * their output on every call) accepts and refuses exactly the layouts the array form does, with
 * the same message: sizes 0-3 and strides 0-12 over rows of 1-4, so that ties, overlaps and
 * every order of the strides occur.
 */
class NonOverlappingTest {

    @Test
    void threeDimensionFormAgreesWithArrayForm() {
        qt().withExamples(3000).forAll(longs().all()).checkAssert(seed -> {
            SplittableRandom r = new SplittableRandom(seed);
            long row = 1 + r.nextInt(4);
            long[] n = {r.nextInt(4), r.nextInt(4), r.nextInt(4)};
            long[] s = {r.nextInt(13), r.nextInt(13), r.nextInt(13)};
            Throwable arrays = catchThrowable(() -> Checks.nonOverlapping("out", row, n.clone(), s.clone()));
            Throwable fixed = catchThrowable(() -> Checks.nonOverlapping("out", row, n[0], s[0], n[1], s[1], n[2], s[2]));
            if (arrays == null) {
                assertThat(fixed).as("sizes %s strides %s", java.util.Arrays.toString(n), java.util.Arrays.toString(s)).isNull();
            } else {
                assertThat(fixed).isInstanceOf(IllegalArgumentException.class).hasMessage(arrays.getMessage());
            }
        });
    }

    @Test
    void overflowingStridesAreRefusedByBothForms() {
        Throwable fixed = catchThrowable(() -> Checks.nonOverlapping("out", 1, 3, Long.MAX_VALUE / 2, 2, 1, 1, 0));
        assertThat(fixed).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reach beyond any segment");
    }
}
