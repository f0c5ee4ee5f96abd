package dev.panamax.properties;

import static dev.panamax.properties.Theories.qt;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.functional.Convolution;
import dev.panamax.nn.tensor.Tensor;

/**
 * conv2d and conv_transpose2d against a direct double-precision convolution over generated
 * shapes (kernels 1-7, non-square, stride 1-3, padding 0-3, dilation 1-3, groups, batch 1,
 * 1 x 1 images), with gradients from finite differences; every algorithm of a shape, forced one
 * by one, in {@link Conv2dPlanTest}.
 */
class ConvPropertiesTest {

    /** Direct conv2d in double, formula of OPS.md. */
    static double[] conv2d(double[] x, double[] w, double[] b, int n, int c, int h, int wd, int o, int kh, int kw,
                           int[] s, int[] p, int[] d, int groups, int oh, int ow) {
        int cg = c / groups;
        int og = o / groups;
        double[] y = new double[n * o * oh * ow];
        for (int in = 0; in < n; in++) {
            for (int oc = 0; oc < o; oc++) {
                int g = oc / og;
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double sum = b == null ? 0 : b[oc];
                        for (int ci = 0; ci < cg; ci++) {
                            for (int r = 0; r < kh; r++) {
                                int yy = i * s[0] - p[0] + r * d[0];
                                if (yy < 0 || yy >= h) {
                                    continue;
                                }
                                for (int q = 0; q < kw; q++) {
                                    int xx = j * s[1] - p[1] + q * d[1];
                                    if (xx < 0 || xx >= wd) {
                                        continue;
                                    }
                                    sum += x[((in * c + g * cg + ci) * h + yy) * wd + xx] * w[((oc * cg + ci) * kh + r) * kw + q];
                                }
                            }
                        }
                        y[((in * o + oc) * oh + i) * ow + j] = sum;
                    }
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

    @Test
    void conv2dMatchesDirectConvolutionWithGradients() {
        qt().withExamples(60).forAll(integers().between(1, 4), integers().between(1, 7), integers().between(1, 7), longs().all())
                .checkAssert((groupsChoice, kh, kw, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    int groups = groupsChoice == 4 ? 1 : groupsChoice;
                    int c = groups * (1 + r.nextInt(2));
                    int o = groups * (1 + r.nextInt(2));
                    int[] s = {1 + r.nextInt(3), 1 + r.nextInt(3)};
                    int[] d = {1 + r.nextInt(3), 1 + r.nextInt(3)};
                    int[] p = {r.nextInt(Math.min(4, kh)), r.nextInt(Math.min(4, kw))};
                    int h = Math.max(1, d[0] * (kh - 1) + 1 - 2 * p[0]) + r.nextInt(4);
                    int w = Math.max(1, d[1] * (kw - 1) + 1 - 2 * p[1]) + r.nextInt(4);
                    int n = 1 + r.nextInt(2);
                    int oh = (h + 2 * p[0] - d[0] * (kh - 1) - 1) / s[0] + 1;
                    int ow = (w + 2 * p[1] - d[1] * (kw - 1) - 1) / s[1] + 1;
                    float[] xs = Arrays2.uniform(r, n * c * h * w, -1, 1);
                    float[] ws = Arrays2.uniform(r, o * (c / groups) * kh * kw, -1, 1);
                    float[] bs = Arrays2.uniform(r, o, -1, 1);
                    float[] gs = Arrays2.uniform(r, n * o * oh * ow, -1, 1);
                    double[] xd = Reference.toDouble(xs), wd = Reference.toDouble(ws), bd = Reference.toDouble(bs);
                    double[] gd = Reference.toDouble(gs);
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor x = Tensor.of(arena, xs, n, c, h, w);
                        Tensor wt = Tensor.of(arena, ws, o, c / groups, kh, kw);
                        Tensor b = Tensor.of(arena, bs, o);
                        Tensor y = Convolution.conv2d(x, wt, b, s, p, d, groups, arena);
                        Close.assertClose("y", y.toFloatArray(),
                                conv2d(xd, wd, bd, n, c, h, w, o, kh, kw, s, p, d, groups, oh, ow), 1e-4, 1e-5);
                        Convolution.Grads g = Convolution.conv2dBackward(x, wt, true, Tensor.of(arena, gs, n, o, oh, ow),
                                s, p, d, groups, arena);
                        Close.assertClose("gx", g.x().toFloatArray(), Reference.gradient(
                                v -> dot(gd, conv2d(v, wd, bd, n, c, h, w, o, kh, kw, s, p, d, groups, oh, ow)), xd), 1e-3, 1e-4);
                        Close.assertClose("gw", g.weight().toFloatArray(), Reference.gradient(
                                v -> dot(gd, conv2d(xd, v, bd, n, c, h, w, o, kh, kw, s, p, d, groups, oh, ow)), wd), 1e-3, 1e-4);
                        Close.assertClose("gb", g.bias().toFloatArray(), Reference.gradient(
                                v -> dot(gd, conv2d(xd, wd, v, n, c, h, w, o, kh, kw, s, p, d, groups, oh, ow)), bd), 1e-3, 1e-4);
                    }
                });
    }

    @Test
    void depthwiseMatchesDirectConvolutionWithGradients() {
        // groups = C = O with stride 1: the direct depthwise kernel
        qt().withExamples(40).forAll(integers().between(1, 5), integers().between(1, 5), integers().between(1, 4), longs().all())
                .checkAssert((kh, kw, c, seed) -> checkDepthwise(kh, kw, c, 2, 3, new SplittableRandom(seed)));
    }

    /**
     * 3 x 3, the depthwise filter of MobileNets, whose weight gradient has a one-pass kernel of its
     * own: dilations 1-3, padding 0-3 (so also beyond {@code (k - 1) d}, where dx takes the
     * fallback), rows of one to several vectors.
     */
    @Test
    void depthwiseThreeByThreeMatchesDirectConvolutionWithGradients() {
        qt().withExamples(30).forAll(integers().between(1, 3), longs().all())
                .checkAssert((c, seed) -> checkDepthwise(3, 3, c, 3, 4, new SplittableRandom(seed)));
    }

    private static void checkDepthwise(int kh, int kw, int c, int maxDilation, int paddings, SplittableRandom r) {
        int[] s = {1, 1};
        int[] d = {1 + r.nextInt(maxDilation), 1 + r.nextInt(maxDilation)};
        int[] p = {r.nextInt(Math.min(paddings, kh + 1)), r.nextInt(Math.min(paddings, kw + 1))};
        int h = Math.max(1, d[0] * (kh - 1) + 1 - 2 * p[0]) + r.nextInt(20);
        int w = Math.max(1, d[1] * (kw - 1) + 1 - 2 * p[1]) + r.nextInt(40);
        int n = 1 + r.nextInt(2);
        int oh = h + 2 * p[0] - d[0] * (kh - 1);
        int ow = w + 2 * p[1] - d[1] * (kw - 1);
        float[] xs = Arrays2.uniform(r, n * c * h * w, -1, 1);
        float[] ws = Arrays2.uniform(r, c * kh * kw, -1, 1);
        float[] bs = Arrays2.uniform(r, c, -1, 1);
        float[] gs = Arrays2.uniform(r, n * c * oh * ow, -1, 1);
        double[] xd = Reference.toDouble(xs), wd = Reference.toDouble(ws), bd = Reference.toDouble(bs);
        double[] gd = Reference.toDouble(gs);
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.of(arena, xs, n, c, h, w);
            Tensor wt = Tensor.of(arena, ws, c, 1, kh, kw);
            Tensor y = Convolution.conv2d(x, wt, Tensor.of(arena, bs, c), s, p, d, c, arena);
            Close.assertClose("y", y.toFloatArray(), conv2d(xd, wd, bd, n, c, h, w, c, kh, kw, s, p, d, c, oh, ow), 1e-4, 1e-5);
            Convolution.Grads g = Convolution.conv2dBackward(x, wt, true, Tensor.of(arena, gs, n, c, oh, ow), s, p, d, c, arena);
            Close.assertClose("gw", g.weight().toFloatArray(), Reference.gradient(
                    v -> dot(gd, conv2d(xd, v, bd, n, c, h, w, c, kh, kw, s, p, d, c, oh, ow)), wd), 1e-3, 1e-4);
            Close.assertClose("gb", g.bias().toFloatArray(), Reference.gradient(
                    v -> dot(gd, conv2d(xd, wd, v, n, c, h, w, c, kh, kw, s, p, d, c, oh, ow)), bd), 1e-3, 1e-4);
            if (xs.length <= 1500) {
                Close.assertClose("gx", g.x().toFloatArray(), Reference.gradient(
                        v -> dot(gd, conv2d(v, wd, bd, n, c, h, w, c, kh, kw, s, p, d, c, oh, ow)), xd), 1e-3, 1e-4);
            }
        }
    }

