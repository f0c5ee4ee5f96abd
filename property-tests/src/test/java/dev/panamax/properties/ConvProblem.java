package dev.panamax.properties;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiPredicate;

import dev.panamax.kernels.conv.ConvAlgorithm;
import dev.panamax.kernels.conv.ConvGeometry;
import dev.panamax.kernels.conv.ConvPass;

/**
 * One convolution problem with random inputs and its exact answers in double precision:
 * {@code y = conv2d(x, w)} (without the bias {@code b}; {@link #yPlusBias} adds it) and, for the
 * upstream gradient {@code gy}, the gradients {@code gx}, {@code gw}, {@code gb}. A transposed
 * convolution is the same problem read backwards (its forward pass is {@code gx} for the input
 * {@code gy}, its input gradient {@code y} for the upstream gradient {@code x}, its weight gradient
 * {@code gw}), so both plans' tests use it.
 */
final class ConvProblem {
    final ConvGeometry g;
    final int groups, o, n, oh, ow;
    final float[] x, w, b, gy;
    final double[] y, gx, gw, gb;

    ConvProblem(ConvGeometry g, int groups, int o, int n, SplittableRandom r) {
        this.g = g;
        this.groups = groups;
        this.o = o;
        this.n = n;
        this.oh = g.outHeight();
        this.ow = g.outWidth();
        int c = g.channels(), cg = c / groups, og = o / groups;
        x = Arrays2.uniform(r, n * c * g.height() * g.width(), -1, 1);
        w = Arrays2.uniform(r, o * cg * g.kernelH() * g.kernelW(), -1, 1);
        b = Arrays2.uniform(r, o, -1, 1);
        gy = Arrays2.uniform(r, n * o * oh * ow, -1, 1);
        y = new double[gy.length];
        gx = new double[x.length];
        gw = new double[w.length];
        gb = new double[o];
        for (int in = 0; in < n; in++) {
            for (int oc = 0; oc < o; oc++) {
                int q = oc / og;
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        int yi = ((in * o + oc) * oh + i) * ow + j;
                        double sum = 0;
                        gb[oc] += gy[yi];
                        for (int ci = 0; ci < cg; ci++) {
                            for (int kr = 0; kr < g.kernelH(); kr++) {
                                int yy = i * g.strideH() - g.padH() + kr * g.dilationH();
                                for (int kc = 0; yy >= 0 && yy < g.height() && kc < g.kernelW(); kc++) {
                                    int xx = j * g.strideW() - g.padW() + kc * g.dilationW();
                                    if (xx < 0 || xx >= g.width()) {
                                        continue;
                                    }
                                    int xi = ((in * c + q * cg + ci) * g.height() + yy) * g.width() + xx;
                                    int wi = ((oc * cg + ci) * g.kernelH() + kr) * g.kernelW() + kc;
                                    sum += (double) x[xi] * w[wi];
                                    gx[xi] += (double) gy[yi] * w[wi];
                                    gw[wi] += (double) gy[yi] * x[xi];
                                }
                            }
                        }
                        y[yi] = sum;
                    }
                }
            }
        }
    }

    /** {@code conv2d(x, w) + b}. */
    double[] yPlusBias() {
        double[] out = y.clone();
        int plane = oh * ow;
        for (int i = 0; i < out.length; i++) {
            out[i] += b[(i / plane) % o];
        }
        return out;
    }

    /** Forces a plan to three algorithms: forward, input gradient, weight gradient. */
    interface Forcing<P> {
        P forced(ConvAlgorithm forward, ConvAlgorithm inputGradient, ConvAlgorithm weightGradient);
    }

    /**
     * {@code auto} and every forced plan whose algorithms apply to their passes (DEPTHWISE for all
     * three or none, as both plans require).
     */
    static <P> List<P> allPlans(P auto, BiPredicate<ConvAlgorithm, ConvPass> applies, Forcing<P> force) {
        List<P> plans = new ArrayList<>();
        plans.add(auto);
        for (ConvAlgorithm f : ConvAlgorithm.values()) {
            for (ConvAlgorithm dx : ConvAlgorithm.values()) {
                for (ConvAlgorithm dw : ConvAlgorithm.values()) {
                    boolean depthwise = f == ConvAlgorithm.DEPTHWISE;
                    if (applies.test(f, ConvPass.FORWARD) && applies.test(dx, ConvPass.INPUT_GRADIENT)
                            && applies.test(dw, ConvPass.WEIGHT_GRADIENT)
                            && depthwise == (dx == ConvAlgorithm.DEPTHWISE) && depthwise == (dw == ConvAlgorithm.DEPTHWISE)) {
                        plans.add(force.forced(f, dx, dw));
                    }
                }
            }
        }
        return plans;
    }

    /** A 12 x 12 image of {@code channels} channels and a square kernel. */
    static ConvGeometry geometry(int channels, int kernel, int stride, int pad) {
        return new ConvGeometry(channels, 12, 12, kernel, kernel, stride, stride, pad, pad, 1, 1);
    }

    static MemorySegment copy(Arena arena, float[] a) {
        MemorySegment s = arena.allocate(4L * Math.max(1, a.length));
        MemorySegment.copy(a, 0, s, ValueLayout.JAVA_FLOAT, 0, a.length);
        return s;
    }

    static float[] floats(MemorySegment s) {
        return s.toArray(ValueLayout.JAVA_FLOAT);
    }
}
