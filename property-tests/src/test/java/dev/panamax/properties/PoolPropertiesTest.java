package dev.panamax.properties;

import static dev.panamax.properties.Theories.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.functional.Pooling;
import dev.panamax.nn.tensor.Tensor;

/** max, min and average pooling against direct double references, with gradients. */
class PoolPropertiesTest {

    /** kind 0 max, 1 min, 2 avg including padding, 3 avg excluding it. */
    static double[] pool(int kind, double[] x, int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw) {
        return pool(kind, x, planes, h, w, kh, kw, sh, sw, ph, pw, false);
    }

    /** PyTorch's output size: floor or (ceil_mode) ceil, less the window that would start in the right padding. */
    static int outputs(int size, int k, int s, int p, boolean ceil) {
        return outputs(size, k, s, p, 1, ceil);
    }

    /** {@link #outputs(int, int, int, int, boolean)} with taps {@code d} apart. */
    static int outputs(int size, int k, int s, int p, int d, boolean ceil) {
        double steps = (size + 2.0 * p - d * (k - 1.0) - 1) / s;
        int out = (int) (ceil ? Math.ceil(steps) : Math.floor(steps)) + 1;
        return ceil && (out - 1) * s >= size + p ? out - 1 : out;
    }

    /**
     * Max (kind 0), min (1) or average with padding counted (2) or not (3); with ceil_mode an
     * average counting padding divides by the window's positions inside the padded input.
     */
    static double[] pool(int kind, double[] x, int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                         boolean ceil) {
        return pool(kind, x, planes, h, w, kh, kw, sh, sw, ph, pw, ceil, 1, 1);
    }

