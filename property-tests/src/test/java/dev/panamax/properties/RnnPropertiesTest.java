package dev.panamax.properties;

import static dev.panamax.properties.Theories.qt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.rnn.RnnBackward;
import dev.panamax.kernels.rnn.RnnCell;
import dev.panamax.kernels.rnn.RnnDescriptor;
import dev.panamax.kernels.rnn.RnnForward;
import dev.panamax.kernels.rnn.RnnPlan;
import dev.panamax.nn.layers.GRU;
import dev.panamax.nn.layers.LSTM;
import dev.panamax.nn.layers.RNN;
import dev.panamax.nn.layers.Recurrent;
import dev.panamax.nn.layers.RecurrentOptions;
import dev.panamax.nn.tensor.Tensor;

/**
 * The recurrent kernels against a double-precision network written step by step
 * ({@link RnnReference}) over generated shapes: every cell (tanh, relu, LSTM, GRU in both
 * formulations), 1-3 layers, both directions, random lengths, given or zero initial states,
 * hidden sizes below, at and above the vector width, batches large enough to split over threads.
 * Gradients of every input against central differences of the reference. Then the identities a
 * user relies on, through the layers: bidirectional = two unidirectional runs, a padded batch with
 * lengths = each sequence alone, batch-first = the transposed run; and bad input refused.
 */
class RnnPropertiesTest {

    private static final int[] HIDDEN = {1, 2, 3, 5, 7, 16, 17, 19};

    @Test
    void kernelsMatchTheDoubleReferenceWithGradients() {
        qt().withExamples(60).forAll(integers().between(0, 4), longs().all()).checkAssert((cellIndex, seed) -> {
            SplittableRandom r = new SplittableRandom(seed);
            RnnCell cell = cellIndex <= 1 ? (cellIndex == 0 ? RnnCell.TANH : RnnCell.RELU)
                    : cellIndex == 2 ? RnnCell.LSTM : RnnCell.GRU;
            int steps = 1 + r.nextInt(5);
            int batch = 1 + r.nextInt(r.nextBoolean() ? 3 : 12);
            RnnDescriptor d = new RnnDescriptor(cell, 1 + r.nextInt(5), HIDDEN[r.nextInt(HIDDEN.length)], 1 + r.nextInt(3),
                    r.nextBoolean(), cellIndex != 4);
            long[] lengths = null;
            if (r.nextBoolean()) {
                lengths = new long[batch];
                for (int n = 0; n < batch; n++) {
                    lengths[n] = 1 + r.nextInt(steps);
                }
            }
            checkAgainstReference(d, steps, batch, lengths, r.nextBoolean(), r);
        });
    }