    /**
     * Rows wide enough for the vector paths of strided im2col/col2im (several vectors a row, and a
     * last one at the very end of the segment): y against the double reference, dx and dw by the
     * adjoint identities {@code <y(x), g> = <x, dx(g)>} and {@code <y(w), g> = <w, dw(g)>}.
     */
    @Test
    void wideStridedRowsMatchReference() {
        qt().withExamples(12).forAll(integers().between(2, 3), integers().between(1, 5), integers().between(0, 2), longs().all())
                .checkAssert((stride, k, pad, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    int n = 2, c = 2, o = 3, h = 5 + r.nextInt(3), w = 60 + r.nextInt(40);
                    int p = Math.min(pad, k - 1);
                    int[] s = {stride, stride}, pp = {p, p}, d = {1, 1};
                    int oh = (h + 2 * p - k) / stride + 1;
                    int ow = (w + 2 * p - k) / stride + 1;
                    float[] xs = Arrays2.uniform(r, n * c * h * w, -1, 1);
                    float[] ws = Arrays2.uniform(r, o * c * k * k, -1, 1);
                    float[] gs = Arrays2.uniform(r, n * o * oh * ow, -1, 1);
                    double[] xd = Reference.toDouble(xs), wd = Reference.toDouble(ws), gd = Reference.toDouble(gs);
                    double[] yd = conv2d(xd, wd, null, n, c, h, w, o, k, k, s, pp, d, 1, oh, ow);
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor x = Tensor.of(arena, xs, n, c, h, w);
                        Tensor wt = Tensor.of(arena, ws, o, c, k, k);
                        Tensor y = Convolution.conv2d(x, wt, null, s, pp, d, 1, arena);
                        Close.assertClose("y", y.toFloatArray(), yd, 1e-4, 1e-5);
                        Convolution.Grads g = Convolution.conv2dBackward(x, wt, false, Tensor.of(arena, gs, n, o, oh, ow),
                                s, pp, d, 1, arena);
                        double yg = dot(yd, gd);
                        Close.assertClose("<x, dx>", dot(xd, Reference.toDouble(g.x().toFloatArray())), yg, 1e-4, 1e-4);
                        Close.assertClose("<w, dw>", dot(wd, Reference.toDouble(g.weight().toFloatArray())), yg, 1e-4, 1e-4);
                    }
                });
    }

    /**
     * More than 32 channels, so neither direct kernel applies: the implicit GEMM forward, the
     * input gradient as a convolution with the flipped kernel (stride 1) or by col2im, and the
     * chunked weight gradient. y against the double reference, dx and dw by the adjoint identities.
     */
    @Test
    void manyChannelsMatchReference() {
        qt().withExamples(25).forAll(integers().between(1, 2), integers().between(1, 5), integers().between(0, 3), longs().all())
                .checkAssert((groups, k, pad, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    int c = groups * (33 + r.nextInt(6));
                    int o = groups * (30 + r.nextInt(10));
                    int dil = 1 + r.nextInt(2);
                    int stride = r.nextInt(4) == 0 ? 2 : 1;
                    int p = Math.min(pad, dil * (k - 1) + 1);
                    int h = Math.max(1, dil * (k - 1) + 1 - 2 * p) + r.nextInt(5);
                    int w = Math.max(1, dil * (k - 1) + 1 - 2 * p) + r.nextInt(5);
                    int n = 1 + r.nextInt(2);
                    int[] s = {stride, stride}, pp = {p, p}, d = {dil, dil};
                    int oh = (h + 2 * p - dil * (k - 1) - 1) / stride + 1;
                    int ow = (w + 2 * p - dil * (k - 1) - 1) / stride + 1;
                    float[] xs = Arrays2.uniform(r, n * c * h * w, -1, 1);
                    float[] ws = Arrays2.uniform(r, o * (c / groups) * k * k, -1, 1);
                    float[] gs = Arrays2.uniform(r, n * o * oh * ow, -1, 1);
                    double[] xd = Reference.toDouble(xs), wd = Reference.toDouble(ws), gd = Reference.toDouble(gs);
                    double[] yd = conv2d(xd, wd, null, n, c, h, w, o, k, k, s, pp, d, groups, oh, ow);
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor x = Tensor.of(arena, xs, n, c, h, w);
                        Tensor wt = Tensor.of(arena, ws, o, c / groups, k, k);
                        Close.assertClose("y", Convolution.conv2d(x, wt, null, s, pp, d, groups, arena).toFloatArray(), yd, 1e-4, 1e-5);
                        Convolution.Grads g = Convolution.conv2dBackward(x, wt, false, Tensor.of(arena, gs, n, o, oh, ow),
                                s, pp, d, groups, arena);
                        double yg = dot(yd, gd);
                        Close.assertClose("<x, dx>", dot(xd, Reference.toDouble(g.x().toFloatArray())), yg, 1e-4, 1e-4);
                        Close.assertClose("<w, dw>", dot(wd, Reference.toDouble(g.weight().toFloatArray())), yg, 1e-4, 1e-4);
                    }
                });
    }

    @Test
    void convTransposeIsTheAdjointOfConv() {
        // <conv2d(a), b> = <a, conv_transpose2d(b)> for the same kernel, stride, padding, dilation
        qt().withExamples(60).forAll(integers().between(1, 5), integers().between(1, 3), integers().between(0, 2), longs().all())
                .checkAssert((k, stride, pad, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    int groups = 1 + r.nextInt(2);
                    int cin = groups * (1 + r.nextInt(2));    // conv_transpose input channels = conv output channels
                    int cout = groups * (1 + r.nextInt(2));
                    int dil = 1 + r.nextInt(2);
                    int p = Math.min(pad, (dil * (k - 1)) / 2);
                    int h = dil * (k - 1) + 1 + r.nextInt(5);
                    int w = dil * (k - 1) + 1 + r.nextInt(5);
                    int oh = (h + 2 * p - dil * (k - 1) - 1) / stride + 1;
                    int ow = (w + 2 * p - dil * (k - 1) - 1) / stride + 1;
                    int[] op = {(h + 2 * p - dil * (k - 1) - 1) % stride, (w + 2 * p - dil * (k - 1) - 1) % stride};
                    int[] s = {stride, stride}, pp = {p, p}, dd = {dil, dil};
                    float[] as = Arrays2.uniform(r, cout * h * w, -1, 1);
                    float[] bs = Arrays2.uniform(r, cin * oh * ow, -1, 1);
                    float[] ws = Arrays2.uniform(r, cin * (cout / groups) * k * k, -1, 1);
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor weight = Tensor.of(arena, ws, cin, cout / groups, k, k);  // conv2d: [O=cin, C/g=cout/g]
                        Tensor convOut = Convolution.conv2d(Tensor.of(arena, as, 1, cout, h, w), weight, null, s, pp, dd, groups, arena);
                        Tensor back = Convolution.convTranspose2d(Tensor.of(arena, bs, 1, cin, oh, ow), weight, null, s, pp, op, dd,
                                groups, arena);
                        double lhs = dot(Reference.toDouble(convOut.toFloatArray()), Reference.toDouble(bs));
                        double rhs = dot(Reference.toDouble(as), Reference.toDouble(back.toFloatArray()));
                        Close.assertClose("<conv a, b> vs <a, convT b>", lhs, rhs, 1e-4, 1e-4);
                    }
                });
    }

    /** Shapes that do not fit are refused by name (the paths themselves: {@link Conv2dPlanTest}). */
    @Test
    void mismatchedShapesAreRefused() {
        assertThatThrownBy(() -> {
            try (Arena arena = Arena.ofConfined()) {
                Convolution.conv2d(Tensor.zeros(arena, 1, 3, 4, 4), Tensor.zeros(arena, 2, 2, 3, 3), null,
                        new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 1, arena);
            }
        }).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expects 2 input channels with groups = 1, x has 3");
        assertThatThrownBy(() -> {
            try (Arena arena = Arena.ofConfined()) {
                Convolution.conv2d(Tensor.zeros(arena, 1, 1, 2, 2), Tensor.zeros(arena, 1, 1, 5, 5), null,
                        new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 1, arena);
            }
        }).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("larger than the padded input");
    }
}

