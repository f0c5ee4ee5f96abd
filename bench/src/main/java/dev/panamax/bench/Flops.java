package dev.panamax.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Floating-point operations done, as a JMH auxiliary counter: reported as a rate, so the
 * {@code flops} row of a result is FLOP/s (divide by 1e9 for GFLOP/s).
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class Flops {

    /** Multiply-adds count as two operations. */
    public long flops;

    @Setup(Level.Iteration)
    public void reset() {
        flops = 0;
    }
}