    private static void checkAgainstReference(RnnDescriptor d, int steps, int batch, long[] lengths, boolean withStates,
                                              SplittableRandom r) {
        boolean lstm = d.cell() == RnnCell.LSTM;
        int states = d.layers() * d.directions() * batch * d.hiddenSize();
        double[] x = gaussian(r, steps * batch * d.inputSize(), 1);
        double[] w = gaussian(r, (int) d.weightCount(), 0.4);
        double[] h0 = withStates ? gaussian(r, states, 0.5) : null;
        double[] c0 = withStates && lstm ? gaussian(r, states, 0.5) : null;
        double[] gy = gaussian(r, steps * batch * d.outputSize(), 1);
        double[] ghn = gaussian(r, states, 1);
        double[] gcn = lstm ? gaussian(r, states, 1) : null;
        RnnReference.Result want = RnnReference.forward(d, steps, batch, x, h0, c0, w, lengths);
        try (Arena arena = Arena.ofShared()) {
            RnnPlan plan = RnnPlan.of(d, steps, batch);
            MemorySegment xs = floats(arena, x);
            MemorySegment ws = floats(arena, w);
            MemorySegment h0s = h0 == null ? null : floats(arena, h0);
            MemorySegment c0s = c0 == null ? null : floats(arena, c0);
            MemorySegment ls = lengths == null ? null : arena.allocateFrom(ValueLayout.JAVA_LONG, lengths);
            MemorySegment y = arena.allocate(4L * steps * batch * d.outputSize());
            MemorySegment hn = arena.allocate(4L * states);
            MemorySegment cn = lstm ? arena.allocate(4L * states) : null;
            MemorySegment reserve = arena.allocate(4 * plan.reserveFloats());
            MemorySegment work = arena.allocate(4 * plan.workspaceFloats(true));
            long xsT = (long) batch * d.inputSize();
            long ysT = (long) batch * d.outputSize();
            RnnForward.forward(plan, true, xs, 0, xsT, d.inputSize(), ls, 0, h0s, 0, c0s, 0, ws, 0, y, 0, ysT,
                    d.outputSize(), hn, 0, cn, 0, reserve, 0, work, 0);
            String what = d + " T=" + steps + " N=" + batch + " lengths=" + Arrays.toString(lengths);
            Close.assertClose(what + " y", toFloats(y), want.y(), 1e-4, 2e-5);
            Close.assertClose(what + " h_n", toFloats(hn), want.hn(), 1e-4, 2e-5);
            if (lstm) {
                Close.assertClose(what + " c_n", toFloats(cn), want.cn(), 1e-4, 2e-5);
            }
            MemorySegment dx = arena.allocate(4L * x.length);
            MemorySegment dh0 = h0 == null ? null : arena.allocate(4L * states);
            MemorySegment dc0 = c0 == null ? null : arena.allocate(4L * states);
            MemorySegment dw = arena.allocate(4L * w.length);
            RnnBackward.backward(plan, xs, 0, xsT, d.inputSize(), ls, 0, c0s, 0, ws, 0, floats(arena, gy), 0, ysT,
                    d.outputSize(), floats(arena, ghn), 0, gcn == null ? null : floats(arena, gcn), 0, dx, 0, xsT,
                    d.inputSize(), dh0, 0, dc0, 0, dw, 0, reserve, 0, work, 0);
            double[][] inputs = {x, w, h0, c0};
            float[][] got = {toFloats(dx), toFloats(dw), dh0 == null ? null : toFloats(dh0), dc0 == null ? null : toFloats(dc0)};
            String[] names = {"dx", "dW", "dh0", "dc0"};
            for (int k = 0; k < inputs.length; k++) {
                double[] v = inputs[k];
                if (v == null) {
                    continue;
                }
                for (int s = 0; s < Math.min(v.length, 25); s++) {
                    int i = v.length <= 25 ? s : r.nextInt(v.length);
                    double old = v[i];
                    double h = 1e-6;
                    v[i] = old + h;
                    double up = RnnReference.loss(RnnReference.forward(d, steps, batch, x, h0, c0, w, lengths), gy, ghn, gcn);
                    v[i] = old - h;
                    double down = RnnReference.loss(RnnReference.forward(d, steps, batch, x, h0, c0, w, lengths), gy, ghn, gcn);
                    v[i] = old;
                    Close.assertClose(what + " " + names[k] + "[" + i + "]", got[k][i], (up - down) / (2 * h), 2e-3, 2e-4);
                }
            }
        }
    }

    @Test
    void bidirectionalLayerEqualsTwoUnidirectionalRuns() {
        qt().withExamples(10).forAll(integers().between(0, 2), longs().all()).checkAssert((kind, seed) -> {
            SplittableRandom r = new SplittableRandom(seed);
            int steps = 1 + r.nextInt(6);
            int batch = 1 + r.nextInt(9);
            long[] lengths = new long[batch];
            for (int n = 0; n < batch; n++) {
                lengths[n] = 1 + r.nextInt(steps);
            }
            Recurrent bi = layer(kind, 3, 5, RecurrentOptions.defaults().bidirectional(true), seed);
            Recurrent fwd = layer(kind, 3, 5, RecurrentOptions.defaults(), seed + 1);
            Recurrent rev = layer(kind, 3, 5, RecurrentOptions.defaults(), seed + 2);
            // the two directions' weights go into the two unidirectional layers
            bi.stateDict().forEach((name, t) -> {
                boolean reverse = name.endsWith("_reverse");
                (reverse ? rev : fwd).stateDict().get(name.replace("_reverse", "")).copyFrom(t);
            });
            try (Arena arena = Arena.ofShared()) {
                Tensor x = Tensor.of(arena, Arrays2.uniform(r, steps * batch * 3, -1, 1), steps, batch, 3);
                Tensor len = Tensor.ofLongs(arena, lengths, batch);
                Recurrent.Output both = bi.forward(x, null, null, len, arena);
                Recurrent.Output f = fwd.forward(x, null, null, len, arena);
                // reverse every sequence within its own length, run forward, reverse back
                Tensor xr = reversed(x, lengths, arena);
                Recurrent.Output b = rev.forward(xr, null, null, len, arena);
                Tensor br = reversed(b.y(), lengths, arena);
                near("forward features", both.y().slice(2, 0, 5).contiguous(arena).toFloatArray(), f.y().toFloatArray());
                near("reverse features", both.y().slice(2, 5, 10).contiguous(arena).toFloatArray(), br.toFloatArray());
                near("forward h_n", both.hn().select(0, 0).contiguous(arena).toFloatArray(), f.hn().toFloatArray());
                near("reverse h_n", both.hn().select(0, 1).contiguous(arena).toFloatArray(), b.hn().toFloatArray());
            }
        });
    }

