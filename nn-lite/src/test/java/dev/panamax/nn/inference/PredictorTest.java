package dev.panamax.nn.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.panamax.kernels.parallel.WorkerPool;
import dev.panamax.nn.layers.Init;
import dev.panamax.nn.layers.Layer;
import dev.panamax.nn.models.Models;
import dev.panamax.nn.tensor.Tensor;

class PredictorTest {

    private static Tensor input(Arena arena, long seed, long... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[(int) Tensor.product(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return Tensor.of(arena, v, shape);
    }

    /** 8 threads × 500 calls, each with its own predictor on one shared model, give the serial outputs bit for bit. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void oneModelServesEightThreads() throws Exception {
        for (String kind : List.of("lenet5", "inception")) {
            Init.manualSeed(5);
            Layer model = (kind.equals("lenet5") ? Models.lenet5() : Models.inception(10)).eval();
            int inputs = 8;
            try (Arena arena = Arena.ofShared()) {
                Tensor[] xs = new Tensor[inputs];
                float[][] serial = new float[inputs][];
                try (Predictor p = new Predictor(model)) {
                    for (int i = 0; i < inputs; i++) {
                        xs[i] = input(arena, i, 1 + i % 3, 1, 28, 28);
                    }
                    // no warm-up: the serial outputs come from cold kernels, the threads' from compiled ones
                    for (int i = 0; i < inputs; i++) {
                        serial[i] = p.predict(xs[i]).toFloatArray();
                    }
                }
                int calls = kind.equals("lenet5") ? 500 : 60;
                ExecutorService pool = Executors.newFixedThreadPool(8);
                try {
                    List<Future<Integer>> done = new ArrayList<>();
                    for (int t = 0; t < 8; t++) {
                        int thread = t;
                        done.add(pool.submit(() -> {
                            int checked = 0;
                            try (Predictor p = new Predictor(model)) {
                                for (int c = 0; c < calls; c++) {
                                    int i = (thread + c) % inputs;
                                    assertThat(p.predict(xs[i]).toFloatArray()).as("%s input %d", kind, i).containsExactly(serial[i]);
                                    checked++;
                                }
                            }
                            return checked;
                        }));
                    }
                    for (Future<Integer> f : done) {
                        assertThat(f.get()).isEqualTo(calls);
                    }
                } finally {
                    pool.shutdownNow();
                }
            }
        }
    }

    @Test
    void aClosedPredictorSaysSo() {
        Layer model = Models.mlp(3, 4, 2).eval();
        try (Arena arena = Arena.ofConfined()) {
            Predictor p = new Predictor(model);
            Tensor x = Tensor.zeros(arena, 1, 3);
            assertThat(p.predict(x).shape()).containsExactly(1, 2);
            p.close();
            assertThatThrownBy(() -> p.predict(x)).isInstanceOf(IllegalStateException.class).hasMessageContaining("Predictor is closed");
            assertThatThrownBy(() -> p.predict(x, Tensor.zeros(arena, 1, 2))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Predictor is closed");
        }
    }

    @Test
    void memoryIsReusedAndOutputsGoWhereTheCallerSays() {
        Init.manualSeed(2);
        Layer model = Models.mlp(6, 8, 3).eval();
        try (Arena arena = Arena.ofConfined(); Predictor p = new Predictor(model)) {
            Tensor x = input(arena, 1, 4, 6);
            Tensor first = p.predict(x);
            long address = first.segment().address();
            float[] values = first.toFloatArray();
            Tensor again = p.predict(x);
            assertThat(again.segment().address()).as("the same memory, call after call").isEqualTo(address);
            assertThatThrownBy(first::toFloatArray).as("a result lives until the next call")
                    .isInstanceOf(IllegalStateException.class);
            Tensor out = Tensor.zeros(arena, 3, 4).transpose(0, 1);
            assertThat(p.predict(x, out)).isSameAs(out);
            assertThat(out.contiguous(arena).toFloatArray()).containsExactly(values);
            assertThatThrownBy(() -> p.predict(x, Tensor.zeros(arena, 4, 2))).hasMessageContaining("[4, 3]");
        }
        assertThatThrownBy(() -> new Predictor(Models.mlp(2, 2, 2))).hasMessageContaining("training mode");
    }

    /**
     * A batch run in chunks (three of 32 rows and a last of 4) gives the whole batch's outputs,
     * into the predictor's result and into a caller's transposed tensor, with memory reused call
     * after call; the automatic choice splits only large batches of per-sample models.
     */
    @Test
    void largeBatchesRunInChunksWithTheWholeBatchsResults() {
        Init.manualSeed(3);
        Layer model = Models.lenet5().eval();
        try (Arena arena = Arena.ofConfined(); Predictor whole = new Predictor(model, Long.MAX_VALUE);
             Predictor chunked = new Predictor(model, 32); Predictor automatic = new Predictor(model)) {
            assertSplitGivesTheWholeBatchsResults(whole, chunked, input(arena, 4, 100, 1, 28, 28), arena);

            assertThat(automatic.chunkRows(input(arena, 5, 2048, 1, 28, 28)))
                    .as("a power of two of at least %d rows", Predictor.MIN_CHUNK_ROWS)
                    .isGreaterThanOrEqualTo(Predictor.MIN_CHUNK_ROWS).matches(r -> Long.bitCount(r) == 1);
            assertThat(automatic.chunkRows(input(arena, 6, 8, 1, 28, 28))).as("short batches run whole")
                    .isEqualTo(Long.MAX_VALUE);
        }
        Layer notPerSample = new dev.panamax.nn.layers.Sequential().add("lstm", new dev.panamax.nn.layers.LSTM(4, 4)).eval();
        assertThat(notPerSample.samplesIndependent()).isFalse();
        assertThatThrownBy(() -> new Predictor(notPerSample, 16)).hasMessageContaining("samplesIndependent");
        try (Arena arena = Arena.ofConfined(); Predictor p = new Predictor(Models.mlp(30, 64, 2).eval())) {
            assertThat(p.chunkRows(input(arena, 7, 2048, 30))).as("an MLP's rows are small: whole batches")
                    .isGreaterThanOrEqualTo(2048);
        }
    }

    /**
     * With two worker threads a batch of per-sample rows is cut into one part per thread (each
     * run in its own chunks): the whole batch's outputs, the same bits and the same memory call
     * after call, into a caller's transposed tensor too, from two rows a thread where the rows are
     * heavy (LeNet-5's); light rows short of {@link Predictor#MIN_PART_ROWS} a thread (an MLP's),
     * one thread, confined inputs and outputs, and models whose samples are not independent are
     * not cut.
     */
    @Test
    void batchesAreCutIntoOnePartPerThread() {
        int before = WorkerPool.threads();
        try {
            WorkerPool.setThreads(2);
        } catch (IllegalArgumentException oneCore) {
            Assumptions.abort("needs a pool of two threads: " + oneCore.getMessage());
        }
        try {
            Init.manualSeed(4);
            Layer model = Models.lenet5().eval();
            try (Arena arena = Arena.ofShared(); Predictor whole = new Predictor(model, Long.MAX_VALUE);
                 Predictor cut = new Predictor(model)) {
                Tensor x = input(arena, 8, 77, 1, 28, 28);
                assertThat(cut.partsFor(x, null)).isEqualTo(2);
                try (Arena confined = Arena.ofConfined()) {
                    assertThat(cut.partsFor(input(confined, 8, 77, 1, 28, 28), null)).as("a confined input").isEqualTo(1);
                    assertThat(cut.partsFor(x, Tensor.zeros(confined, 77, 10))).as("a confined output").isEqualTo(1);
                }
                assertThat(cut.partsFor(input(arena, 9, 1, 1, 28, 28), null)).as("fewer rows than threads").isEqualTo(1);
                Tensor few = input(arena, 12, 5, 1, 28, 28);
                assertThat(cut.partsFor(few, null)).as("two or three LeNet-5 rows a thread, some 10 KB each").isEqualTo(2);
                assertSplitGivesTheWholeBatchsResults(whole, cut, x, arena);
                assertSplitGivesTheWholeBatchsResults(whole, cut, few, arena);
                WorkerPool.setThreads(1);
                assertThat(cut.partsFor(x, null)).as("one thread: no parts").isEqualTo(1);
            }
            WorkerPool.setThreads(2);
            try (Arena arena = Arena.ofShared(); Predictor mlp = new Predictor(Models.mlp(30, 64, 2).eval())) {
                assertThat(mlp.partsFor(input(arena, 11, 2 * Predictor.MIN_PART_ROWS - 1, 30), null))
                        .as("an MLP's light rows, fewer than MIN_PART_ROWS a thread").isEqualTo(1);
                assertThat(mlp.partsFor(input(arena, 11, 2 * Predictor.MIN_PART_ROWS, 30), null)).isEqualTo(2);
            }
            Layer notPerSample = new dev.panamax.nn.layers.Sequential().add("lstm", new dev.panamax.nn.layers.LSTM(4, 4)).eval();
            try (Arena arena = Arena.ofShared(); Predictor p = new Predictor(notPerSample)) {
                assertThat(p.partsFor(input(arena, 10, 64, 3, 4), null)).as("samples not independent").isEqualTo(1);
            }
        } finally {
            WorkerPool.setThreads(before);
        }
    }

    /**
     * {@code split}'s outputs for x (a batch of LeNet-5 images) are the whole batch's, within
     * the last bits a chunk's kernels may change; the same bits and the same result memory call
     * after call; the same values into a caller's transposed tensor; a misshapen one named.
     */
    private static void assertSplitGivesTheWholeBatchsResults(Predictor whole, Predictor split, Tensor x, Arena arena) {
        long n = x.size(0);
        float[] expected = whole.predict(x).toFloatArray();
        Tensor first = split.predict(x);
        assertThat(first.shape()).containsExactly(n, 10);
        float[] got = first.toFloatArray();
        for (int i = 0; i < expected.length; i++) {
            assertThat(got[i]).as("output %d", i).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(
                    1e-5f * Math.max(1f, Math.abs(expected[i]))));
        }
        long address = first.segment().address();
        Tensor again = split.predict(x);
        assertThat(again.segment().address()).as("the same result memory, call after call").isEqualTo(address);
        assertThat(again.toFloatArray()).containsExactly(got);
        Tensor out = Tensor.zeros(arena, 10, n).transpose(0, 1);
        assertThat(split.predict(x, out)).isSameAs(out);
        assertThat(out.contiguous(arena).toFloatArray()).containsExactly(got);
        assertThatThrownBy(() -> split.predict(x, Tensor.zeros(arena, n - 1, 10))).hasMessageContaining("[" + n + ", 10]");
        assertThatThrownBy(() -> split.predict(x, Tensor.zeros(arena, n, 9))).hasMessageContaining("[" + n + ", 10]");
    }
}
