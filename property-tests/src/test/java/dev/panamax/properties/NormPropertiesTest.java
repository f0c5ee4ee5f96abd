package dev.panamax.properties;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.panamax.properties.Theories.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

import dev.panamax.nn.functional.Normalization;
import dev.panamax.nn.tensor.Tensor;

/** batch_norm, layer_norm and group_norm against double references, with finite-difference gradients. */
class NormPropertiesTest {

    /**
     * Normalises {@code x [n, c, s]} with statistics over groups: {@code groupOf(i, k)} names the
     * group of sample i, channel k; weight and bias per channel ({@code perElement} false) or per
     * element of one sample's {@code c*s} values (true: layer norm).
     */
    static double[] normalise(double[] x, double[] w, double[] b, int n, int c, int s, int groupsPerSample,
                              boolean acrossBatch, boolean perElement, double eps) {
        double[] y = new double[x.length];
        int groups = acrossBatch ? c : n * groupsPerSample;
        double[] sum = new double[groups];
        double[] cnt = new double[groups];
        double[] sq = new double[groups];
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < c; k++) {
                    int g = acrossBatch ? k : i * groupsPerSample + k / (c / groupsPerSample);
                    for (int j = 0; j < s; j++) {
                        double v = x[(i * c + k) * s + j];
                        if (pass == 0) {
                            sum[g] += v;
                            cnt[g]++;
                        } else {
                            double dv = v - sum[g] / cnt[g];
                            sq[g] += dv * dv;
                        }
                    }
                }
            }
        }
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < c; k++) {
                int g = acrossBatch ? k : i * groupsPerSample + k / (c / groupsPerSample);
                double mean = sum[g] / cnt[g];
                double rstd = 1 / Math.sqrt(sq[g] / cnt[g] + eps);
                for (int j = 0; j < s; j++) {
                    int at = (i * c + k) * s + j;
                    int p = perElement ? k * s + j : k;
                    y[at] = (x[at] - mean) * rstd * w[p] + b[p];
                }
            }
        }
        return y;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private enum Kind { BATCH, LAYER, GROUP }

    @Test
    void allThreeMatchReferenceWithGradients() {
        qt().withExamples(200).forAll(integers().between(0, 2), integers().between(1, 5), integers().between(1, 6), longs().all())
                .checkAssert((kindIndex, n0, c0, seed) -> {
                    Kind kind = Kind.values()[kindIndex];
                    SplittableRandom r = new SplittableRandom(seed);
                    int n = kind == Kind.BATCH ? Math.max(2, n0) : n0;
                    int groups = 1 + r.nextInt(3);
                    int c = kind == Kind.GROUP ? groups * c0 : c0;
                    int s = 1 + r.nextInt(9);
                    double eps = 1e-5;
                    int params = kind == Kind.LAYER ? c * s : c;
                    float[] xs = Arrays2.uniform(r, n * c * s, -3, 5);
                    float[] ws = Arrays2.uniform(r, params, 0.5, 1.5);
                    float[] bs = Arrays2.uniform(r, params, -0.5, 0.5);
                    float[] gs = Arrays2.uniform(r, xs.length, -1, 1);
                    double[] xd = Reference.toDouble(xs);
                    double[] wd = Reference.toDouble(ws);
                    double[] bd = Reference.toDouble(bs);
                    double[] gd = Reference.toDouble(gs);
                    int gps = kind == Kind.GROUP ? groups : 1;
                    boolean across = kind == Kind.BATCH;
                    boolean perElement = kind == Kind.LAYER;
                    try (Arena arena = Arena.ofConfined()) {
                        long[] shape = {n, c, s};
                        Tensor x = Tensor.of(arena, xs, shape);
                        Tensor w = kind == Kind.LAYER ? Tensor.of(arena, ws, c, s) : Tensor.of(arena, ws, c);
                        Tensor b = kind == Kind.LAYER ? Tensor.of(arena, bs, c, s) : Tensor.of(arena, bs, c);
                        Tensor g = Tensor.of(arena, gs, shape);
                        Normalization.Saved saved;
                        Normalization.Grads grads;
                        switch (kind) {
                            case BATCH -> {
                                saved = Normalization.batchNorm(x, w, b, null, null, true, 0.1f, (float) eps, arena);
                                grads = Normalization.batchNormBackward(x, w, true, saved, g, true, arena);
                            }
                            case LAYER -> {
                                saved = Normalization.layerNorm(x, new long[] {c, s}, w, b, (float) eps, arena);
                                grads = Normalization.layerNormBackward(x, new long[] {c, s}, w, true, saved, g, arena);
                            }
                            default -> {
                                saved = Normalization.groupNorm(x, groups, w, b, (float) eps, arena);
                                grads = Normalization.groupNormBackward(x, groups, w, true, saved, g, arena);
                            }
                        }
                        Close.assertClose(kind + " y", saved.y().toFloatArray(),
                                normalise(xd, wd, bd, n, c, s, gps, across, perElement, eps), 1e-4, 1e-5);
                        double[] gx = Reference.gradient(v -> dot(gd, normalise(v, wd, bd, n, c, s, gps, across, perElement, eps)), xd);
                        double[] gw = Reference.gradient(v -> dot(gd, normalise(xd, v, bd, n, c, s, gps, across, perElement, eps)), wd);
                        double[] gb = Reference.gradient(v -> dot(gd, normalise(xd, wd, v, n, c, s, gps, across, perElement, eps)), bd);
                        Close.assertClose(kind + " gx", grads.x().toFloatArray(), gx, 2e-3, 2e-4);
                        Close.assertClose(kind + " gw", grads.weight().toFloatArray(), gw, 1e-3, 1e-4);
                        Close.assertClose(kind + " gb", grads.bias().toFloatArray(), gb, 1e-3, 1e-4);
                    }
                });
    }

    @Test
    void layerNormRowsHaveZeroMeanAndUnitVariance() {
        SplittableRandom r = new SplittableRandom(3);
        int rows = 7;
        int d = 1000;
        float[] xs = Arrays2.uniform(r, rows * d, 100, 130);   // a large offset: two-pass statistics keep precision
        try (Arena arena = Arena.ofConfined()) {
            float[] y = Normalization.layerNorm(Tensor.of(arena, xs, rows, d), new long[] {d}, null, null, 0f, arena)
                    .y().toFloatArray();
            for (int i = 0; i < rows; i++) {
                double mean = 0;
                double sq = 0;
                for (int k = 0; k < d; k++) {
                    mean += y[i * d + k];
                }
                mean /= d;
                for (int k = 0; k < d; k++) {
                    sq += (y[i * d + k] - mean) * (y[i * d + k] - mean);
                }
                assertThat(mean).isCloseTo(0.0, Offset.offset(1e-5));
                assertThat(sq / d).isCloseTo(1.0, Offset.offset(1e-4));
            }
        }
    }

    @Test
    void batchNormUpdatesRunningStatisticsWithUnbiasedVariance() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.of(arena, new float[] {1, 2, 3, 5}, 4, 1);
            Tensor rm = Tensor.of(arena, new float[] {0}, 1);
            Tensor rv = Tensor.of(arena, new float[] {1}, 1);
            Normalization.batchNorm(x, null, null, rm, rv, true, 0.5f, 1e-5f, arena);
            // mean 2.75, biased var 2.1875, unbiased 2.9166...
            assertThat(rm.get(0)).isCloseTo(1.375f, Offset.offset(1e-6f));
            assertThat(rv.get(0)).isCloseTo((float) (0.5 + 0.5 * 2.1875 * 4 / 3), Offset.offset(1e-6f));
            float[] y = Normalization.batchNorm(x, null, null, rm, rv, false, 0.5f, 1e-5f, arena).y().toFloatArray();
            assertThat(y[0]).isCloseTo((float) ((1 - 1.375) / Math.sqrt(rv.get(0) + 1e-5)), Offset.offset(1e-6f));
        }
    }

    /**
     * The synchronized batch norm's pieces (per-channel sums, squared deviations, normalisation
     * with given statistics, gradient sums, input gradient from given sums) over one process
     * equal the fused training forward and backward: outputs, running statistics and gradients.
     */
    @Test
    void synchronizedBatchNormOverOneProcessEqualsTheFusedOne() {
        qt().withExamples(60).forAll(integers().between(1, 6), integers().between(1, 5), integers().between(1, 40), longs().all())
                .checkAssert((n, c, s, seed) -> {
                    if (n * s < 2) {
                        return;                               // training needs two values per channel
                    }
                    SplittableRandom r = new SplittableRandom(seed);
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor x = Tensor.of(arena, Arrays2.uniform(r, n * c * s, -3, 3), n, c, s);
                        Tensor w = Tensor.of(arena, Arrays2.uniform(r, c, 0.5, 1.5), c);
                        Tensor b = Tensor.of(arena, Arrays2.uniform(r, c, -1, 1), c);
                        Tensor gy = Tensor.of(arena, Arrays2.uniform(r, n * c * s, -1, 1), n, c, s);
                        Tensor rm1 = Tensor.zeros(arena, c);
                        Tensor rv1 = Tensor.of(arena, Arrays2.uniform(r, c, 1, 1), c);
                        Tensor rm2 = Tensor.zeros(arena, c);
                        Tensor rv2 = Tensor.of(arena, rv1.toFloatArray(), c);
                        var fused = Normalization.batchNorm(x, w, b, rm1, rv1, true, 0.1f, 1e-5f, arena);
                        var synced = Normalization.syncBatchNorm(x, w, b, rm2, rv2, 0.1f, 1e-5f,
                                dev.panamax.nn.distributed.Communicator.single(), arena);
                        close("y", synced.y().toFloatArray(), fused.y().toFloatArray());
                        close("running_mean", rm2.toFloatArray(), rm1.toFloatArray());
                        close("running_var", rv2.toFloatArray(), rv1.toFloatArray());
                        var g1 = Normalization.batchNormBackward(x, w, true, fused, gy, true, arena);
                        var g2 = Normalization.syncBatchNormBackward(x, w, true, synced, gy,
                                dev.panamax.nn.distributed.Communicator.single(), arena);
                        close("dx", g2.x().toFloatArray(), g1.x().toFloatArray());
                        close("dweight", g2.weight().toFloatArray(), g1.weight().toFloatArray());
                        close("dbias", g2.bias().toFloatArray(), g1.bias().toFloatArray());
                    }
                });
    }

    private static void close(String what, float[] got, float[] want) {
        for (int i = 0; i < want.length; i++) {
            Close.assertClose(what + "[" + i + "]", got[i], want[i], 1e-5, 1e-5);
        }
    }
}
