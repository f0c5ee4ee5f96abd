package dev.panamax.properties;

import java.util.SplittableRandom;

import dev.panamax.kernels.rnn.RnnCell;
import dev.panamax.kernels.rnn.RnnDescriptor;

/**
 * A recurrent network in double precision, sequence by sequence and step by step, straight from
 * the formulas of OPS.md: the reference for the fused kernels. Weights in the flat layout of
 * {@link RnnDescriptor}; x {@code [T, N, I]}, states {@code [L D, N, H]}; lengths as
 * {@code pack_padded_sequence} (null: all T).
 */
final class RnnReference {

    record Result(double[] y, double[] hn, double[] cn) {
    }

    private RnnReference() {
    }

    static Result forward(RnnDescriptor d, int steps, int batch, double[] x, double[] h0, double[] c0, double[] w,
                          long[] lengths) {
        return forward(d, steps, batch, x, h0, c0, w, lengths, false);
    }

    /**
     * {@link #forward}, computed as a float network might see it when {@code floatNoise}: every
     * step's new states rounded to float, and every gate pre-activation moved by one float
     * rounding of the sum of its terms' magnitudes, with a pseudo-random sign. That is the size of
     * the error a float dot product of a few dozen terms makes (rounding the states alone is ten
     * times smaller: a 64-step GRU whose float kernel ended 0.14 from the double reference was
     * moved by less than 0.013 by it). How far this moves the result is how far a float network
     * may be from the double one for reasons of conditioning, not of its arithmetic.
     */
    static Result forward(RnnDescriptor d, int steps, int batch, double[] x, double[] h0, double[] c0, double[] w,
                          long[] lengths, boolean floatNoise) {
        // A fixed seed: the same case always gets the same noise.
        SplittableRandom noise = new SplittableRandom(0x5eed);
        int hidden = d.hiddenSize();
        int dirs = d.directions();
        int gw = d.gateWidth();
        int states = d.layers() * dirs;
        double[] hn = new double[states * batch * hidden];
        double[] cn = new double[states * batch * hidden];
        double[] in = x;
        int inSize = d.inputSize();
        for (int l = 0; l < d.layers(); l++) {
            double[] out = new double[steps * batch * dirs * hidden];
            for (int dir = 0; dir < dirs; dir++) {
                int wih = (int) d.weightOffset(l, dir, RnnDescriptor.Weight.WEIGHT_IH);
                int whh = (int) d.weightOffset(l, dir, RnnDescriptor.Weight.WEIGHT_HH);
                int bih = (int) d.weightOffset(l, dir, RnnDescriptor.Weight.BIAS_IH);
                int bhh = (int) d.weightOffset(l, dir, RnnDescriptor.Weight.BIAS_HH);
                int s = l * dirs + dir;
                for (int n = 0; n < batch; n++) {
                    int len = lengths == null ? steps : (int) lengths[n];
                    double[] h = new double[hidden];
                    double[] c = new double[hidden];
                    for (int k = 0; k < hidden; k++) {
                        h[k] = h0 == null ? 0 : h0[(s * batch + n) * hidden + k];
                        c[k] = c0 == null ? 0 : c0[(s * batch + n) * hidden + k];
                    }
                    for (int q = 0; q < len; q++) {
                        int t = dir == 0 ? q : len - 1 - q;
                        double[] gx = new double[gw];
                        double[] gh = new double[gw];
                        for (int r = 0; r < gw; r++) {
                            double a = w[bih + r];
                            double aMagnitude = Math.abs(a);
                            for (int i = 0; i < inSize; i++) {
                                double term = w[wih + r * inSize + i] * in[(t * batch + n) * inSize + i];
                                a += term;
                                aMagnitude += Math.abs(term);
                            }
                            double b = w[bhh + r];
                            double bMagnitude = Math.abs(b);
                            for (int k = 0; k < hidden; k++) {
                                double term = w[whh + r * hidden + k] * h[k];
                                b += term;
                                bMagnitude += Math.abs(term);
                            }
                            gx[r] = floatNoise ? a + floatRounding(noise, aMagnitude) : a;
                            gh[r] = floatNoise ? b + floatRounding(noise, bMagnitude) : b;
                        }
                        double[] hNew = new double[hidden];
                        switch (d.cell()) {
                            case TANH, RELU -> {
                                for (int k = 0; k < hidden; k++) {
                                    double a = gx[k] + gh[k];
                                    hNew[k] = d.cell() == RnnCell.TANH ? Math.tanh(a) : Math.max(a, 0);
                                }
                            }
                            case LSTM -> {
                                for (int k = 0; k < hidden; k++) {
                                    double i = Reference.sigmoid(gx[k] + gh[k]);
                                    double f = Reference.sigmoid(gx[hidden + k] + gh[hidden + k]);
                                    double g = Math.tanh(gx[2 * hidden + k] + gh[2 * hidden + k]);
                                    double o = Reference.sigmoid(gx[3 * hidden + k] + gh[3 * hidden + k]);
                                    c[k] = f * c[k] + i * g;
                                    hNew[k] = o * Math.tanh(c[k]);
                                }
                            }
                            case GRU -> {
                                double[] r = new double[hidden];
                                for (int k = 0; k < hidden; k++) {
                                    r[k] = Reference.sigmoid(gx[k] + gh[k]);
                                }
                                for (int k = 0; k < hidden; k++) {
                                    double z = Reference.sigmoid(gx[hidden + k] + gh[hidden + k]);
                                    double n2;
                                    if (d.linearBeforeReset()) {
                                        n2 = Math.tanh(gx[2 * hidden + k] + r[k] * gh[2 * hidden + k]);
                                    } else {
                                        double a = gx[2 * hidden + k] + w[bhh + 2 * hidden + k];
                                        double magnitude = Math.abs(a);
                                        for (int j = 0; j < hidden; j++) {
                                            double term = w[whh + (2 * hidden + k) * hidden + j] * r[j] * h[j];
                                            a += term;
                                            magnitude += Math.abs(term);
                                        }
                                        n2 = Math.tanh(floatNoise ? a + floatRounding(noise, magnitude) : a);
                                    }
                                    hNew[k] = (1 - z) * n2 + z * h[k];
                                }
                            }
                        }
                        h = hNew;
                        for (int k = 0; floatNoise && k < hidden; k++) {
                            h[k] = (float) h[k];
                            c[k] = (float) c[k];
                        }
                        for (int k = 0; k < hidden; k++) {
                            out[(t * batch + n) * dirs * hidden + dir * hidden + k] = h[k];
                        }
                    }
                    for (int k = 0; k < hidden; k++) {
                        hn[(s * batch + n) * hidden + k] = h[k];
                        cn[(s * batch + n) * hidden + k] = c[k];
                    }
                }
            }
            in = out;
            inSize = dirs * hidden;
        }
        return new Result(in, hn, cn);
    }

    /** {@code sum(y gy) + sum(hn ghn) + sum(cn gcn)}: the scalar whose gradient backward computes. */
    static double loss(Result r, double[] gy, double[] ghn, double[] gcn) {
        double s = 0;
        for (int i = 0; i < r.y().length; i++) {
            s += r.y()[i] * gy[i];
        }
        for (int i = 0; i < r.hn().length; i++) {
            s += r.hn()[i] * ghn[i] + (gcn == null ? 0 : r.cn()[i] * gcn[i]);
        }
        return s;
    }

    /** One float rounding (half an ulp of 1, relative) of a sum of this magnitude, either sign. */
    private static double floatRounding(SplittableRandom noise, double magnitude) {
        return (noise.nextBoolean() ? 0x1p-24 : -0x1p-24) * magnitude;
    }
}
