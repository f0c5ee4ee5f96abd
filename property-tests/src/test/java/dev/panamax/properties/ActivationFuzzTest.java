package dev.panamax.properties;

import static dev.panamax.properties.FuzzArgs.at;
import static dev.panamax.properties.FuzzArgs.footprint;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.panamax.kernels.activation.Activation;
import dev.panamax.kernels.activation.ActivationBackward;
import dev.panamax.kernels.activation.ActivationForward;

/**
 * The elementwise activations, forward and backward, under fuzzed kinds and parameters, lengths
 * (past the 1,024-float chunks of the strided path too), offsets, strides (0, negative and huge
 * among them), in place (the forward over x, the backward over gy) or not: a refusal that writes
 * nothing, or every element what a call on that one element alone gives (the vector loops, their
 * zero-padded tails and the strided gather and scatter compute the same bits), to the bit for every
 * kind: they are built from arithmetic and comparisons only ({@code VectorMath}), never from the
 * Vector API's transcendental lane operations, which round differently in interpreted, C1 and C2
 * code (the fuzzer's first finding: a tanh derivative 1 ulp off between a call run by an OSR
 * compilation and one that was not).
 */
class ActivationFuzzTest {

    @FuzzTest
    void elementwise(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            FuzzArgs f = new FuzzArgs(data, arena);
            Activation act;
            try {
                act = new Activation(Activation.Kind.values()[f.nextInt(Activation.Kind.values().length)],
                        f.bool() ? f.scalar() : f.scalar() * 8, f.bool() ? 1f : f.scalar() * 8);
            } catch (IllegalArgumentException refused) {
                return;
            }
            boolean backward = f.bool();
            boolean inPlace = f.bool();
            long n = f.pick(0, 1, 2) == 0 ? f.dim(3000) : f.dim(40);
            long xOff = f.offset();
            long gOff = f.offset();
            long xStride = f.stride(1);
            long gStride = f.stride(1);
            // in place: the forward writes over x, the backward over gy (the aliasing each allows)
            long yOff = inPlace ? (backward ? gOff : xOff) : f.offset();
            long yStride = inPlace ? (backward ? gStride : xStride) : f.stride(1);
            MemorySegment x = f.floats(footprint(xOff, n, xStride));
            MemorySegment g = f.floats(footprint(gOff, n, gStride));
            MemorySegment y = inPlace ? (backward ? g : x) : f.floats(footprint(yOff, n, yStride));
            if (x != null) {
                for (long i = 0; i < x.byteSize() / Float.BYTES; i++) {          // beyond [-1, 1]: the functions' tails
                    x.setAtIndex(ValueLayout.JAVA_FLOAT, i, at(x, i) * (i % 7 == 0 ? 40 : 4));
                }
            }
            MemorySegment xCopy = x == null ? null : arena.allocate(x.byteSize()).copyFrom(x);
            MemorySegment gCopy = g == null ? null : arena.allocate(g.byteSize()).copyFrom(g);
            String what = act + (backward ? " backward" : " forward") + " n " + n + " strides " + xStride + ", " + yStride
                    + (inPlace ? " in place" : "");
            Runnable call = backward
                    ? () -> ActivationBackward.apply(act, x, xOff, xStride, g, gOff, gStride, y, yOff, yStride, n)
                    : () -> ActivationForward.apply(act, x, xOff, xStride, y, yOff, yStride, n);
            if (!FuzzArgs.accepted(call, x, y, g) || n > 4096) {
                return;
            }
            MemorySegment one = arena.allocate(Float.BYTES);
            MemorySegment oneGrad = arena.allocate(Float.BYTES);
            MemorySegment oneOut = arena.allocate(Float.BYTES);
            for (long i = 0; i < n; i++) {
                one.set(ValueLayout.JAVA_FLOAT, 0, at(xCopy, xOff + i * xStride));
                if (backward) {
                    oneGrad.set(ValueLayout.JAVA_FLOAT, 0, at(gCopy, gOff + i * gStride));
                    ActivationBackward.apply(act, one, 0, 1, oneGrad, 0, 1, oneOut, 0, 1, 1);
                } else {
                    ActivationForward.apply(act, one, 0, 1, oneOut, 0, 1, 1);
                }
                float want = oneOut.get(ValueLayout.JAVA_FLOAT, 0);
                float got = at(y, yOff + i * yStride);
                boolean same = Float.floatToIntBits(got) == Float.floatToIntBits(want) || Float.isNaN(got) && Float.isNaN(want);
                if (!same) {
                    throw new AssertionError(what + ": element " + i + " is " + got + ", alone " + want);
                }
            }
        }
    }
}
