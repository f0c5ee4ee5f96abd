package dev.panamax.properties;

import static dev.panamax.properties.Theories.qt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.attention.AttentionMasks;
import dev.panamax.kernels.attention.AttentionShape;
import dev.panamax.kernels.attention.FlashAttentionForward;
import dev.panamax.nn.functional.Attention;
import dev.panamax.nn.tensor.Tensor;

/**
 * The fused attention against the naive {@code softmax(q k^T scale + masks) v} in double over
 * generated shapes: T from 1, {@code Tq != Tk}, {@code D != Dv} (below, at and above the tile
 * widths), grouped heads, additive and key-padding masks with {@code -inf}, causal; gradients of
 * q, k and v against central differences of the double reference.
 */
class AttentionPropertiesTest {

    /** {@code [N, H, Tq, Dv]} in double, the formula of OPS.md. */
    static double[] naive(double[] q, double[] k, double[] v, double[] mask, double[] pad, int n, int h, int hkv, int tq, int tk,
                          int d, int dv, double scale, boolean causal) {
        return naive(q, k, v, mask, pad, n, h, hkv, tq, tk, d, dv, scale, causal, 0);
    }

    /** As above, query i seeing keys {@code j <= i + offset} when causal. */
    static double[] naive(double[] q, double[] k, double[] v, double[] mask, double[] pad, int n, int h, int hkv, int tq, int tk,
                          int d, int dv, double scale, boolean causal, int offset) {
        double[] y = new double[n * h * tq * dv];
        int group = h / hkv;
        for (int b = 0; b < n; b++) {
            for (int hh = 0; hh < h; hh++) {
                int kh = hh / group;
                for (int i = 0; i < tq; i++) {
                    double[] s = new double[tk];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < tk; j++) {
                        double dot = 0;
                        for (int x = 0; x < d; x++) {
                            dot += q[((b * h + hh) * tq + i) * d + x] * k[((b * hkv + kh) * tk + j) * d + x];
                        }
                        s[j] = dot * scale + (mask == null ? 0 : mask[i * tk + j]) + (pad == null ? 0 : pad[b * tk + j]);
                        if (causal && j > i + offset) {
                            s[j] = Double.NEGATIVE_INFINITY;
                        }
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < tk; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int j = 0; j < tk; j++) {
                        for (int x = 0; x < dv; x++) {
                            y[((b * h + hh) * tq + i) * dv + x] += s[j] / sum * v[((b * hkv + kh) * tk + j) * dv + x];
                        }
                    }
                }
            }
        }
        return y;
    }

    private static final int[] DIMS = {1, 3, 8, 16, 17, 32, 33, 64};

    @Test
    void fusedAttentionMatchesTheNaiveFormulaWithGradients() {
        qt().withExamples(50).forAll(integers().between(1, 40), integers().between(1, 70), longs().all())
                .checkAssert((tq, tk, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    int hkv = 1 + r.nextInt(2);
                    int h = hkv * (1 + r.nextInt(3));
                    int n = 1 + r.nextInt(2);
                    int d = DIMS[r.nextInt(DIMS.length)];
                    int dv = r.nextBoolean() ? d : DIMS[r.nextInt(DIMS.length)];
                    boolean causal = r.nextInt(3) == 0;
                    boolean withMask = r.nextBoolean();
                    boolean withPad = r.nextInt(3) == 0;
                    double scale = r.nextBoolean() ? 1 / Math.sqrt(d) : 0.3;
                    double[] q = gaussian(r, n * h * tq * d);
                    double[] k = gaussian(r, n * hkv * tk * d);
                    double[] v = gaussian(r, n * hkv * tk * dv);
                    double[] mask = withMask ? blocked(r, tq, tk) : null;
                    double[] pad = withPad ? blocked(r, n, tk) : null;
                    double[] want = naive(q, k, v, mask, pad, n, h, hkv, tq, tk, d, dv, scale, causal);
                    try (Arena arena = Arena.ofShared()) {
                        Tensor tqT = tensor(arena, q, n, h, tq, d);
                        Tensor tkT = tensor(arena, k, n, hkv, tk, d);
                        Tensor tvT = tensor(arena, v, n, hkv, tk, dv);
                        Tensor tm = mask == null ? null : tensor(arena, mask, tq, tk);
                        Tensor tp = pad == null ? null : tensor(arena, pad, n, tk);
                        Attention.Result y = Attention.scaledDotProduct(tqT, tkT, tvT, tm, tp, causal, (float) scale, arena);
                        String what = "N=" + n + " H=" + h + " Hkv=" + hkv + " Tq=" + tq + " Tk=" + tk + " D=" + d + " Dv=" + dv
                                + (causal ? " causal" : "") + (withMask ? " mask" : "") + (withPad ? " padding" : "");
                        Close.assertClose(what + " y", y.y().toFloatArray(), want, 1e-4, 2e-5);
                        double[] gy = gaussian(r, want.length);
                        Attention.Grads g = Attention.scaledDotProductBackward(tqT, tkT, tvT, tm, tp, causal, (float) scale, y,
                                tensor(arena, gy, n, h, tq, dv), arena);
                        double[][] in = {q, k, v};
                        float[][] got = {g.q().toFloatArray(), g.k().toFloatArray(), g.v().toFloatArray()};
                        String[] names = {"dq", "dk", "dv"};
                        for (int t = 0; t < 3; t++) {
                            for (int s = 0; s < Math.min(in[t].length, 12); s++) {
                                int i = in[t].length <= 12 ? s : r.nextInt(in[t].length);
                                double old = in[t][i];
                                double step = 1e-6;
                                in[t][i] = old + step;
                                double up = dot(naive(q, k, v, mask, pad, n, h, hkv, tq, tk, d, dv, scale, causal), gy);
                                in[t][i] = old - step;
                                double down = dot(naive(q, k, v, mask, pad, n, h, hkv, tq, tk, d, dv, scale, causal), gy);
                                in[t][i] = old;
                                Close.assertClose(what + " " + names[t] + "[" + i + "]", got[t][i], (up - down) / (2 * step),
                                        2e-3, 2e-4);
                            }
                        }
                    }
                });
    }

    /**
     * A query that sees one key (the first row of a causal attention, or every row when Tk = 1)
     * has the probability 1, so its output is that key's value and its query gradient is 0
     * whatever the scale, in PyTorch's float as in exact arithmetic: {@code dS = P (dP - delta)}
     * with {@code delta = sum P dP / sum P}, which is that dP exactly. A delta of {@code dO . O}
     * summed in double left dP's rounding there, times scale and k (2.4e-5 at scale 1.5, D = 64).
     */
    @Test
    void aQueryThatSeesOneKeyGetsNoQueryGradient() {
        qt().withExamples(40).forAll(integers().between(1, 20), integers().between(1, 40), longs().all())
                .checkAssert((tq, tk, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    int n = 1 + r.nextInt(2);
                    int h = 1 + r.nextInt(2);
                    int d = DIMS[r.nextInt(DIMS.length)];
                    int dv = DIMS[r.nextInt(DIMS.length)];
                    boolean oneKey = r.nextBoolean();
                    int keys = oneKey ? 1 : tk;
                    float scale = (float) (0.05 + 60 * r.nextDouble());
                    try (Arena arena = Arena.ofShared()) {
                        Tensor q = tensor(arena, gaussian(r, n * h * tq * d), n, h, tq, d);
                        Tensor k = tensor(arena, gaussian(r, n * h * keys * d), n, h, keys, d);
                        Tensor v = tensor(arena, gaussian(r, n * h * keys * dv), n, h, keys, dv);
                        Attention.Result y = Attention.scaledDotProduct(q, k, v, null, null, !oneKey, scale, arena);
                        Attention.Grads g = Attention.scaledDotProductBackward(q, k, v, null, null, !oneKey, scale, y,
                                tensor(arena, gaussian(r, n * h * tq * dv), n, h, tq, dv), arena);
                        float[] dq = g.q().toFloatArray();
                        int rows = oneKey ? tq : 1;
                        for (int b = 0; b < n * h; b++) {
                            for (int i = 0; i < rows * d; i++) {
                                assertThat(dq[b * tq * d + i]).as("dq of head %d, element %d of the rows that see one key "
                                        + "(Tq=%d Tk=%d D=%d Dv=%d scale %s)", b, i, tq, keys, d, dv, scale).isZero();
                            }
                        }
                    }
                });
    }

    @Test
    void decodingOverALongCacheSplitsTheKeysAndMergesThem() {
        SplittableRandom r = new SplittableRandom(11);
        for (int tq : new int[] {1, 3}) {
            int tk = 4500;
            int h = tq == 1 ? 1 : 2;          // one row: split over the threads; more: a row each
            int hkv = 1;
            int d = 40;
            double[] q = gaussian(r, h * tq * d);
            double[] k = gaussian(r, hkv * tk * d);
            double[] v = gaussian(r, hkv * tk * d);
            double[] want = naive(q, k, v, null, null, 1, h, hkv, tq, tk, d, d, 0.2, true, tk - tq);
            try (Arena arena = Arena.ofShared()) {
                Tensor y = Tensor.zeros(arena, 1, h, tq, d);
                AttentionShape shape = new AttentionShape(1, h, hkv, tq, tk, d, d, 0.2f, false, 0).alignedToEnd();
                FlashAttentionForward.forward(shape, Attention.layout(tensor(arena, q, 1, h, tq, d)),
                        Attention.layout(tensor(arena, k, 1, hkv, tk, d)), Attention.layout(tensor(arena, v, 1, hkv, tk, d)),
                        AttentionMasks.NONE, Attention.layout(y), null, 0);
                Close.assertClose("decode Tq=" + tq, y.toFloatArray(), want, 1e-4, 2e-5);
            }
        }
    }

    @Test
    void badShapesAreRefusedNamingTheTensor() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor q = Tensor.zeros(arena, 1, 4, 5, 8);
            Tensor k = Tensor.zeros(arena, 1, 3, 6, 8);
            Tensor v = Tensor.zeros(arena, 1, 3, 6, 8);
            assertThatThrownBy(() -> Attention.scaledDotProduct(q, k, v, null, null, false, null, arena))
                    .hasMessageContaining("Hkv").hasMessageContaining("[1, 4, 5, 8]");
            Tensor k2 = Tensor.zeros(arena, 1, 2, 6, 8);
            assertThatThrownBy(() -> Attention.scaledDotProduct(q, k2, k2, Tensor.zeros(arena, 5, 7), null, false, null, arena))
                    .hasMessageContaining("attn_mask").hasMessageContaining("[5, 6]").hasMessageContaining("[5, 7]");
            assertThatThrownBy(() -> Attention.scaledDotProduct(q, k2, k2, null, Tensor.zeros(arena, 2, 6), false, null, arena))
                    .hasMessageContaining("key_padding_mask").hasMessageContaining("[1, 6]");
        }
    }

    private static double[] blocked(SplittableRandom r, int rows, int cols) {
        double[] m = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                // every row keeps its first key, so no row is masked entirely
                m[i * cols + j] = j > 0 && r.nextInt(4) == 0 ? Double.NEGATIVE_INFINITY : (float) (r.nextGaussian() * 0.5);
            }
        }
        return m;
    }

    private static double[] gaussian(SplittableRandom r, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    private static Tensor tensor(Arena arena, double[] v, long... shape) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return Tensor.of(arena, f, shape);
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** The shape's derived forms keep every other field: the default scale, another scale, grouped key/value heads. */
    @Test
    void shapeBuildersChangeOneFieldEach() {
        AttentionShape s = AttentionShape.of(2, 4, 5, 6, 16, 8, true);
        assertThat(s.scale()).isEqualTo(0.25f);
        assertThat(s.kvHeads()).isEqualTo(4);
        AttentionShape scaled = s.withScale(0.5f);
        assertThat(scaled).isEqualTo(new AttentionShape(2, 4, 4, 5, 6, 16, 8, 0.5f, true, 0));
        AttentionShape grouped = s.withKvHeads(2);
        assertThat(grouped).isEqualTo(new AttentionShape(2, 4, 2, 5, 6, 16, 8, 0.25f, true, 0));
        assertThatThrownBy(() -> s.withKvHeads(3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of kvHeads");
    }
}