    @Test
    void paddedBatchWithLengthsEqualsEachSequenceAlone() {
        qt().withExamples(10).forAll(integers().between(0, 2), longs().all()).checkAssert((kind, seed) -> {
            SplittableRandom r = new SplittableRandom(seed);
            int steps = 1 + r.nextInt(7);
            int batch = 1 + r.nextInt(10);
            long[] lengths = new long[batch];
            for (int n = 0; n < batch; n++) {
                lengths[n] = 1 + r.nextInt(steps);
            }
            Recurrent net = layer(kind, 4, 6, RecurrentOptions.defaults().layers(2).bidirectional(r.nextBoolean()), seed);
            try (Arena arena = Arena.ofShared()) {
                Tensor x = Tensor.of(arena, Arrays2.uniform(r, steps * batch * 4, -1, 1), steps, batch, 4);
                Recurrent.Output all = net.forward(x, null, null, Tensor.ofLongs(arena, lengths, batch), arena);
                for (int n = 0; n < batch; n++) {
                    int len = (int) lengths[n];
                    Tensor one = x.slice(0, 0, len).slice(1, n, n + 1).contiguous(arena);
                    Recurrent.Output alone = net.forward(one, null, null, null, arena);
                    float[] got = all.y().slice(0, 0, len).slice(1, n, n + 1).contiguous(arena).toFloatArray();
                    near("y of sequence " + n, got, alone.y().toFloatArray());
                    float[] pad = all.y().slice(0, len, steps).slice(1, n, n + 1).contiguous(arena).toFloatArray();
                    for (float v : pad) {
                        assertThat(v).as("padding of sequence " + n).isZero();
                    }
                    near("h_n of sequence " + n, all.hn().slice(1, n, n + 1).contiguous(arena).toFloatArray(),
                            alone.hn().toFloatArray());
                }
            }
        });
    }

    @Test
    void batchFirstEqualsTheTransposedRun() {
        SplittableRandom r = new SplittableRandom(5);
        Recurrent seqFirst = new LSTM(3, 4, RecurrentOptions.defaults().layers(2));
        Recurrent batchFirst = new LSTM(3, 4, RecurrentOptions.defaults().layers(2).batchFirst(true));
        batchFirst.loadStateDict(seqFirst.stateDict());
        try (Arena arena = Arena.ofShared()) {
            Tensor x = Tensor.of(arena, Arrays2.uniform(r, 5 * 6 * 3, -1, 1), 5, 6, 3);
            Tensor gy = Tensor.of(arena, Arrays2.uniform(r, 5 * 6 * 4, -1, 1), 5, 6, 4);
            Recurrent.Output a = seqFirst.forward(x, null, null, null, arena);
            Tensor xb = x.transpose(0, 1).contiguous(arena);
            Recurrent.Output b = batchFirst.forward(xb, null, null, null, arena);
            near("y", b.y().transpose(0, 1).contiguous(arena).toFloatArray(), a.y().toFloatArray());
            Tensor dxa = seqFirst.backward(gy, null, null, arena).x();
            Tensor dxb = batchFirst.backward(gy.transpose(0, 1), null, null, arena).x();
            near("dx", dxb.transpose(0, 1).contiguous(arena).toFloatArray(), dxa.toFloatArray());
            near("dW_ih", batchFirst.parameters().get(0).grad().toFloatArray(), seqFirst.parameters().get(0).grad().toFloatArray());
        }
    }

