package dev.panamax.kernels.gemm;

import static dev.panamax.kernels.FloatLanes.LANES;
import static dev.panamax.kernels.FloatLanes.ORDER;
import static dev.panamax.kernels.FloatLanes.SPECIES;
import static dev.panamax.kernels.gemm.BlockSizes.MR;

import java.lang.foreign.MemorySegment;

import dev.panamax.kernels.FloatLanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Packs an {@code mc x kc} block of {@code op(A)} into micro-panels of {@link BlockSizes#MR}
 * rows: panel {@code q} holds rows {@code q MR .. q MR + MR - 1}, stored column by column
 * ({@code [kc][MR]}), so the micro-kernel reads the MR values it broadcasts at step p from one
 * contiguous run. Rows past {@code mc} are zero, so edge tiles need no special kernel.
 *
 * <p>For a row-major A this is a transpose, done as one plain loop per row: 0.32 ns per element
 * here, against 0.50 for scattering 16-float vectors MR apart and 0.54 for gathering them
 * (measured on Zen 4). With four-row panels and eight lanes (AVX2) it is done in registers
 * instead ({@link #transposeFourRows}), and so are twelve-row panels on sixteen lanes (AVX-512),
 * 16 steps at a time ({@link TransposedSquare#panelOfA}; the steps after the last whole 16 are
 * copied). For a transposed A the MR values of a step are already adjacent.
 */
final class PackedPanelA {

    /** Twelve-row panels on sixteen lanes (AVX-512): 16 x 16 squares transposed in registers. */
    private static final boolean TWELVE_BY_SIXTEEN = MR == TransposedSquare.PANEL_ROWS && TransposedSquare.AVAILABLE;
    /** Four-row panels on eight lanes (AVX2): the register transpose applies. */
    private static final boolean EIGHT_BY_FOUR = MR == 4 && LANES == 8;
    /** Four-row panels on wider vectors: a step of a transposed A is one 128-bit vector. */
    private static final boolean QUARTER_VECTORS = MR == 4 && LANES > 4;
    private static final VectorSpecies<Float> QUARTER = FloatVector.SPECIES_128;

    // transposeFourRows' constants: rows 1-3 rotated by 2, 4 and 6 lanes; the pairs of lanes
    // {2g, 2g + 1}; the final order of each output vector
    private static final VectorShuffle<Float> ROTATE_1 = rotation(1);
    private static final VectorShuffle<Float> ROTATE_2 = rotation(2);
    private static final VectorShuffle<Float> ROTATE_3 = rotation(3);
    private static final VectorMask<Float> PAIR_0 = pairOfLanes(0);
    private static final VectorMask<Float> PAIR_1 = pairOfLanes(1);
    private static final VectorMask<Float> PAIR_2 = pairOfLanes(2);
    private static final VectorMask<Float> PAIR_3 = pairOfLanes(3);
    private static final VectorShuffle<Float> ORDER_0 = outputOrder(0);
    private static final VectorShuffle<Float> ORDER_1 = outputOrder(1);
    private static final VectorShuffle<Float> ORDER_2 = outputOrder(2);
    private static final VectorShuffle<Float> ORDER_3 = outputOrder(3);

    private PackedPanelA() {
    }

    /**
     * @param a     A, row-major with leading dimension {@code lda}
     * @param aOff  element offset of {@code op(A)[row0, col0]}
     * @param trans whether A is stored transposed ({@code op(A)[i, p] = A[p, i]})
     * @param dstOff where the first panel starts in {@code dst}
     */
    static void pack(MemorySegment a, long aOff, long lda, boolean trans, int mc, int kc, float[] dst, int dstOff) {
        int whole = 0;
        if (trans && QUARTER_VECTORS) {
            // Four values per step and panel, one 128-bit vector each: a masked store of a wider
            // vector is microcoded on AMD (1.9 ns per element on Zen 3). Four steps at a time, so
            // that each store run fills a whole cache line of its panel: the panels lie
            // 4 kc floats apart, often a multiple of 4 KiB and so in one L1 set, and a line
            // written a quarter at a time was evicted between quarters (1.0 ns per element).
            // Each row of A is read front to back across every whole panel.
            whole = mc / MR * MR;
            int p = 0;
            for (; p <= kc - 4; p += 4) {
                long row = aOff + p * lda;
                for (int q = 0, at = dstOff + p * MR; q < whole; q += MR, at += MR * kc) {
                    FloatVector.fromMemorySegment(QUARTER, a, (row + q) * Float.BYTES, ORDER).intoArray(dst, at);
                    FloatVector.fromMemorySegment(QUARTER, a, (row + lda + q) * Float.BYTES, ORDER).intoArray(dst, at + 4);
                    FloatVector.fromMemorySegment(QUARTER, a, (row + 2 * lda + q) * Float.BYTES, ORDER).intoArray(dst, at + 8);
                    FloatVector.fromMemorySegment(QUARTER, a, (row + 3 * lda + q) * Float.BYTES, ORDER).intoArray(dst, at + 12);
                }
            }
            for (; p < kc; p++) {
                long row = aOff + p * lda;
                for (int q = 0, at = dstOff + p * MR; q < whole; q += MR, at += MR * kc) {
                    FloatVector.fromMemorySegment(QUARTER, a, (row + q) * Float.BYTES, ORDER).intoArray(dst, at);
                }
            }
        }
        int at = dstOff + whole * kc;
        for (int q = whole; q < mc; q += MR, at += MR * kc) {
            int rows = Math.min(MR, mc - q);
            if (trans && TWELVE_BY_SIXTEEN && rows == MR
                    && (aOff + q + (kc - 1L) * lda + LANES) * Float.BYTES <= a.byteSize()) {
                transposedTwelveRows(a, aOff + q, lda, kc, dst, at);
            } else if (trans) {
                // MR values per step, a vector's worth at a time (12 rows take one 16-lane vector,
                // two 8-lane ones or three of 4 lanes); lanes past `rows` load as zero and are
                // stored as the zero padding
                for (int r0 = 0; r0 < MR; r0 += LANES) {
                    VectorMask<Float> m = FloatLanes.firstLanes(Math.max(0, rows - r0));
                    VectorMask<Float> inPanel = FloatLanes.firstLanes(MR - r0);
                    for (int p = 0; p < kc; p++) {
                        FloatVector.fromMemorySegment(SPECIES, a, (aOff + p * lda + q + r0) * Float.BYTES, ORDER, m)
                                .intoArray(dst, at + p * MR + r0, inPanel);
                    }
                }
            } else if (TWELVE_BY_SIXTEEN && rows == MR) {
                int squared = kc / LANES * LANES;
                for (int p = 0; p < squared; p += LANES) {
                    TransposedSquare.panelOfA(a, aOff + (long) q * lda + p, lda, dst, at + p * MR);
                }
                copy(a, aOff + (long) q * lda + squared, lda, rows, MR, kc - squared, dst, at + squared * MR);
            } else if (EIGHT_BY_FOUR && rows == MR) {
                transposeFourRows(a, aOff + (long) q * lda, lda, kc, dst, at);
            } else {
                copy(a, aOff + (long) q * lda, lda, rows, MR, kc, dst, at);
            }
        }
    }

    /**
     * A whole twelve-row panel of a transposed A on sixteen lanes, where A holds 16 floats from
     * each step's first (the caller checks the last step): the 12 floats of a step are adjacent
     * in A, so four steps are four whole loads, regrouped by three two-vector selections
     * ({@link TransposedSquare#REGROUP_0}) into three vectors; the four floats past a step's 12
     * are never selected. A step at a time, 12 of 16 lanes, each load and store was a masked one
     * (the store microcoded on AMD, the mask unboxed again at every load): 8.7 % of a 256^3
     * product with A transposed (Zen 5).
     */
    private static void transposedTwelveRows(MemorySegment a, long aOff, long lda, int kc, float[] dst, int at) {
        FloatVector g0 = FloatVector.fromArray(SPECIES, TransposedSquare.REGROUP_0, 0);
        FloatVector g1 = FloatVector.fromArray(SPECIES, TransposedSquare.REGROUP_1, 0);
        FloatVector g2 = FloatVector.fromArray(SPECIES, TransposedSquare.REGROUP_2, 0);
        int p = 0;
        for (; p <= kc - 4; p += 4) {
            long row = aOff + p * lda;
            FloatVector s0 = FloatVector.fromMemorySegment(SPECIES, a, row * Float.BYTES, ORDER);
            FloatVector s1 = FloatVector.fromMemorySegment(SPECIES, a, (row + lda) * Float.BYTES, ORDER);
            FloatVector s2 = FloatVector.fromMemorySegment(SPECIES, a, (row + 2 * lda) * Float.BYTES, ORDER);
            FloatVector s3 = FloatVector.fromMemorySegment(SPECIES, a, (row + 3 * lda) * Float.BYTES, ORDER);
            int to = at + p * MR;
            g0.selectFrom(s0, s1).intoArray(dst, to);
            g1.selectFrom(s1, s2).intoArray(dst, to + LANES);
            g2.selectFrom(s2, s3).intoArray(dst, to + 2 * LANES);
        }
        for (; p < kc; p++) {
            for (int r = 0; r < MR; r++) {
                dst[at + p * MR + r] = FloatLanes.get(a, aOff + p * lda + r);
            }
        }
    }

    /**
     * As {@link #pack}, into panels of {@link SixRowKernel#ROWS} rows ({@code [kc][6]}, rows past
     * {@code mc} zero) for {@link SixRowKernel}: a plain loop per row of a row-major A, a step's
     * six adjacent floats at a time of a transposed one.
     */
    static void packSixRows(MemorySegment a, long aOff, long lda, boolean trans, int mc, int kc, float[] dst, int dstOff) {
        int six = SixRowKernel.ROWS;
        for (int q = 0, at = dstOff; q < mc; q += six, at += six * kc) {
            int rows = Math.min(six, mc - q);
            if (!trans) {
                copy(a, aOff + (long) q * lda, lda, rows, six, kc, dst, at);
                continue;
            }
            for (int p = 0; p < kc; p++) {
                long step = aOff + p * lda + q;
                int to = at + p * six;
                for (int r = 0; r < six; r++) {
                    dst[to + r] = r < rows ? FloatLanes.get(a, step + r) : 0f;
                }
            }
        }
    }

    /** A panel of {@code rows} row-major rows, zero-padded to {@code panelRows}; each row read front to back. */
    private static void copy(MemorySegment a, long rowOff, long lda, int rows, int panelRows, int kc, float[] dst, int at) {
        for (int r = 0; r < panelRows; r++) {
            if (r < rows) {
                long row = rowOff + r * lda;
                for (int p = 0; p < kc; p++) {
                    dst[at + p * panelRows + r] = FloatLanes.get(a, row + p);
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    dst[at + p * panelRows + r] = 0f;
                }
            }
        }
    }

    /**
     * A whole four-row panel, eight steps at a time in registers (eight lanes only): the rows'
     * vectors {@code r_k = A[k][p .. p + 7]} become {@code o_j = (r_0[2j], r_1[2j], r_2[2j],
     * r_3[2j], r_0[2j+1], ..., r_3[2j+1])}, steps {@code p + 2j} and {@code p + 2j + 1} of the
     * panel. Row k is first rotated by 2k lanes, so that for every j the pairs of lanes the four
     * rows give to {@code o_j} are disjoint: one blend per row gathers them ({@code m_j}) and one
     * permutation puts them in order. 7 permutations and 12 blends per 32 floats, where the scalar
     * loop spends a load and a store per float and AVX2 has no cheap scatter.
     */
    private static void transposeFourRows(MemorySegment a, long rowOff, long lda, int kc, float[] dst, int at) {
        long row0 = rowOff * Float.BYTES;
        long row1 = (rowOff + lda) * Float.BYTES;
        long row2 = (rowOff + 2 * lda) * Float.BYTES;
        long row3 = (rowOff + 3 * lda) * Float.BYTES;
        int p = 0;
        for (; p <= kc - 8; p += 8) {
            long by = (long) p * Float.BYTES;
            FloatVector r0 = FloatVector.fromMemorySegment(SPECIES, a, row0 + by, ORDER);
            FloatVector r1 = FloatVector.fromMemorySegment(SPECIES, a, row1 + by, ORDER).rearrange(ROTATE_1);
            FloatVector r2 = FloatVector.fromMemorySegment(SPECIES, a, row2 + by, ORDER).rearrange(ROTATE_2);
            FloatVector r3 = FloatVector.fromMemorySegment(SPECIES, a, row3 + by, ORDER).rearrange(ROTATE_3);
            int to = at + p * MR;
            // m_j takes row (g - j) mod 4 at pair g
            r0.blend(r1, PAIR_1).blend(r2, PAIR_2).blend(r3, PAIR_3).rearrange(ORDER_0).intoArray(dst, to);
            r0.blend(r1, PAIR_2).blend(r2, PAIR_3).blend(r3, PAIR_0).rearrange(ORDER_1).intoArray(dst, to + 8);
            r0.blend(r1, PAIR_3).blend(r2, PAIR_0).blend(r3, PAIR_1).rearrange(ORDER_2).intoArray(dst, to + 16);
            r0.blend(r1, PAIR_0).blend(r2, PAIR_1).blend(r3, PAIR_2).rearrange(ORDER_3).intoArray(dst, to + 24);
        }
        for (; p < kc; p++) {
            for (int r = 0; r < MR; r++) {
                dst[at + p * MR + r] = FloatLanes.get(a, rowOff + r * lda + p);
            }
        }
    }

    /** Lane i takes lane {@code i - 2k} (mod 8): row k's step e lands in lane {@code e + 2k}. */
    private static VectorShuffle<Float> rotation(int k) {
        return VectorShuffle.fromOp(SPECIES, i -> Math.floorMod(i - 2 * k, LANES));
    }

    private static VectorMask<Float> pairOfLanes(int g) {
        return VectorMask.fromLong(SPECIES, LANES == 8 ? 3L << 2 * g : 0L);
    }

    /** Lane {@code 4t + k} of {@code o_j} is row k's step {@code 2j + t}, which {@code m_j} holds in lane {@code 2j + t + 2k}. */
    private static VectorShuffle<Float> outputOrder(int j) {
        return VectorShuffle.fromOp(SPECIES, i -> LANES == 8 ? (2 * j + i / 4 + 2 * (i % 4)) % 8 : i);
    }
}
