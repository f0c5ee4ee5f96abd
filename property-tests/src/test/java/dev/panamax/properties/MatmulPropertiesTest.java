package dev.panamax.properties;

import static dev.panamax.properties.Theories.qt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.quicktheories.generators.SourceDSL.longs;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.functional.LinearAlgebra;
import dev.panamax.nn.tensor.Tensor;

/**
 * {@code LinearAlgebra.matmul} and its backward against products written out in double, over
 * random cases: each operand 1-d to 4-d, matrices 0 to 6 on a side, batch dimensions of up to two
 * broadcast against each other (sizes 1 to 3, an operand's own dimension 1 or missing where the
 * other's is not), each operand contiguous or a transposed view of its last two dimensions.
 */
class MatmulPropertiesTest {

    @Test
    void broadcastBatchedProductsAndGradientsMatchAWrittenOutProduct() {
        qt().withExamples(300).forAll(longs().all()).checkAssert(seed -> {
            SplittableRandom r = new SplittableRandom(seed);
            long m = r.nextInt(7);
            long k = r.nextInt(7);
            long n = r.nextInt(7);
            long[] batch = new long[r.nextInt(3)];
            for (int d = 0; d < batch.length; d++) {
                batch[d] = 1 + r.nextInt(3);
            }
            boolean aVector = r.nextInt(5) == 0;
            boolean bVector = r.nextInt(5) == 0;
            long[] aBatch = aVector ? new long[0] : ownBatch(r, batch);
            long[] bBatch = bVector ? new long[0] : ownBatch(r, batch);
            long[] full = broadcast(aBatch, bBatch);
            try (Arena arena = Arena.ofConfined()) {
                Tensor a = operand(arena, r, aVector ? new long[] {k} : concat(aBatch, m, k));
                Tensor b = operand(arena, r, bVector ? new long[] {k} : concat(bBatch, k, n));
                long mm = aVector ? 1 : m;
                long nn = bVector ? 1 : n;
                Tensor y = LinearAlgebra.matmul(a, b, arena);
                long batchCount = count(full);
                assertThat(y.numel()).isEqualTo(batchCount * mm * nn);
                float[] av = a.contiguous(arena).toFloatArray();
                float[] bv = b.contiguous(arena).toFloatArray();
                float[] yv = y.toFloatArray();
                float[] g = new float[yv.length];
                for (int i = 0; i < g.length; i++) {
                    g[i] = (float) (r.nextDouble() * 2 - 1);
                }
                Tensor[] grads = LinearAlgebra.matmulBackward(a, b, Tensor.of(arena, g, y.shape()), arena);
                assertThat(grads[0].shape()).isEqualTo(a.shape());
                assertThat(grads[1].shape()).isEqualTo(b.shape());
                double[] ga = new double[av.length];
                double[] gb = new double[bv.length];
                long[] index = new long[full.length];
                for (long i = 0; i < batchCount; i++) {
                    long ao = aVector ? 0 : offset(index, aBatch) * mm * k;
                    long bo = bVector ? 0 : offset(index, bBatch) * k * nn;
                    for (int row = 0; row < mm; row++) {
                        for (int col = 0; col < nn; col++) {
                            double want = 0;
                            int out = (int) ((i * mm + row) * nn + col);
                            for (int p = 0; p < k; p++) {
                                int ai = (int) (ao + row * k + p);
                                int bi = (int) (bo + p * nn + col);
                                want += (double) av[ai] * bv[bi];
                                ga[ai] += (double) g[out] * bv[bi];
                                gb[bi] += (double) g[out] * av[ai];
                            }
                            assertThat(yv[out]).as("y[%d]", out).isCloseTo((float) want, within(1e-5f));
                        }
                    }
                    next(index, full);
                }
                assertClose("d a", grads[0].contiguous(arena).toFloatArray(), ga);
                assertClose("d b", grads[1].contiguous(arena).toFloatArray(), gb);
            }
        });
    }

    /** The batch's trailing dimensions, some of them 1: what broadcasts to it. */
    private static long[] ownBatch(SplittableRandom r, long[] batch) {
        long[] own = Arrays.copyOfRange(batch, r.nextInt(batch.length + 1), batch.length);
        for (int d = 0; d < own.length; d++) {
            own[d] = r.nextInt(3) == 0 ? 1 : own[d];
        }
        return own;
    }

    /** A tensor of {@code shape}: contiguous, or (for 2 or more dimensions) a transposed view of storage laid out the other way. */
    private static Tensor operand(Arena arena, SplittableRandom r, long[] shape) {
        boolean transposed = shape.length >= 2 && r.nextBoolean();
        long[] stored = shape.clone();
        if (transposed) {
            stored[shape.length - 2] = shape[shape.length - 1];
            stored[shape.length - 1] = shape[shape.length - 2];
        }
        float[] values = new float[(int) count(stored)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (r.nextDouble() * 2 - 1);
        }
        Tensor t = Tensor.of(arena, values, stored);
        return transposed ? t.transpose(shape.length - 2, shape.length - 1) : t;
    }

    private static long[] broadcast(long[] a, long[] b) {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int d = 0; d < rank; d++) {
            long x = d < rank - a.length ? 1 : a[d - (rank - a.length)];
            long y = d < rank - b.length ? 1 : b[d - (rank - b.length)];
            out[d] = Math.max(x, y);
        }
        return out;
    }

    /** The flat index, in an operand's own batch, of the result's batch index. */
    private static long offset(long[] index, long[] own) {
        long o = 0;
        for (int d = 0; d < own.length; d++) {
            long i = index[index.length - own.length + d];
            o = o * own[d] + (own[d] == 1 ? 0 : i);
        }
        return o;
    }

    private static long[] concat(long[] batch, long rows, long cols) {
        long[] s = Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = rows;
        s[batch.length + 1] = cols;
        return s;
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    private static void next(long[] index, long[] shape) {
        for (int d = shape.length - 1; d >= 0; d--) {
            if (++index[d] < shape[d]) {
                return;
            }
            index[d] = 0;
        }
    }

    private static void assertClose(String what, float[] got, double[] want) {
        assertThat(got).as(what).hasSize(want.length);
        for (int i = 0; i < want.length; i++) {
            assertThat(got[i]).as("%s [%d]", what, i).isCloseTo((float) want[i], within(1e-5f));
        }
    }
}
