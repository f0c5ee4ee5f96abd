package dev.panamax.nn.models;

import java.lang.foreign.Arena;
import java.util.Arrays;

import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * Rosenblatt's perceptron, a linear classifier of two classes labelled +1 and -1: weights
 * {@code w = [bias, w_1 .. w_F]}, prediction {@code +1 if w . [1, x] >= 0 else -1}, and the
 * learning rule: for each sample in order, if the prediction is wrong, {@code w += lr t [1, x]}.
 * It converges on linearly separable data; on other data it keeps cycling, so training runs a
 * fixed number of epochs.
 */
public final class Perceptron {

    private final float[] w;

    /** A perceptron over {@code features} inputs with zero weights. */
    public Perceptron(int features) {
        if (features < 1) {
            throw new IllegalArgumentException("features must be >= 1, got " + features);
        }
        this.w = new float[features + 1];
    }

    /** A perceptron starting from the given weights (bias first). */
    public Perceptron(float[] initialWeights) {
        if (initialWeights.length < 2) {
            throw new IllegalArgumentException("weights need the bias and at least one feature, got " + initialWeights.length);
        }
        this.w = initialWeights.clone();
    }

    /** The number of input features. */
    public int features() {
        return w.length - 1;
    }

    /** A copy of the weights, bias first. */
    public float[] weights() {
        return w.clone();
    }

    /**
     * Trains for {@code epochs} passes over the samples in order.
     *
     * @param x      {@code [N, F]} float32
     * @param labels {@code [N]} float32, each +1 or -1
     * @return the number of updates made in the last epoch (0: the data was separated)
     */
    public int fit(Tensor x, Tensor labels, int epochs, float lr) {
        float[] data = samples(x);
        float[] t = labels(labels, x.size(0));
        int f = features();
        int updates = 0;
        for (int e = 0; e < epochs; e++) {
            updates = 0;
            for (int i = 0; i < t.length; i++) {
                if (predict(data, i * f) != t[i]) {
                    float step = lr * t[i];
                    w[0] += step;
                    for (int k = 0; k < f; k++) {
                        w[k + 1] += step * data[i * f + k];
                    }
                    updates++;
                }
            }
        }
        return updates;
    }

    /** +1 or -1 for each row of {@code x [N, F]}, as a new {@code [N]} tensor. */
    public Tensor predict(Tensor x, Arena arena) {
        float[] data = samples(x);
        float[] out = new float[(int) x.size(0)];
        for (int i = 0; i < out.length; i++) {
            out[i] = predict(data, i * features());
        }
        return Tensor.of(arena, out, out.length);
    }

    private float predict(float[] data, int at) {
        float dot = w[0];
        for (int k = 0; k < features(); k++) {
            dot += w[k + 1] * data[at + k];
        }
        return dot >= 0 ? 1f : -1f;
    }

    private float[] samples(Tensor x) {
        if (x.rank() != 2 || x.dtype() != DType.FLOAT32 || x.size(1) != features()) {
            throw new IllegalArgumentException("x must be float32 [N, " + features() + "], got " + Arrays.toString(x.shape())
                    + " " + x.dtype());
        }
        return x.toFloatArray();
    }

    private static float[] labels(Tensor t, long n) {
        if (t.rank() != 1 || t.size(0) != n || t.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException("labels must be float32 [" + n + "], got " + Arrays.toString(t.shape()));
        }
        float[] v = t.toFloatArray();
        for (int i = 0; i < v.length; i++) {
            if (v[i] != 1f && v[i] != -1f) {
                throw new IllegalArgumentException("labels must be +1 or -1, label " + i + " is " + v[i]);
            }
        }
        return v;
    }
}
