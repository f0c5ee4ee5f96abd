package dev.panamax.properties;

import static dev.panamax.properties.FuzzArgs.at;
import static dev.panamax.properties.FuzzArgs.dense;
import static dev.panamax.properties.FuzzArgs.footprint;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.panamax.kernels.norm.BatchNorm;
import dev.panamax.kernels.norm.GroupNorm;
import dev.panamax.kernels.norm.LayerNorm;

/**
 * Layer, batch (training and eval) and group normalisation, forward and backward, under fuzzed
 * sizes, group counts, optional affine parameters and statistics, offsets and segment sizes.
 * Refusal is an {@link IllegalArgumentException} before any write; an accepted forward equals
 * the double reference, an accepted backward writes finite gradients from finite inputs.
 */
class NormalizationFuzzTest {

    @FuzzTest
    void normalization(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            FuzzArgs f = new FuzzArgs(data, arena);
            int kind = f.pick(0, 1, 2, 3);                     // layer, batch training, batch eval, group
            boolean backward = f.bool();
            long n = f.dim(4);
            long c = kind == 0 ? 1 : f.dim(5);
            long s = f.dim(kind == 0 ? 40 : 9);
            long groups = kind == 3 ? f.positive(5) : 1;
            float eps = f.pick(0, 1) == 0 ? 1e-5f : 0.1f;
            long params = kind == 0 ? s : c;                   // layer norm: per element of a row
            long xOff = f.offset();
            long yOff = f.offset();
            long wOff = f.offset();
            long bOff = kind == 0 || kind == 3 ? f.offset() : wOff;
            long statOff = f.offset();
            long saveOff = f.offset();
            long statCount = kind == 0 ? n : kind == 3 ? n * groups : c;
            MemorySegment x = f.floats(footprint(xOff, n * c * s, 1));
            MemorySegment y = f.floats(footprint(yOff, n * c * s, 1));
            MemorySegment w = f.bool() ? null : f.floats(footprint(wOff, params, 1));
            MemorySegment b = f.bool() ? null : f.floats(footprint(bOff, params, 1));
            MemorySegment runningMean = kind == 2 || f.bool() ? f.floats(footprint(statOff, c, 1)) : null;
            MemorySegment runningVar = kind == 2 || f.bool() ? f.floats(footprint(statOff, c, 1)) : null;
            MemorySegment saveMean = backward || f.bool() ? f.floats(footprint(saveOff, statCount, 1)) : null;
            MemorySegment saveRstd = backward || f.bool() ? f.floats(footprint(saveOff, statCount, 1)) : null;
            String what = "kind " + kind + " [" + n + ", " + c + ", " + s + "] groups " + groups;
            if (!backward) {
                boolean done = FuzzArgs.accepted(() -> {
                    switch (kind) {
                        case 0 -> LayerNorm.forward(n, s, x, xOff, w, wOff, b, bOff, eps, y, yOff, saveMean, saveRstd, saveOff);
                        case 1, 2 -> BatchNorm.forward(kind == 1, n, c, s, x, xOff, w, wOff, b, bOff, runningMean, statOff,
                                runningVar, statOff, 0.1f, eps, y, yOff, saveMean, saveRstd, saveOff);
                        default -> GroupNorm.forward(n, c, s, groups, x, xOff, w, wOff, b, bOff, eps, y, yOff, saveMean, saveRstd,
                                saveOff);
                    }
                }, y, saveMean, saveRstd, kind == 1 ? runningMean : null, kind == 1 ? runningVar : null);
                if (done && n * c * s > 0) {
                    if (kind == 1 && n * s < 2) {
                        throw new AssertionError(what + ": training accepted one value per channel (PyTorch refuses)");
                    }
                    double[] want = reference(kind, (int) n, (int) c, (int) s, (int) groups, x, xOff, w, wOff, b, bOff, params,
                            runningMean, runningVar, statOff, eps);
                    for (int i = 0; i < want.length; i++) {
                        FuzzArgs.close(what + " y[" + i + "]", at(y, yOff + i), want[i], 100);
                    }
                }
                return;
            }
            long gOff = f.offset();
            long gxOff = f.offset();
            long gwOff = f.offset();
            MemorySegment gy = f.floats(footprint(gOff, n * c * s, 1));
            MemorySegment gx = f.bool() ? null : f.floats(footprint(gxOff, n * c * s, 1));
            MemorySegment gw = f.bool() ? null : f.floats(footprint(gwOff, params, 1));
            MemorySegment gb = f.bool() ? null : f.floats(footprint(gwOff, params, 1));
            if (saveRstd != null) {
                for (long i = 0; i < saveRstd.byteSize() / Float.BYTES; i++) {
                    saveRstd.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, Math.abs(at(saveRstd, i)) + 0.5f);
                }
            }
            boolean done = FuzzArgs.accepted(() -> {
                switch (kind) {
                    case 0 -> LayerNorm.backward(n, s, x, xOff, w, wOff, saveMean, saveRstd, saveOff, gy, gOff, gx, gxOff, gw, gb,
                            gwOff);
                    case 1, 2 -> BatchNorm.backward(kind == 1, n, c, s, x, xOff, w, wOff, saveMean, saveRstd, saveOff, gy, gOff,
                            gx, gxOff, gw, gb, gwOff);
                    default -> GroupNorm.backward(n, c, s, groups, x, xOff, w, wOff, saveMean, saveRstd, saveOff, gy, gOff, gx,
                            gxOff, gw, gb, gwOff);
                }
            }, gx, gw, gb);
            if (done && gx != null) {
                for (double v : dense(gx, gxOff, n * c * s)) {
                    if (!Double.isFinite(v)) {
                        throw new AssertionError(what + ": a gradient of finite inputs is " + v);
                    }
                }
            }
        }
    }

    private static double[] reference(int kind, int n, int c, int s, int groups, MemorySegment x, long xOff, MemorySegment w,
                                      long wOff, MemorySegment b, long bOff, long params, MemorySegment rm, MemorySegment rv,
                                      long statOff, float eps) {
        double[] xs = dense(x, xOff, (long) n * c * s);
        double[] ws = w == null ? filled(params, 1) : dense(w, wOff, params);
        double[] bs = b == null ? filled(params, 0) : dense(b, bOff, params);
        if (kind == 2) {
            double[] y = new double[xs.length];
            for (int i = 0; i < xs.length; i++) {
                int k = i / s % c;
                y[i] = (xs[i] - at(rm, statOff + k)) / Math.sqrt(at(rv, statOff + k) + (double) eps) * ws[k] + bs[k];
            }
            return y;
        }
        return NormPropertiesTest.normalise(xs, ws, bs, n, c, s, groups, kind == 1, kind == 0, eps);
    }

    private static double[] filled(long n, double v) {
        double[] a = new double[(int) n];
        Arrays.fill(a, v);
        return a;
    }
}
