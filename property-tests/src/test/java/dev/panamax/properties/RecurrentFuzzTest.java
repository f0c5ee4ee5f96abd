package dev.panamax.properties;

import static dev.panamax.properties.FuzzArgs.at;
import static dev.panamax.properties.FuzzArgs.footprint;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.panamax.kernels.rnn.RnnBackward;
import dev.panamax.kernels.rnn.RnnCell;
import dev.panamax.kernels.rnn.RnnDescriptor;
import dev.panamax.kernels.rnn.RnnForward;
import dev.panamax.kernels.rnn.RnnPlan;

/**
 * The recurrent kernels (tanh and ReLU RNN, LSTM, GRU in both formulations; stacked,
 * bidirectional) under fuzzed sizes, sequence-first and batch-first strides, lengths (valid,
 * zero, past T), optional and misplaced states, offsets, reserve and workspace sizes. Refusal is
 * an {@link IllegalArgumentException} before any write; an accepted forward equals the double
 * step-by-step reference (y, h_n, c_n) whenever the reference is well conditioned: within 100,
 * and moved by less than a tenth of the tolerance by float-sized noise at every step (an exploding
 * or chaotic network is only run); an accepted backward after it writes
 * finite gradients (when the forward was well conditioned).
 */
class RecurrentFuzzTest {

