package dev.panamax.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Bytes moved, as a JMH auxiliary counter: reported as a rate, so the {@code bytes} row of a
 * result is bytes per second (divide by 1e9 for GB/s) beside the plain operations per second.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class Bytes {

    /** Bytes read plus bytes written. */
    public long bytes;

    @Setup(Level.Iteration)
    public void reset() {
        bytes = 0;
    }
}
