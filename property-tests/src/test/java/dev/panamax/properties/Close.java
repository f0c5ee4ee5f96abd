package dev.panamax.properties;

import static org.assertj.core.api.Assertions.fail;

/** Elementwise comparison {@code |got - want| <= atol + rtol |want|}, NaN only where NaN is expected. */
final class Close {

    private Close() {
    }

    static void assertClose(String what, float[] got, double[] want, double rtol, double atol) {
        if (got.length != want.length) {
            fail(what + ": length " + got.length + ", want " + want.length);
        }
        for (int i = 0; i < got.length; i++) {
            assertClose(what + "[" + i + "]", got[i], want[i], rtol, atol);
        }
    }

    static void assertClose(String what, double got, double want, double rtol, double atol) {
        if (Double.isNaN(want) != Double.isNaN(got)) {
            fail(what + ": got " + got + ", want " + want);
        }
        if (!Double.isNaN(want) && !(Math.abs(got - want) <= atol + rtol * Math.abs(want))) {
            fail(what + ": got " + got + ", want " + want + " (|err| " + Math.abs(got - want) + " > "
                    + (atol + rtol * Math.abs(want)) + ")");
        }
    }
}
