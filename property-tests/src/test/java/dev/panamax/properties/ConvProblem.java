package dev.panamax.properties;

import java.util.SplittableRandom;

import dev.panamax.kernels.conv.ConvGeometry;

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
}
