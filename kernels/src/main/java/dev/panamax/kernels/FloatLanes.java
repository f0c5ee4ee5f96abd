package dev.panamax.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector shape every kernel uses, and loads and stores in element offsets.
 *
 * <p>The preferred species is the widest the CPU runs natively (512 bits on AVX-512, 16 lanes).
 * Tails are handled with masked loads and stores rather than a scalar loop, so each formula is
 * written once, in vector form, and the tail costs one iteration instead of a scalar cliff.
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

    /** Loads {@link #LANES} floats starting at element {@code index}. */
    public static FloatVector load(MemorySegment segment, long index) {
        return FloatVector.fromMemorySegment(SPECIES, segment, index * Float.BYTES, ORDER);
    }

    /** Loads the lanes of {@code mask}; the other lanes are zero. */
    public static FloatVector load(MemorySegment segment, long index, VectorMask<Float> mask) {
        return FloatVector.fromMemorySegment(SPECIES, segment, index * Float.BYTES, ORDER, mask);
    }

    /** Stores all lanes at element {@code index}. */
    public static void store(FloatVector v, MemorySegment segment, long index) {
        v.intoMemorySegment(segment, index * Float.BYTES, ORDER);
    }

    /** Stores the lanes of {@code mask} at element {@code index}. */
    public static void store(FloatVector v, MemorySegment segment, long index, VectorMask<Float> mask) {
        v.intoMemorySegment(segment, index * Float.BYTES, ORDER, mask);
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
            store(v, segment, index + i);
        }
        if (i < n) {
            store(v, segment, index + i, firstLanes(n - i));
        }
    }
}
