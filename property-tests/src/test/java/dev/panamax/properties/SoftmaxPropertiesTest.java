package dev.panamax.properties;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.panamax.properties.Theories.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.functional.SoftmaxFunctions;
import dev.panamax.nn.tensor.Tensor;

/** softmax and log_softmax over every dimension of contiguous and strided tensors. */
class SoftmaxPropertiesTest {

    /** Double reference over the row-major values of a tensor of {@code shape}, along {@code dim}. */
    static double[] reference(double[] x, long[] shape, int dim, boolean log) {
        long outer = 1;
        long inner = 1;
        for (int d = 0; d < dim; d++) {
            outer *= shape[d];
        }
        for (int d = dim + 1; d < shape.length; d++) {
            inner *= shape[d];
        }
        int n = (int) shape[dim];
        double[] y = new double[x.length];
        for (long o = 0; o < outer; o++) {
            for (long i = 0; i < inner; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < n; k++) {
                    max = Math.max(max, x[(int) ((o * n + k) * inner + i)]);
                }
                double sum = 0;
                for (int k = 0; k < n; k++) {
                    sum += Math.exp(x[(int) ((o * n + k) * inner + i)] - max);
                }
                for (int k = 0; k < n; k++) {
                    int at = (int) ((o * n + k) * inner + i);
                    y[at] = log ? x[at] - max - Math.log(sum) : Math.exp(x[at] - max) / sum;
                }
            }
        }
        return y;
    }

    @Test
    void matchesReferenceWithGradientsAndInvariants() {
        qt().withExamples(150).forAll(integers().between(1, 4), booleans().all(), booleans().all(), longs().all())
                .checkAssert((rank, log, strided, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    long[] shape = Arrays2.shape(r, rank, 7);
                    int dim = r.nextInt(rank) - (r.nextBoolean() ? rank : 0);     // negative dims too
                    int d = dim < 0 ? dim + rank : dim;
                    float[] xs = Arrays2.uniform(r, Arrays2.numel(shape), -10, 10);
                    float[] gs = Arrays2.uniform(r, xs.length, -1, 1);
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor x = Arrays2.tensor(arena, xs, shape, strided);
                        Tensor g = Arrays2.tensor(arena, gs, shape, strided);
                        Tensor y = log ? SoftmaxFunctions.logSoftmax(x, dim, arena) : SoftmaxFunctions.softmax(x, dim, arena);
                        Tensor gx = log ? SoftmaxFunctions.logSoftmaxBackward(y, g, dim, arena)
                                : SoftmaxFunctions.softmaxBackward(y, g, dim, arena);
                        double[] xd = Reference.toDouble(xs);
                        Close.assertClose("y", y.toFloatArray(), reference(xd, shape, d, log), 1e-5, 1e-6);
                        double[] gd = Reference.toDouble(gs);
                        double[] want = Reference.gradient(v -> {
                            double[] yv = reference(v, shape, d, log);
                            double l = 0;
                            for (int i = 0; i < yv.length; i++) {
                                l += yv[i] * gd[i];
                            }
                            return l;
                        }, xd);
                        Close.assertClose("gx", gx.toFloatArray(), want, 1e-3, 2e-5);
                        float[] yv = y.toFloatArray();
                        checkInvariants(yv, shape, d, log);
                    }
                });
    }

    private static void checkInvariants(float[] y, long[] shape, int dim, boolean log) {
        long inner = 1;
        for (int k = dim + 1; k < shape.length; k++) {
            inner *= shape[k];
        }
        long n = shape[dim];
        for (int start = 0; start < y.length; start++) {
            if ((start / inner) % n != 0) {
                continue;
            }
            double sum = 0;
            for (long k = 0; k < n; k++) {
                float v = y[(int) (start + k * inner)];
                if (log) {
                    assertThat(v).isLessThanOrEqualTo(0f);
                }
                sum += log ? Math.exp(v) : v;
            }
            assertThat(sum).as("row sum").isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        }
    }

    @Test
    void longRowsAndExtremeValuesStayStable() {
        SplittableRandom r = new SplittableRandom(7);
        float[] xs = Arrays2.uniform(r, 2 * 5003, -50, 50);
        xs[3] = 1e4f;
        xs[5003 + 10] = -1e4f;
        long[] shape = {2, 5003};
        try (Arena arena = Arena.ofConfined()) {
            for (boolean log : new boolean[] {false, true}) {
                Tensor x = Tensor.of(arena, xs, shape);
                Tensor y = log ? SoftmaxFunctions.logSoftmax(x, 1, arena) : SoftmaxFunctions.softmax(x, 1, arena);
                Close.assertClose("y", y.toFloatArray(), reference(Reference.toDouble(xs), shape, 1, log), 1e-4, 1e-6);
                // the same rows along dim 0 of the transpose (the column path)
                Tensor xt = Tensor.of(arena, xs, shape).transpose(0, 1).contiguous(arena);
                Tensor yt = log ? SoftmaxFunctions.logSoftmax(xt, 0, arena) : SoftmaxFunctions.softmax(xt, 0, arena);
                Close.assertClose("y columns", yt.transpose(0, 1).toFloatArray(),
                        reference(Reference.toDouble(xs), shape, 1, log), 1e-4, 1e-6);
            }
            Tensor withNan = Tensor.of(arena, new float[] {1, Float.NaN, 2, 3, 4, 5}, 2, 3);
            float[] y = SoftmaxFunctions.softmax(withNan, 1, arena).toFloatArray();
            assertThat(y[0]).isNaN();
            assertThat(y[2]).isNaN();
            assertThat(y[3] + y[4] + y[5]).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-6f));
        }
    }
}