    @FuzzTest
    void recurrent(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            FuzzArgs f = new FuzzArgs(data, arena);
            RnnDescriptor d;
            RnnPlan plan;
            int steps = f.positive(5);
            int batch = f.positive(4);
            try {
                d = new RnnDescriptor(RnnCell.values()[f.pick(0, 1, 2, 3)], f.positive(4), f.positive(4), f.positive(2), f.bool(),
                        f.bool());
                plan = RnnPlan.of(d, steps, batch);
            } catch (IllegalArgumentException refused) {
                return;
            }
            boolean lstm = d.cell() == RnnCell.LSTM;
            boolean training = f.bool();
            boolean batchFirst = f.bool();
            int in = d.inputSize();
            int out = d.outputSize();
            long xT = f.stride(batchFirst ? in : (long) batch * in);
            long xN = f.stride(batchFirst ? (long) steps * in : in);
            long yT = f.stride(batchFirst ? out : (long) batch * out);
            long yN = f.stride(batchFirst ? (long) steps * out : out);
            long xOff = f.offset();
            long yOff = f.offset();
            long lOff = f.offset();
            long sOff = f.offset();
            long wOff = f.offset();
            long states = (long) d.layers() * d.directions() * batch * d.hiddenSize();
            MemorySegment x = f.floats(footprint(xOff, steps, xT, batch, xN, in, 1));
            MemorySegment lengths = f.bool() ? null : f.longs(footprint(lOff, batch, 1), f.bool() ? 0 : 1, steps + (f.bool() ? 1 : 0));
            MemorySegment h0 = f.bool() ? null : f.floats(footprint(sOff, states, 1));
            MemorySegment c0 = (lstm || f.pick(0, 1, 2, 3) == 0) && f.bool() ? f.floats(footprint(sOff, states, 1)) : null;
            MemorySegment w = f.floats(footprint(wOff, d.weightCount(), 1));
            MemorySegment y = f.floats(footprint(yOff, steps, yT, batch, yN, out, 1));
            MemorySegment hn = f.bool() ? null : f.floats(footprint(sOff, states, 1));
            MemorySegment cn = (lstm || f.pick(0, 1, 2, 3) == 0) && f.bool() ? f.floats(footprint(sOff, states, 1)) : null;
            MemorySegment reserve = training ? f.floats(footprint(0, plan.reserveFloats(), 1)) : null;
            MemorySegment work = f.floats(footprint(0, plan.workspaceFloats(training), 1));
            String what = d + " T " + steps + " N " + batch + " strides x (" + xT + ", " + xN + ") y (" + yT + ", " + yN + ")";
            if (!FuzzArgs.accepted(() -> RnnForward.forward(plan, training, x, xOff, xT, xN, lengths, lOff, h0, sOff, c0, sOff, w, wOff,
                    y, yOff, yT, yN, hn, sOff, cn, sOff, reserve, 0, work, 0), y, hn, cn)) {
                return;
            }
            long[] lens = null;
            if (lengths != null) {
                lens = new long[batch];
                for (int n = 0; n < batch; n++) {
                    lens[n] = lengths.getAtIndex(ValueLayout.JAVA_LONG, lOff + n);
                    if (lens[n] < 1 || lens[n] > steps) {
                        throw new AssertionError(what + ": accepted length " + lens[n]);
                    }
                }
            }
            double[] xs = new double[steps * batch * in];
            for (int t = 0; t < steps; t++) {
                for (int n = 0; n < batch; n++) {
                    for (int i = 0; i < in; i++) {
                        xs[(t * batch + n) * in + i] = at(x, xOff + t * xT + n * xN + i);
                    }
                }
            }
            double[] h0s = h0 == null ? null : FuzzArgs.dense(h0, sOff, states);
            double[] c0s = c0 == null ? null : FuzzArgs.dense(c0, sOff, states);
            double[] ws = FuzzArgs.dense(w, wOff, d.weightCount());
            RnnReference.Result want = RnnReference.forward(d, steps, batch, xs, h0s, c0s, ws, lens);
            // A float network matches a double one only while it is well conditioned. tanh, LSTM and
            // GRU states are bounded; a ReLU network can explode (states of 1e18 over 200 steps, whose
            // reverse direction then ends in values that rounding alone moves by their own size), and
            // any of them can stay bounded and still amplify rounding step after step (a 458-step
            // bidirectional ReLU network whose outputs peaked at 8.7: rounding the double reference's
            // states to float at every step moved them by up to 1.9; a 64-step two-layer GRU with 64
            // units, whose error grew tenfold every 15 steps to 0.14). Where the outputs grow past
            // 100, or the noise of float arithmetic (RnnReference's floatNoise) moves them by a tenth
            // of the tolerance, the run must still be accepted or refused cleanly, but its values
            // prove nothing.
            double scale = 10 * (in + d.hiddenSize()) * d.layers();
            boolean conditioned = peak(want.y()) <= 100 && peak(want.hn()) <= 100
                    && near(want, RnnReference.forward(d, steps, batch, xs, h0s, c0s, ws, lens, true), 1e-5 * (scale + 1));
            for (int t = 0; t < steps && conditioned; t++) {
                for (int n = 0; n < batch; n++) {
                    for (int k = 0; k < out; k++) {
                        FuzzArgs.close(what + " y[" + t + "][" + n + "][" + k + "]", at(y, yOff + t * yT + n * yN + k),
                                want.y()[(t * batch + n) * out + k], scale);
                    }
                }
            }
            for (int s = 0; s < states && conditioned; s++) {
                if (hn != null) {
                    FuzzArgs.close(what + " h_n[" + s + "]", at(hn, sOff + s), want.hn()[s], scale);
                }
                if (cn != null) {
                    FuzzArgs.close(what + " c_n[" + s + "]", at(cn, sOff + s), want.cn()[s], scale);
                }
            }
            if (!training) {
                return;
            }
            long dOff = f.offset();
            MemorySegment dy = f.bool() ? null : f.floats(footprint(dOff, steps, yT, batch, yN, out, 1));
            MemorySegment dhn = f.bool() ? null : f.floats(footprint(sOff, states, 1));
            MemorySegment dcn = (lstm || f.pick(0, 1, 2, 3) == 0) && f.bool() ? f.floats(footprint(sOff, states, 1)) : null;
            MemorySegment dx = f.bool() ? null : f.floats(footprint(xOff, steps, xT, batch, xN, in, 1));
            MemorySegment dh0 = f.bool() ? null : f.floats(footprint(sOff, states, 1));
            MemorySegment dc0 = (lstm || f.pick(0, 1, 2, 3) == 0) && f.bool() ? f.floats(footprint(sOff, states, 1)) : null;
            MemorySegment dw = f.floats(footprint(wOff, d.weightCount(), 1));
            if (FuzzArgs.accepted(() -> RnnBackward.backward(plan, x, xOff, xT, xN, lengths, lOff, c0, sOff, w, wOff, dy, dOff, yT, yN,
                    dhn, sOff, dcn, sOff, dx, xOff, xT, xN, dh0, sOff, dc0, sOff, dw, wOff, reserve, 0, work, 0), dx, dh0, dc0, dw)
                    && conditioned) {
                for (double v : FuzzArgs.dense(dw, wOff, d.weightCount())) {
                    if (!Double.isFinite(v)) {
                        throw new AssertionError(what + ": a weight gradient of finite inputs is " + v);
                    }
                }
            }
        }
    }

    /** Whether every output and final state of {@code a} is within {@code tolerance} of {@code b}'s. */
    private static boolean near(RnnReference.Result a, RnnReference.Result b, double tolerance) {
        double[][] as = {a.y(), a.hn(), a.cn()};
        double[][] bs = {b.y(), b.hn(), b.cn()};
        for (int v = 0; v < as.length; v++) {
            for (int i = 0; i < as[v].length; i++) {
                if (!(Math.abs(as[v][i] - bs[v][i]) <= tolerance)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static double peak(double[] v) {
        double m = 0;
        for (double x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }
}
