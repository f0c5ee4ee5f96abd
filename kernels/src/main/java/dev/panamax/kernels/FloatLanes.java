package dev.panamax.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
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
    /**
     * Vector registers of the instruction set, which bounds a kernel's register block: with 16
     * (AVX2) a block of 12 or 16 accumulators spills, with 32 (AVX-512, ARM) it does not. Tests
     * force it with {@code -Dpanamax.vector.registers=16|32}, so that one machine runs the
     * register blocks of both (with 4-lane vectors and 32 registers, ARM NEON's shape).
     */
    public static final int REGISTERS = registers(Integer.getInteger("panamax.vector.registers"),
            vectorRegisters(System.getProperty("os.arch", ""), SPECIES.vectorBitSize()));
    /** Native byte order; tensors are stored in it (little-endian on every supported CPU). */
    public static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /** Unaligned float layout in native order, for scalar accesses. */
    public static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Unaligned int64 layout in native order, for labels and indices. */
    public static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    // A fixed-order sum of a vector's lanes, written out where it is needed (a method taking the
    // vector would box it wherever C2 declined to inline it, as the comment above tells):
    //     if (LANES > 8) { v = v.add(v.rearrange(PAIR_8)); }
    //     if (LANES > 4) { v = v.add(v.rearrange(PAIR_4)); }
    //     if (LANES > 2) { v = v.add(v.rearrange(PAIR_2)); }
    //     v = v.add(v.rearrange(PAIR_1));  float s = v.lane(0);
    // Lane i is added to lane i ^ d, for d = 8, 4, 2, 1; the steps whose distance is not below
    // LANES are left out by the constant test (as masked adds with an empty mask, their blends
    // and mask loads cost a batch-1 Linear layer of two outputs half its time). Not
    // reduceLanes(ADD): that leaves the order to the implementation, the interpreter adds lane
    // after lane and C2 pairs them, so a kernel's last bit changed when C2 compiled it (a LeNet-5
    // logit at its 260th call). Every addition of the tree is the same IEEE operation interpreted
    // or compiled.
    /** Lane i paired with lane i ^ 8 (see the sum written out above). */
    public static final VectorShuffle<Float> PAIR_8 = pairs(8);
    /** Lane i paired with lane i ^ 4. */
    public static final VectorShuffle<Float> PAIR_4 = pairs(4);
    /** Lane i paired with lane i ^ 2. */
    public static final VectorShuffle<Float> PAIR_2 = pairs(2);
    /** Lane i paired with lane i ^ 1. */
    public static final VectorShuffle<Float> PAIR_1 = pairs(1);
    /**
     * Lanes 0, 0, 1, 1, ...: with {@link #ZIP_HIGH} (the same from the middle lane), a vector
     * spread over two, each value twice; blended on the odd lanes with another vector spread the
     * same way, two vectors interleaved.
     */
    public static final VectorShuffle<Float> ZIP_LOW = VectorShuffle.fromOp(SPECIES, k -> k / 2);
    /** Lanes {@code LANES/2}, {@code LANES/2}, {@code LANES/2 + 1}, ...: see {@link #ZIP_LOW}. */
    public static final VectorShuffle<Float> ZIP_HIGH = VectorShuffle.fromOp(SPECIES, k -> LANES / 2 + k / 2);
    /**
     * Lane k takes lane {@code 2k mod LANES}: a vector's even lanes, twice over; blended on
     * {@link #UPPER_HALF} with another vector's, the even lanes of the two in order.
     */
    public static final VectorShuffle<Float> EVEN_LANES = VectorShuffle.fromOp(SPECIES, k -> 2 * k % LANES);
    /** Lane k takes lane {@code (2k + 1) mod LANES}: the odd lanes, as {@link #EVEN_LANES}. */
    public static final VectorShuffle<Float> ODD_LANES = VectorShuffle.fromOp(SPECIES, k -> (2 * k + 1) % LANES);
    /** Lanes {@code LANES/2} and up. */
    public static final VectorMask<Float> UPPER_HALF = VectorMask.fromLong(SPECIES, ((1L << LANES) - 1) & -(1L << LANES / 2));
    /** The even lanes 0, 2, 4, ... */
    public static final VectorMask<Float> EVEN = VectorMask.fromLong(SPECIES, 0x5555_5555_5555_5555L);
    /** The odd lanes 1, 3, 5, ... */
    public static final VectorMask<Float> ODD = VectorMask.fromLong(SPECIES, 0xAAAA_AAAA_AAAA_AAAAL);
    static {
        if (LANES > 16) {
            throw new ExceptionInInitializerError("the lane sums pair at most 16 lanes; this species has " + LANES);
        }
        loadHeapSegmentClasses();
    }

    /**
     * Loads the JDK's heap segment classes before any kernel is compiled. While only off-heap
     * segments exist, C2 compiles every segment access against the one implementation loaded
     * (class hierarchy analysis) and records that assumption; the first heap segment breaks it, and
     * the Vector API makes one in its interpreted fallback of {@code reinterpretAsInts} (a byte
     * array wrapped in a segment), the first time a softmax or a loss runs. That deoptimized some
     * fifty compiled kernels at once, 1.7 s into a LeNet-5 training run, and C2 compiled them all
     * again. Loaded here, the classes are there before the first compilation and no compiled code
     * depends on their absence.
     */
    private static void loadHeapSegmentClasses() {
        MemorySegment.ofArray(new byte[0]);
        MemorySegment.ofArray(new short[0]);
        MemorySegment.ofArray(new char[0]);
        MemorySegment.ofArray(new int[0]);
        MemorySegment.ofArray(new float[0]);
        MemorySegment.ofArray(new long[0]);
        MemorySegment.ofArray(new double[0]);
    }

    private FloatLanes() {
    }

    /**
     * Vector registers of the instruction set behind a species: x86 has 32 only with AVX-512
     * (where the preferred species is 512 bits wide), 16 with AVX2 and AVX; ARM's NEON and SVE
     * have 32. An unknown architecture is assumed to have 16 (the smaller blocks spill nowhere).
     */
    public static int vectorRegisters(String osArch, int vectorBits) {
        return switch (osArch) {
            case "amd64", "x86_64" -> vectorBits >= 512 ? 32 : 16;
            case "aarch64", "arm64" -> 32;
            default -> 16;
        };
    }

    private static int registers(Integer forced, int detected) {
        if (forced == null) {
            return detected;
        }
        if (forced != 16 && forced != 32) {
            throw new IllegalArgumentException("panamax.vector.registers must be 16 or 32, got " + forced);
        }
        return forced;
    }

    private static VectorShuffle<Float> pairs(int d) {
        return VectorShuffle.fromOp(SPECIES, i -> d < LANES ? i ^ d : i);
    }


    /**
     * The lane sums of 16 accumulators at once: {@code lanes[r LANES, (r + 1) LANES)} holds
     * accumulator r, and afterwards {@code lanes[r]} is its sum, for {@code r < 16}, each in the
     * order of the lane sum written out above (bit for bit the same). For kernels that keep 16
     * accumulators and store them to an array: summed one by one in scalar code, the sums of a
     * direct weight-gradient block took a tenth of a LeNet-5 training step.
     *
     * <p>Each level of the tree folds pairs of vectors into one, pairing the lanes at distance h
     * (h = LANES/2 down to 1). Of a pair, the lanes without bit h keep the first vector's sums and
     * the lanes with it the second's: with {@code a} the first vector where bit h is clear and the
     * second where it is set, and {@code b} the other way round, the level is {@code a + b}'s
     * lanes swapped at distance h, one shuffle per pair of vectors (the four of a fold that moved
     * each vector's sums into one half cost more than the dot products of small layers). The same
     * additions as the single sum, in other lanes: accumulator r ends in the lane whose index is
     * its position among the vector's accumulators with the bits reversed, and one shuffle per
     * vector puts it back. The array carries the vectors from level to level, so no vector
     * crosses a loop iteration or a call.
     */
    public static void sumLanesOfSixteen(float[] lanes) {
        // One block per level, its masks and shuffles static finals: taken from an array (one per
        // level) their class was known to C2 only from the call's type profile, and in some JVMs'
        // compilations it was not, so the rearranges and adds ran in the API's Java fallback
        // (a LeNet-5 training step allocated 450 KB in one run of three). The blocks stay written
        // out: one loop over the levels, its shuffles chosen by a conditional, allocated as much
        // in one JVM of six.
        int count = 16;
        if (LANES >= 16) {
            for (int p = 0; p < count / 2; p++) {
                FloatVector x = FloatVector.fromArray(SPECIES, lanes, 2 * p * LANES);
                FloatVector y = FloatVector.fromArray(SPECIES, lanes, (2 * p + 1) * LANES);
                x.blend(y, BIT_8).add(y.blend(x, BIT_8).rearrange(PAIR_8)).intoArray(lanes, p * LANES);
            }
            count /= 2;
        }
        if (LANES >= 8) {
            for (int p = 0; p < count / 2; p++) {
                FloatVector x = FloatVector.fromArray(SPECIES, lanes, 2 * p * LANES);
                FloatVector y = FloatVector.fromArray(SPECIES, lanes, (2 * p + 1) * LANES);
                x.blend(y, BIT_4).add(y.blend(x, BIT_4).rearrange(PAIR_4)).intoArray(lanes, p * LANES);
            }
            count /= 2;
        }
        if (LANES >= 4) {
            for (int p = 0; p < count / 2; p++) {
                FloatVector x = FloatVector.fromArray(SPECIES, lanes, 2 * p * LANES);
                FloatVector y = FloatVector.fromArray(SPECIES, lanes, (2 * p + 1) * LANES);
                x.blend(y, BIT_2).add(y.blend(x, BIT_2).rearrange(PAIR_2)).intoArray(lanes, p * LANES);
            }
            count /= 2;
        }
        for (int p = 0; p < count / 2; p++) {
            FloatVector x = FloatVector.fromArray(SPECIES, lanes, 2 * p * LANES);
            FloatVector y = FloatVector.fromArray(SPECIES, lanes, (2 * p + 1) * LANES);
            x.blend(y, BIT_1).add(y.blend(x, BIT_1).rearrange(PAIR_1)).intoArray(lanes, p * LANES);
        }
        for (int p = 0; p < count / 2; p++) {
            FloatVector.fromArray(SPECIES, lanes, p * LANES).rearrange(BITS_REVERSED).intoArray(lanes, p * LANES);
        }
    }

    /**
     * The calling thread's array of 16 vectors for {@link #sumLanesOfSixteen}: one per thread, not
     * one per call, so a kernel that spills its accumulators there allocates nothing. A kernel
     * must finish with it before calling another that uses it.
     */
    public static float[] laneSumScratch() {
        return LANE_SUM_SCRATCH.get();
    }

    private static final ThreadLocal<float[]> LANE_SUM_SCRATCH = ThreadLocal.withInitial(() -> new float[16 * LANES]);

    // The levels of sumLanesOfSixteen: the lanes with bit h set (those up to LANES; BIT_h is
    // unused where h is not below LANES)
    private static final VectorMask<Float> BIT_8 = VectorMask.fromLong(SPECIES, 0xFF00_FF00_FF00_FF00L);
    private static final VectorMask<Float> BIT_4 = VectorMask.fromLong(SPECIES, 0xF0F0_F0F0_F0F0_F0F0L);
    private static final VectorMask<Float> BIT_2 = VectorMask.fromLong(SPECIES, 0xCCCC_CCCC_CCCC_CCCCL);
    private static final VectorMask<Float> BIT_1 = VectorMask.fromLong(SPECIES, 0xAAAA_AAAA_AAAA_AAAAL);
    /** Lane j takes the lane whose index is j's bits reversed (log2 LANES of them): its own inverse. */
    private static final VectorShuffle<Float> BITS_REVERSED = VectorShuffle.fromOp(SPECIES,
            j -> Integer.reverse(j) >>> (Integer.SIZE - Integer.numberOfTrailingZeros(LANES)));

    /**
     * The mask of the first {@code count} lanes (all of them from {@code LANES} up, none at or
     * below 0, as {@code indexInRange(0, count)}): one of
     * {@code LANES + 1} masks made once. Computed at each call ({@code indexInRange}), the mask
     * came from a chain of mask operations that some JVMs' compiled code left to the API's Java
     * fallback: in 1 of 4 JVMs a batch-1 LeNet-5 forward allocated 2.2 KB of boxed masks per call in
     * the M = 1 GEMM's tail; an existing mask object is only unboxed.
     */
    public static VectorMask<Float> firstLanes(long count) {
        return FIRST_LANES[(int) Math.clamp(count, 0, LANES)];
    }

    private static final VectorMask<Float>[] FIRST_LANES = firstLanesMasks();

    /**
     * How many of {@code rows} rows, {@code ld} floats apart from float {@code off}, have
     * {@code width} floats inside the segment: the rows where a masked access of a whole vector
     * takes the JDK's fast path (one that would pass the segment's end checks each lane and
     * allocates), leaving the last few of an operand at the end of its segment to scalars.
     */
    public static int rowsWithin(MemorySegment segment, long off, long ld, long width, int rows) {
        return (int) Math.clamp(Math.floorDiv(segment.byteSize() / Float.BYTES - width - off, ld) + 1, 0, rows);
    }

    @SuppressWarnings("unchecked")
    private static VectorMask<Float>[] firstLanesMasks() {
        VectorMask<Float>[] masks = new VectorMask[LANES + 1];
        for (int n = 0; n <= LANES; n++) {
            masks[n] = SPECIES.indexInRange(0, n);
        }
        return masks;
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