    /** {@link #pool(int, double[], int, int, int, int, int, int, int, int, int, boolean)} with taps {@code dh}, {@code dw} apart (max and min). */
    static double[] pool(int kind, double[] x, int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                         boolean ceil, int dh, int dw) {
        int oh = outputs(h, kh, sh, ph, dh, ceil);
        int ow = outputs(w, kw, sw, pw, dw, ceil);
        double[] y = new double[planes * oh * ow];
        for (int p = 0; p < planes; p++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    double acc = kind == 0 ? Double.NEGATIVE_INFINITY : kind == 1 ? Double.POSITIVE_INFINITY : 0;
                    int count = 0;
                    int padded = 0;
                    // the taps inside the padded input only: past it a tap neither counts nor adds, and a
                    // kernel far wider than the input (which PyTorch takes) would loop for seconds
                    for (int r = 0; r < kh && i * sh - ph + (long) r * dh < h + ph; r++) {
                        for (int c = 0; c < kw && j * sw - pw + (long) c * dw < w + pw; c++) {
                            int yy = i * sh - ph + r * dh;
                            int xx = j * sw - pw + c * dw;
                            padded++;
                            if (yy < 0 || yy >= h || xx < 0 || xx >= w) {
                                continue;
                            }
                            double v = x[(p * h + yy) * w + xx];
                            acc = kind == 0 ? Math.max(acc, v) : kind == 1 ? Math.min(acc, v) : acc + v;
                            count++;
                        }
                    }
                    y[(p * oh + i) * ow + j] = kind == 2 ? acc / padded : kind == 3 ? acc / count : acc;
                }
            }
        }
        return y;
    }

    @Test
    void twoByTwoStrideTwoFastPathMatchesReference() {
        // the vectorized 2 x 2 / stride 2 path: widths around the vector length, odd sizes, max and min
        qt().withExamples(60).forAll(integers().between(2, 70), integers().between(2, 9), integers().between(0, 1), longs().all())
                .checkAssert((w, h, kind, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    int n = 1 + r.nextInt(2), c = 1 + r.nextInt(2);
                    int oh = h / 2, ow = w / 2;
                    float[] xs = Arrays2.uniform(r, n * c * h * w, -5, 5);
                    float[] gs = Arrays2.uniform(r, n * c * oh * ow, -1, 1);
                    int[] k = {2, 2};
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor x = Tensor.of(arena, xs, n, c, h, w);
                        Pooling.Indexed f = Pooling.maxPool2d(kind == 1, x, k, k, new int[] {0, 0}, arena);
                        double[] want = pool(kind, Reference.toDouble(xs), n * c, h, w, 2, 2, 2, 2, 0, 0);
                        Close.assertClose("y", f.y().toFloatArray(), want, 0, 0);
                        Tensor gx = Pooling.maxPool2dBackward(x, f, Tensor.of(arena, gs, n, c, oh, ow), k, k, new int[] {0, 0}, arena);
                        double[] gw = new double[xs.length];   // each gradient lands on its window's winner
                        for (int p = 0; p < n * c; p++) {
                            for (int i = 0; i < oh; i++) {
                                for (int j = 0; j < ow; j++) {
                                    int best = -1;
                                    for (int a = 0; a < 2; a++) {
                                        for (int b = 0; b < 2; b++) {
                                            int at = (p * h + 2 * i + a) * w + 2 * j + b;
                                            if (best < 0 || (kind == 1 ? xs[at] < xs[best] : xs[at] > xs[best])) {
                                                best = at;
                                            }
                                        }
                                    }
                                    gw[best] += gs[(p * oh + i) * ow + j];
                                }
                            }
                        }
                        Close.assertClose("gx", gx.toFloatArray(), gw, 0, 0);
                    }
                });
    }

    /**
     * Ties and NaNs in the 2 x 2 path: values from {0, 1, 2, NaN}, so most windows tie. The winner
     * is PyTorch's: the first in scan order (row 0 left, row 0 right, row 1 left, row 1 right) of
     * the largest (smallest for min) value, and a NaN beats any number (the first NaN wins).
     */
    @Test
    void twoByTwoTiesAndNaNsPickPyTorchsWinner() {
        qt().withExamples(60).forAll(integers().between(2, 70), integers().between(2, 6), integers().between(0, 1), longs().all())
                .checkAssert((w, h, kind, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    int oh = h / 2, ow = w / 2;
                    float[] xs = new float[h * w];
                    for (int i = 0; i < xs.length; i++) {
                        int v = r.nextInt(7);
                        xs[i] = v == 6 ? Float.NaN : v % 3;
                    }
                    try (Arena arena = Arena.ofConfined()) {
                        Pooling.Indexed f = Pooling.maxPool2d(kind == 1, Tensor.of(arena, xs, 1, 1, h, w), new int[] {2, 2},
                                new int[] {2, 2}, new int[] {0, 0}, arena);
                        float[] y = f.y().toFloatArray();
                        java.lang.foreign.MemorySegment idx = f.argmax();
                        for (int i = 0; i < oh; i++) {
                            for (int j = 0; j < ow; j++) {
                                int best = -1;
                                for (int a = 0; a < 2; a++) {
                                    for (int b = 0; b < 2; b++) {
                                        int at = (2 * i + a) * w + 2 * j + b;
                                        float v = xs[at];
                                        boolean better = best < 0 || (kind == 1 ? v < xs[best] : v > xs[best])
                                                || (Float.isNaN(v) && !Float.isNaN(xs[best]));
                                        best = better ? at : best;
                                    }
                                }
                                int o = i * ow + j;
                                int got = idx.getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, o);
                                if (got != best || Float.floatToIntBits(y[o]) != Float.floatToIntBits(xs[best])) {
                                    throw new AssertionError("window (" + i + ", " + j + ") of " + h + " x " + w + ": winner "
                                            + got + " (" + y[o] + "), PyTorch's " + best + " (" + xs[best] + ")");
                                }
                            }
                        }
                    }
                });
    }

    /**
     * The values-only forward (inference) gives the forward's values bit for bit: rows shorter and
     * longer than a vector, ties between zeros of either sign, NaNs, max and min; 2 x 2 at stride 2
     * and an overlapping 3 x 3 window with padding (the general path). A MaxPool2d layer in
     * InferenceMode returns them, and its backward then fails.
     */
    @Test
    void valuesWithoutArgmaxAreTheForwardsBitForBit() {
        qt().withExamples(80).forAll(integers().between(2, 70), integers().between(2, 9), integers().between(0, 3), longs().all())
                .checkAssert((w, h, kind, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    boolean min = kind % 2 == 1;
                    boolean twoByTwo = kind < 2;
                    int n = 1 + r.nextInt(2), c = 1 + r.nextInt(3);
                    float[] xs = new float[n * c * h * w];
                    for (int i = 0; i < xs.length; i++) {
                        int v = r.nextInt(9);
                        xs[i] = v == 0 ? Float.NaN : v == 1 ? -0f : v == 2 ? 0f : v == 3 ? 1f : (float) r.nextGaussian();
                    }
                    int[] k = twoByTwo ? new int[] {2, 2} : new int[] {3, 3};
                    int[] s = {2, 2};
                    int[] pad = twoByTwo ? new int[] {0, 0} : new int[] {1, 1};
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor x = Tensor.of(arena, xs, n, c, h, w);
                        var g = Pooling.geometry(x, k, s, pad, null);
                        float[] want = Pooling.maxPool2d(min, x, g, null, arena).y().toFloatArray();
                        String what = n + " x " + c + " x " + h + " x " + w + " (kind " + kind + ")";
                        sameBits(what, Pooling.maxPool2dValues(min, x, g, arena).toFloatArray(), want);
                        if (twoByTwo && !min) {
                            var layer = new dev.panamax.nn.layers.MaxPool2d(2);
                            try (var scope = dev.panamax.nn.layers.InferenceMode.enter()) {
                                sameBits(what + ", layer", layer.forward(x, arena).toFloatArray(), want);
                            }
                            org.assertj.core.api.Assertions.assertThatThrownBy(() -> layer.backward(Tensor.zeros(arena, n, c, h / 2, w / 2), arena))
                                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("InferenceMode");
                        }
                    }
                });
    }

    private static void sameBits(String what, float[] got, float[] want) {
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(want[i])) {
                throw new AssertionError("output " + i + " of " + what + ": " + got[i] + ", the forward's " + want[i]);
            }
        }
    }

    @Test
    void twoByTwoAverageFastPathMatchesReference() {
        qt().withExamples(40).forAll(integers().between(2, 70), integers().between(2, 9), longs().all())
                .checkAssert((w, h, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    int n = 1 + r.nextInt(2), c = 1 + r.nextInt(2);
                    int oh = h / 2, ow = w / 2;
                    float[] xs = Arrays2.uniform(r, n * c * h * w, -5, 5);
                    float[] gs = Arrays2.uniform(r, n * c * oh * ow, -1, 1);
                    double[] xd = Reference.toDouble(xs), gd = Reference.toDouble(gs);
                    int[] k = {2, 2}, p = {0, 0};
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor x = Tensor.of(arena, xs, n, c, h, w);
                        Close.assertClose("y", Pooling.avgPool2d(x, k, k, p, true, arena).toFloatArray(),
                                pool(2, xd, n * c, h, w, 2, 2, 2, 2, 0, 0), 1e-6, 1e-6);
                        double[] want = Reference.gradient(v -> {
                            double[] yv = pool(2, v, n * c, h, w, 2, 2, 2, 2, 0, 0);
                            double l = 0;
                            for (int i = 0; i < yv.length; i++) {
                                l += yv[i] * gd[i];
                            }
                            return l;
                        }, xd);
                        Close.assertClose("gx", Pooling.avgPool2dBackward(x, Tensor.of(arena, gs, n, c, oh, ow), k, k, p, true, arena)
                                .toFloatArray(), want, 1e-4, 1e-6);
                    }
                });
    }

    @Test
    void poolsMatchReferenceWithGradients() {
        qt().withExamples(120).forAll(integers().between(0, 3), integers().between(1, 4), integers().between(1, 4), longs().all())
                .checkAssert((kind, kh, kw, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    int sh = 1 + r.nextInt(3), sw = 1 + r.nextInt(3);
                    int ph = r.nextInt(kh / 2 + 1), pw = r.nextInt(kw / 2 + 1);
                    int h = Math.max(1, kh - 2 * ph) + r.nextInt(5), w = Math.max(1, kw - 2 * pw) + r.nextInt(5);
                    int n = 1 + r.nextInt(2), c = 1 + r.nextInt(3);
                    boolean ceil = r.nextBoolean();
                    int oh = outputs(h, kh, sh, ph, ceil), ow = outputs(w, kw, sw, pw, ceil);
                    float[] xs = Arrays2.uniform(r, n * c * h * w, -5, 5);     // continuous values: no ties
                    float[] gs = Arrays2.uniform(r, n * c * oh * ow, -1, 1);
                    double[] xd = Reference.toDouble(xs), gd = Reference.toDouble(gs);
                    int[] k = {kh, kw}, s = {sh, sw}, p = {ph, pw};
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor x = Tensor.of(arena, xs, n, c, h, w);
                        Tensor g = Tensor.of(arena, gs, n, c, oh, ow);
                        Tensor y;
                        Tensor gx;
                        if (kind < 2) {
                            Pooling.Indexed f = Pooling.maxPool2d(kind == 1, x, k, s, p, ceil, arena);
                            y = f.y();
                            gx = Pooling.maxPool2dBackward(x, f, g, k, s, p, ceil, arena);
                        } else {
                            y = Pooling.avgPool2d(x, k, s, p, kind == 2, ceil, arena);
                            gx = Pooling.avgPool2dBackward(x, g, k, s, p, kind == 2, ceil, arena);
                        }
                        Close.assertClose("y", y.toFloatArray(), pool(kind, xd, n * c, h, w, kh, kw, sh, sw, ph, pw, ceil),
                                1e-5, 1e-6);
                        double[] want = Reference.gradient(v -> {
                            double[] yv = pool(kind, v, n * c, h, w, kh, kw, sh, sw, ph, pw, ceil);
                            double l = 0;
                            for (int i = 0; i < yv.length; i++) {
                                l += yv[i] * gd[i];
                            }
                            return l;
                        }, xd);
                        Close.assertClose("gx", gx.toFloatArray(), want, 1e-3, 1e-4);
                    }
                });
    }
}