    @Test
    void badInputIsRefusedNamingTheArgumentAndNothingIsWritten() {
        LSTM lstm = new LSTM(3, 4, RecurrentOptions.defaults().layers(2));
        try (Arena arena = Arena.ofShared()) {
            Tensor x = Tensor.zeros(arena, 5, 2, 3);
            assertThatThrownBy(() -> lstm.forward(x, null, null, Tensor.ofLongs(arena, new long[] {5, 6}, 2), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lengths[1]").hasMessageContaining("[1, 5]");
            assertThatThrownBy(() -> lstm.forward(x, null, null, Tensor.ofLongs(arena, new long[] {0, 1}, 2), arena))
                    .hasMessageContaining("lengths[0]");
            assertThatThrownBy(() -> lstm.forward(x, null, null, Tensor.ofLongs(arena, new long[] {1, 2, 3}, 3), arena))
                    .hasMessageContaining("lengths").hasMessageContaining("[2]").hasMessageContaining("[3]");
            assertThatThrownBy(() -> lstm.forward(x, Tensor.zeros(arena, 2, 2, 5), null, null, arena))
                    .hasMessageContaining("h0").hasMessageContaining("[2, 2, 4]").hasMessageContaining("[2, 2, 5]");
            assertThatThrownBy(() -> lstm.forward(Tensor.zeros(arena, 5, 2, 4), null, null, null, arena))
                    .hasMessageContaining("[T, N, 3]").hasMessageContaining("[5, 2, 4]");
            assertThatThrownBy(() -> new GRU(3, 4).forward(x, null, Tensor.zeros(arena, 1, 2, 4), null, arena))
                    .hasMessageContaining("c0 is only for LSTM");
            var state = new java.util.LinkedHashMap<>(lstm.stateDict());
            state.put("weight_hh_l1", Tensor.zeros(arena, 16, 5));
            assertThatThrownBy(() -> lstm.loadStateDict(state)).hasMessageContaining("weight_hh_l1")
                    .hasMessageContaining("[16, 4]").hasMessageContaining("[16, 5]");

            // the kernel: bad lengths leave y untouched
            RnnDescriptor d = RnnDescriptor.of(RnnCell.GRU, 3, 4, 1, false);
            RnnPlan plan = RnnPlan.of(d, 5, 2);
            MemorySegment y = arena.allocate(4L * 5 * 2 * 4);
            y.fill((byte) 0x7f);
            MemorySegment w = arena.allocate(4 * d.weightCount());
            MemorySegment work = arena.allocate(4 * plan.workspaceFloats(false));
            MemorySegment len = arena.allocateFrom(ValueLayout.JAVA_LONG, 3, 9);
            assertThatThrownBy(() -> RnnForward.forward(plan, false, arena.allocate(4L * 30), 0, 6, 3, len, 0, null, 0,
                    null, 0, w, 0, y, 0, 8, 4, null, 0, null, 0, null, 0, work, 0)).hasMessageContaining("lengths[1]");
            for (long i = 0; i < y.byteSize(); i++) {
                assertThat(y.get(ValueLayout.JAVA_BYTE, i)).isEqualTo((byte) 0x7f);
            }
            assertThatThrownBy(() -> RnnForward.forward(plan, false, arena.allocate(4L * 29), 0, 6, 3, null, 0, null, 0,
                    null, 0, w, 0, y, 0, 8, 4, null, 0, null, 0, null, 0, work, 0)).hasMessageContaining("x of shape [5, 2, 3]");
            assertThatThrownBy(() -> RnnForward.forward(plan, false, arena.allocate(4L * 30), 0, 6, 3, null, 0, null, 0,
                    null, 0, w, 0, y, 0, 8, 4, null, 0, null, 0, null, 0, arena.allocate(8), 0))
                    .hasMessageContaining("work");
        }
    }

    // ---- helpers ----

    /** Equal up to float rounding: batch sizes take different (equally exact) GEMM paths. */
    private static void near(String what, float[] got, float[] want) {
        Close.assertClose(what, got, Reference.toDouble(want), 1e-5, 1e-6);
    }

    private static Recurrent layer(int kind, long in, long hidden, RecurrentOptions o, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        return switch (kind) {
            case 0 -> new LSTM(in, hidden, o, rng);
            case 1 -> new GRU(in, hidden, o, seed % 2 == 0, rng);
            default -> new RNN(in, hidden, "tanh", o, rng);
        };
    }

    /** Every sequence n of {@code [T, N, F]} reversed within its first lengths[n] steps (the rest zero). */
    private static Tensor reversed(Tensor x, long[] lengths, Arena arena) {
        Tensor out = Tensor.zeros(arena, x.shape());
        for (int n = 0; n < lengths.length; n++) {
            int len = (int) lengths[n];
            for (int t = 0; t < len; t++) {
                out.select(0, t).select(0, n).copyFrom(x.select(0, len - 1 - t).select(0, n));
            }
        }
        return out;
    }

    private static double[] gaussian(SplittableRandom r, int n, double scale) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * scale);
        }
        return a;
    }

    private static MemorySegment floats(Arena arena, double[] v) {
        MemorySegment s = arena.allocate(4L * Math.max(1, v.length), 64);
        for (int i = 0; i < v.length; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) v[i]);
        }
        return s;
    }

    private static float[] toFloats(MemorySegment s) {
        return s.toArray(ValueLayout.JAVA_FLOAT);
    }
}
