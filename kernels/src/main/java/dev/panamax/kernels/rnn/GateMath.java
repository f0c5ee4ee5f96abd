package dev.panamax.kernels.rnn;

import dev.panamax.kernels.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The gate nonlinearities of the cells, on vectors for the body of a row and on single floats for
 * the last {@code hidden mod lanes} units (a masked vector would take the JDK's allocating slow
 * path at the end of a segment).
 */
final class GateMath {

    private GateMath() {
    }

    static FloatVector sigmoid(FloatVector x) {
        return VectorMath.sigmoid(x);
    }

    static FloatVector tanh(FloatVector x) {
        return VectorMath.tanh(x);
    }

    /** relu, or tanh when {@code tanh}: the Elman cell's nonlinearity. */
    static FloatVector elman(FloatVector x, boolean tanh) {
        return tanh ? VectorMath.tanh(x) : x.max(0f);
    }

    /** Its derivative from the output {@code h}: {@code 1 - h^2}, or 1 where {@code h > 0}. */
    static FloatVector elmanSlope(FloatVector h, boolean tanh) {
        return tanh ? h.mul(h).neg().add(1f) : h.broadcast(0f).blend(1f, h.compare(VectorOperators.GT, 0f));
    }

    /** {@code s (1 - s)}: the sigmoid's derivative from its output. */
    static FloatVector sigmoidSlope(FloatVector s) {
        return s.sub(s.mul(s));
    }

    /** {@code 1 - t^2}: tanh's derivative from its output. */
    static FloatVector tanhSlope(FloatVector t) {
        return t.mul(t).neg().add(1f);
    }

    static float sigmoid(float x) {
        return 1f / (1f + (float) Math.exp(-x));
    }

    static float tanh(float x) {
        return (float) Math.tanh(x);
    }

    static float elman(float x, boolean tanh) {
        return tanh ? (float) Math.tanh(x) : Math.max(x, 0f);
    }

    static float elmanSlope(float h, boolean tanh) {
        return tanh ? 1f - h * h : h > 0f ? 1f : 0f;
    }
}
