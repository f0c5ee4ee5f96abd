package dev.panamax.kernels.conv;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.Reductions;
import jdk.incubator.vector.FloatVector;

/** Per-channel bias of NCHW data: one value added to each channel's plane, and its gradient. */
final class ChannelBias {

    private ChannelBias() {
    }

    /**
     * {@code y[n, o, :] += bias[o]} for {@code channels} planes of {@code plane} floats, {@code images} images:
     * whole vectors, then a plane's last floats one by one. (Masked vectors for the last floats
     * took the Vector API's slow bounds check at the end of y once per call: without them a
     * LeNet-5 training step ran 4.07-4.14 ms instead of 4.30-4.37, one thread, Zen 4.)
     */
    static void add(int images, int channels, long plane, MemorySegment bias, long bOff, MemorySegment y, long yOff) {
        long whole = plane - plane % LANES;
        for (int n = 0; n < images; n++) {
            for (int o = 0; o < channels; o++) {
                float b = FloatLanes.get(bias, bOff + o);
                long at = yOff + ((long) n * channels + o) * plane;
                for (long i = 0; i < whole; i += LANES) {
                    FloatVector.fromMemorySegment(SPECIES, y, (at + i) * Float.BYTES, ORDER).add(b)
                            .intoMemorySegment(y, (at + i) * Float.BYTES, ORDER);
                }
                for (long i = whole; i < plane; i++) {
                    FloatLanes.set(y, at + i, FloatLanes.get(y, at + i) + b);
                }
            }
        }
    }

    /** {@code db[o] = sum over images and the plane of dy[n, o, :]} (written). */
    static void gradient(int images, int channels, long plane, MemorySegment dy, long dyOff, MemorySegment db, long dbOff) {
        for (int o = 0; o < channels; o++) {
            double sum = 0;
            for (int n = 0; n < images; n++) {
                sum += Reductions.sum(plane, dy, dyOff + ((long) n * channels + o) * plane);
            }
            FloatLanes.set(db, dbOff + o, (float) sum);
        }
    }
}
