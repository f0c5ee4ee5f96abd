package dev.panamax.properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.Reductions;
import dev.panamax.kernels.VectorMath;
import dev.panamax.kernels.gemm.RowBias;
import jdk.incubator.vector.FloatVector;

/**
 * The reductions and the row bias over runs that end exactly at the end of their segment, at
 * every length up to a few vectors: the last floats that do not fill a vector are taken one by
 * one there, and must count once each (a run shorter than a vector is all tail).
 */
class ReductionsTest {

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    @Test
    void reductionsOfRunsEndingAtTheSegmentEndCountEveryFloatOnce() {
        SplittableRandom r = new SplittableRandom(11);
        try (Arena arena = Arena.ofConfined()) {
            for (int n = 1; n <= 5 * FloatLanes.LANES + 3; n++) {
                int lead = r.nextInt(0, 5);
                MemorySegment x = arena.allocate((long) (lead + n) * Float.BYTES);
                MemorySegment y = arena.allocate((long) (lead + n) * Float.BYTES);
                double sum = 0, dot = 0, ssd = 0, sumExp = 0;
                float max = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < lead + n; i++) {
                    float a = (float) (r.nextDouble() * 8 - 4);
                    float b = (float) (r.nextDouble() * 8 - 4);
                    x.setAtIndex(F, i, a);
                    y.setAtIndex(F, i, b);
                    if (i >= lead) {
                        sum += a;
                        dot += (double) a * b;
                        ssd += (a - 0.5) * (a - 0.5);
                        max = Math.max(max, a);
                    }
                }
                for (int i = lead; i < lead + n; i++) {
                    sumExp += Math.exp(x.getAtIndex(F, i) - 4.0);
                }
                double tol = 1e-5 * n * 4;
                assertThat(Reductions.sum(n, x, lead)).as("sum, n %d", n).isCloseTo(sum, within(tol));
                assertThat(Reductions.dot(n, x, lead, y, lead)).as("dot, n %d", n).isCloseTo(dot, within(tol * 4));
                assertThat(Reductions.sumSquaredDeviations(n, x, lead, 0.5f)).as("ssd, n %d", n).isCloseTo(ssd, within(tol * 4));
                assertThat(Reductions.sumExp(n, x, lead, 4f)).as("sumExp, n %d", n).isCloseTo(sumExp, within(1e-6 * sumExp * n));
                assertThat(Reductions.max(n, x, lead)).as("max, n %d", n).isEqualTo(max);
            }
        }
    }

    @Test
    void rowBiasAddsAndSumsEveryColumnOfRowsEndingAtTheSegmentEnd() {
        SplittableRandom r = new SplittableRandom(12);
        try (Arena arena = Arena.ofConfined()) {
            for (int n = 1; n <= 3 * FloatLanes.LANES + 3; n++) {
                int rows = r.nextInt(1, 6);
                MemorySegment bias = arena.allocate((long) n * Float.BYTES);
                MemorySegment y = arena.allocate((long) rows * n * Float.BYTES);
                float[] expected = new float[rows * n];
                for (int j = 0; j < n; j++) {
                    bias.setAtIndex(F, j, (float) r.nextDouble());
                }
                for (int i = 0; i < rows * n; i++) {
                    float v = (float) r.nextDouble();
                    y.setAtIndex(F, i, v);
                    expected[i] = v + bias.getAtIndex(F, i % n);
                }
                RowBias.add(rows, n, bias, 0, y, 0);
                for (int i = 0; i < rows * n; i++) {
                    assertThat(y.getAtIndex(F, i)).as("n %d, element %d", n, i).isEqualTo(expected[i]);
                }
                MemorySegment grad = arena.allocate((long) n * Float.BYTES);
                RowBias.sumRows(rows, n, y, 0, grad, 0);
                for (int j = 0; j < n; j++) {
                    float s = 0f;
                    for (int i = 0; i < rows; i++) {
                        s += y.getAtIndex(F, (long) i * n + j);
                    }
                    assertThat(grad.getAtIndex(F, j)).as("n %d, column %d", n, j).isEqualTo(s);
                }
            }
        }
    }

    @Test
    void scalarExpIsOneLaneOfTheVectorExpToTheBit() {
        SplittableRandom r = new SplittableRandom(13);
        float[] xs = new float[FloatLanes.LANES];
        float[] special = {0f, -0f, -1e-30f, -87.3f, -87.34f, -87.4f, -100f, -200f, 88.7f, Float.NEGATIVE_INFINITY};
        for (int round = 0; round < 2000; round++) {
            for (int l = 0; l < xs.length; l++) {
                xs[l] = round < special.length ? special[(round + l) % special.length] : (float) (r.nextDouble() * 190 - 100);
            }
            FloatVector v = VectorMath.expNonPositive(FloatVector.fromArray(FloatLanes.SPECIES, xs, 0));
            for (int l = 0; l < xs.length; l++) {
                assertThat(Float.floatToRawIntBits(VectorMath.expNonPositive(xs[l]))).as("exp(%s)", xs[l])
                        .isEqualTo(Float.floatToRawIntBits(v.lane(l)));
            }
        }
    }
}
