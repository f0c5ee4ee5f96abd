package dev.panamax.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector shape every kernel uses, and scalar accesses in element offsets.
 *
 * <p>The preferred species is the widest the CPU runs natively (512 bits on AVX-512, 16 lanes).
 *
 * <p>Vector loads and stores are written in the kernels as the Vector API's own
 * {@code FloatVector.fromMemorySegment(SPECIES, segment, index * Float.BYTES, ORDER)} and
 * {@code v.intoMemorySegment(segment, index * Float.BYTES, ORDER)}, not through a helper here.
 * The API's methods are force-inlined; a helper of ours is not. Once such a helper had been
 * compiled on its own (it is hot during warm-up, called from code that is not compiled yet), C2
 * refused to inline it where a later compilation's profile called the site cold ("already compiled
 * into a medium method"), and every vector crossing that call was boxed: a transformer encoder
 * training step on two threads allocated 56 MB per step in a dropout product until the helpers
 * went (24 KB after), and which kernel was hit depended on the order things were compiled in.
 */
public final class FloatLanes {

    /** The species of every float vector in the kernels. */
    public static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /** Lanes per vector. */
    public static final int LANES = SPECIES.length();
    /** Native byte order; tensors are stored in it (little-endian on every supported CPU). */
    public static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /** Unaligned float layout in native order, for scalar accesses. */
    public static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Unaligned int64 layout in native order, for labels and indices. */
    public static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    private FloatLanes() {
    }

    /** The mask of the first {@code count} lanes ({@code 0 <= count <= LANES}). */
    public static VectorMask<Float> firstLanes(long count) {
        return SPECIES.indexInRange(0L, count);
    }

    /** Reads element {@code index} as a float. */
    public static float get(MemorySegment segment, long index) {
        return segment.getAtIndex(FLOAT, index);
    }

    /** Writes element {@code index}. */
    public static void set(MemorySegment segment, long index, float value) {
        segment.setAtIndex(FLOAT, index, value);
    }

    /** Reads int64 element {@code index}. */
    public static long getLong(MemorySegment segment, long index) {
        return segment.getAtIndex(LONG, index);
    }

    /** Sets {@code n} contiguous floats from element {@code index} to {@code value}. */
    public static void fill(MemorySegment segment, long index, long n, float value) {
        FloatVector v = FloatVector.broadcast(SPECIES, value);
        long i = 0;
        for (; i <= n - LANES; i += LANES) {
            v.intoMemorySegment(segment, (index + i) * Float.BYTES, ORDER);
        }
        for (; i < n; i++) {
            set(segment, index + i, value);
        }
    }
}
