package dev.panamax.properties;

import static dev.panamax.properties.Theories.qt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assertions.within;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.gemm.GemmBlocking;
import dev.panamax.kernels.gemm.PackedMatrixA;
import dev.panamax.kernels.gemm.PackedMatrixB;
import dev.panamax.kernels.gemm.PrepackedSgemm;
import dev.panamax.kernels.gemm.Sgemm;
import dev.panamax.kernels.gemm.SgemmBatched;
import dev.panamax.kernels.parallel.WorkerPool;
import dev.panamax.nn.functional.LinearAlgebra;
import dev.panamax.nn.tensor.Tensor;

/** SGEMM against a double-precision reference over shapes, transposes, leading dimensions, offsets, alpha and beta. */
class GemmPropertiesTest {

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    /** One random problem laid out in segments, with its reference result. */
    private static final class Problem {
        final boolean transA, transB;
        final int m, n, k;
        final float alpha, beta;
        final long lda, ldb, ldc, aOff, bOff, cOff;
        final MemorySegment a, b, c;
        final double[] want;
        final double[] scale;      // sum of |terms| per element: the error bound's scale

        Problem(Arena arena, SplittableRandom r, int m, int n, int k, boolean transA, boolean transB, float alpha, float beta) {
            this.m = m;
            this.n = n;
            this.k = k;
            this.transA = transA;
            this.transB = transB;
            this.alpha = alpha;
            this.beta = beta;
            int aRows = transA ? k : m, aCols = transA ? m : k;
            int bRows = transB ? n : k, bCols = transB ? k : n;
            lda = Math.max(1, aCols) + r.nextInt(4);
            ldb = Math.max(1, bCols) + r.nextInt(4);
            ldc = Math.max(1, n) + r.nextInt(4);
            aOff = r.nextInt(6);
            bOff = r.nextInt(6);
            cOff = r.nextInt(6);
            a = fill(arena, r, aOff + aRows * lda + 3);
            b = fill(arena, r, bOff + bRows * ldb + 3);
            c = fill(arena, r, cOff + m * ldc + 3);
            want = new double[m * n];
            scale = new double[m * n];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0, abs = 0;
                    for (int p = 0; p < k; p++) {
                        double x = a.getAtIndex(F, transA ? aOff + p * lda + i : aOff + i * lda + p);
                        double y = b.getAtIndex(F, transB ? bOff + j * ldb + p : bOff + p * ldb + j);
                        s += x * y;
                        abs += Math.abs(x * y);
                    }
                    double old = beta == 0f ? 0 : beta * (double) c.getAtIndex(F, cOff + i * ldc + j);
                    want[i * n + j] = alpha * s + old;
                    scale[i * n + j] = Math.abs(alpha) * abs + Math.abs(old);
                }
            }
        }

        void run() {
            Sgemm.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }

        /** {@link #run}, then {@link #verify}. */
        void runAndVerify() {
            run();
            verify();
        }

        void verify() {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double got = c.getAtIndex(F, cOff + i * ldc + j);
                    double allowed = 2e-6 * (k + 2) * scale[i * n + j] + 1e-6;
                    if (!(Math.abs(got - want[i * n + j]) <= allowed)) {
                        fail("C[" + i + "," + j + "] of " + this + ": got " + got + ", want " + want[i * n + j]);
                    }
                }
            }
        }

        @Override
        public String toString() {
            return "sgemm(transA=" + transA + ", transB=" + transB + ", m=" + m + ", n=" + n + ", k=" + k + ", alpha=" + alpha
                    + ", beta=" + beta + ", lda=" + lda + ", ldb=" + ldb + ", ldc=" + ldc + ")";
        }

        private static MemorySegment fill(Arena arena, SplittableRandom r, long n) {
            MemorySegment s = arena.allocate(n * 4, 64);
            for (long i = 0; i < n; i++) {
                s.setAtIndex(F, i, (float) (r.nextDouble() * 2 - 1));
            }
            return s;
        }
    }

    private static final float[] ALPHAS = {1f, 0f, -0.5f, 1.7f};
    private static final float[] BETAS = {0f, 1f, 0.3f};

    /**
     * One row of A (batch-1 inference): B streamed in place, eight rows of B^T at a time, the
     * depth past the last whole vector as a masked tail (under one vector) or as a last vector
     * that overlaps the one before, its repeated lanes zeroed.
     */
    @Test
    void singleRowsMatchReference() {
        qt().withExamples(150).forAll(integers().between(1, 130), integers().between(1, 600), longs().all())
                .checkAssert((n, k, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    try (Arena arena = Arena.ofConfined()) {
                        Problem p = new Problem(arena, r, 1, n, k, r.nextBoolean(), r.nextBoolean(),
                                ALPHAS[r.nextInt(ALPHAS.length)], BETAS[r.nextInt(BETAS.length)]);
                        p.runAndVerify();
                    }
                });
    }

    /**
     * A single row times B^T (a {@code Linear} layer at batch 1): each output has the same bits
     * whether it is one of many (its lanes summed in a fold of 16, or in a group of four) or
     * computed alone, so a layer's output for an input does not depend on the layer's width.
     */
    @Test
    void singleRowOutputsHaveTheBitsOfTheirOwnProduct() {
        qt().withExamples(60).forAll(integers().between(1, 70), integers().between(1, 300), longs().all())
                .checkAssert((n, k, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    try (Arena arena = Arena.ofConfined()) {
                        Problem p = new Problem(arena, r, 1, n, k, false, true, ALPHAS[r.nextInt(ALPHAS.length)], 0f);
                        p.run();
                        MemorySegment alone = arena.allocate(Float.BYTES);
                        for (int j = 0; j < n; j++) {
                            Sgemm.sgemm(false, true, 1, 1, k, p.alpha, p.a, p.aOff, p.lda, p.b, p.bOff + j * p.ldb, p.ldb, 0f, alone, 0, 1);
                            assertThat(Float.floatToRawIntBits(p.c.getAtIndex(F, p.cOff + j)))
                                    .as("output %d of %s", j, p)
                                    .isEqualTo(Float.floatToRawIntBits(alone.getAtIndex(F, 0)));
                        }
                    }
                });
    }

    /**
     * An infinity in the depth that the overlapping last vector of a dot product repeats (B
     * transposed, k past a whole vector) gives an infinite output, not NaN: the repeated lanes
     * of both operands are zeroed, so no {@code 0 * inf} enters the sum. One row and a few rows
     * (row by row, two rows per pass over B, or packed), of every width.
     */
    @Test
    void repeatedDepthAddsNoNaN() {
        qt().withExamples(60).forAll(integers().between(1, 8), integers().between(1, 40), integers().between(17, 200),
                        longs().all())
                .checkAssert((m, n, k, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    int lanes = FloatLanes.LANES;
                    int full = k - k % lanes;
                    // a depth the last vector reads again when k is not whole vectors, any otherwise
                    int p = full < k ? full - lanes + (k % lanes) + r.nextInt(lanes - k % lanes) : r.nextInt(k);
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment a = arena.allocate((long) m * k * Float.BYTES, 64);
                        MemorySegment b = arena.allocate((long) n * k * Float.BYTES, 64);
                        MemorySegment c = arena.allocate((long) m * n * Float.BYTES, 64);
                        for (long i = 0; i < (long) m * k; i++) {
                            a.setAtIndex(F, i, 0.5f + (float) r.nextDouble());
                        }
                        for (long i = 0; i < (long) n * k; i++) {
                            b.setAtIndex(F, i, (float) r.nextDouble());
                        }
                        int j = r.nextInt(n);
                        b.setAtIndex(F, (long) j * k + p, Float.POSITIVE_INFINITY);
                        Sgemm.sgemm(false, true, m, n, k, 1f, a, 0, k, b, 0, k, 0f, c, 0, n);
                        for (int i = 0; i < m; i++) {
                            for (int q = 0; q < n; q++) {
                                float got = c.getAtIndex(F, (long) i * n + q);
                                if (q == j) {
                                    assertThat(got).as("C[%d, %d], B[%d, %d] infinite, m=%d n=%d k=%d", i, q, j, p, m, n, k)
                                            .isEqualTo(Float.POSITIVE_INFINITY);
                                } else {
                                    assertThat(Float.isFinite(got)).as("C[%d, %d] = %s", i, q, got).isTrue();
                                }
                            }
                        }
                    }
                });
    }

    /**
     * Products of a few rows that run row by row ({@link Sgemm#rowByRow}: up to 8 rows with B
     * transposed, fewer for shallow products with 16 lanes, two per pass over B where the machine
     * has the registers; up to 3 without): each row of C is then the same bits as that row's
     * product alone, as a batch-1 forward of a Linear layer gives. The others (packed) match the
     * reference.
     */
    @Test
    void fewRowProductsEqualTheirRowsAloneBitForBit() {
        qt().withExamples(80).forAll(integers().between(2, 8), integers().between(1, 90), integers().between(1, 300), longs().all())
                .checkAssert((rows, n, k, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    boolean transB = r.nextBoolean();
                    int m = transB ? rows : Math.min(rows, 3);
                    try (Arena arena = Arena.ofConfined()) {
                        Problem p = new Problem(arena, r, m, n, k, false, transB, ALPHAS[r.nextInt(ALPHAS.length)], 0f);
                        p.run();
                        if (Sgemm.rowByRow(transB, m, n, k)) {
                            assertRowsHaveTheBitsOfTheirOwnProducts(arena, p);
                        } else {
                            p.verify();
                        }
                    }
                });
    }

    /** Each row of p's C (run, A not transposed, beta 0) has the bits of that row's product alone. */
    private static void assertRowsHaveTheBitsOfTheirOwnProducts(Arena arena, Problem p) {
        MemorySegment row = arena.allocate((long) p.n * Float.BYTES);
        for (int i = 0; i < p.m; i++) {
            Sgemm.sgemm(false, p.transB, 1, p.n, p.k, p.alpha, p.a, p.aOff + i * p.lda, p.lda, p.b, p.bOff, p.ldb,
                    0f, row, 0, p.n);
            for (int j = 0; j < p.n; j++) {
                assertThat(Float.floatToRawIntBits(p.c.getAtIndex(F, p.cOff + i * p.ldc + j)))
                        .as("row %d column %d of %s", i, j, p)
                        .isEqualTo(Float.floatToRawIntBits(row.getAtIndex(F, j)));
            }
        }
    }

    /**
     * Products of one to four columns, each column of op(B) contiguous (B transposed, or one
     * column with ldb 1: a classifier's or a regression head's last layer), taken as dot products
     * of rows of A with columns of op(B), split by rows over the pool when large (a shared arena):
     * every alpha and beta against the reference; with B transposed and beta 0, each row of C the
     * same bits as that row's product alone (batch 1). (A single row times an untransposed B walks
     * down B's rows instead, another summation order.)
     */
    @Test
    void fewColumnProductsMatchReferenceAndTheirRowsAlone() {
        qt().withExamples(80).forAll(integers().between(1, 300), integers().between(1, 4), integers().between(1, 300), longs().all())
                .checkAssert((m, n, k, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    boolean transB = n > 1 || r.nextBoolean();
                    float beta = r.nextBoolean() ? 0f : BETAS[r.nextInt(BETAS.length)];
                    try (Arena arena = r.nextBoolean() ? Arena.ofShared() : Arena.ofConfined()) {
                        Problem p = new Problem(arena, r, m, n, k, false, transB, ALPHAS[r.nextInt(ALPHAS.length)], beta);
                        p.runAndVerify();
                        if (beta == 0f && transB) {
                            assertRowsHaveTheBitsOfTheirOwnProducts(arena, p);
                        }
                    }
                });
    }

    @Test
    void smallShapesMatchReference() {
        qt().withExamples(300).forAll(integers().between(0, 40), integers().between(0, 70), integers().between(0, 40), longs().all())
                .checkAssert((m, n, k, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    try (Arena arena = Arena.ofConfined()) {
                        Problem p = new Problem(arena, r, m, n, k, r.nextBoolean(), r.nextBoolean(),
                                ALPHAS[r.nextInt(ALPHAS.length)], BETAS[r.nextInt(BETAS.length)]);
                        p.runAndVerify();
                    }
                });
    }

    /**
     * Products of 8 or 16 rows, one to two vectors wide: the 8-row kernel that updates C itself
     * (every alpha and beta, beta 0 included), beside the zero-padded strip for the columns past
     * the last whole vector.
     */
    @Test
    void eightAndSixteenRowProductsOneVectorWideMatchReference() {
        qt().withExamples(80).forAll(integers().between(0, 1), integers().between(0, FloatLanes.LANES - 1), integers().between(1, 300), longs().all())
                .checkAssert((sixteen, extra, k, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    try (Arena arena = Arena.ofConfined()) {
                        Problem p = new Problem(arena, r, sixteen == 1 ? 16 : 8, FloatLanes.LANES + extra, k, r.nextBoolean(), false,
                                ALPHAS[r.nextInt(ALPHAS.length)], BETAS[r.nextInt(BETAS.length)]);
                        p.runAndVerify();
                    }
                });
    }

    /**
     * Products four vectors wide or more with beta 0 on one thread (a confined arena), small or
     * with B in L2, whose blocks of four vectors run in 6-row tiles that store into C (three
     * vectors in 4-row tiles with 16 vector registers; the last tile overlapping the one before
     * it and storing its rows again, or with four rows or fewer left below 128 rows a four-row
     * tile), the columns past them in the narrower tiles: A transposed
     * or not, every alpha, against the reference, and each row of C the same bits as that row's
     * product alone.
     */
    @Test
    void wideTilesMatchReferenceAndTheirRowsAlone() {
        int quad = 4 * FloatLanes.LANES;
        qt().withExamples(60).forAll(integers().between(8, 200), integers().between(quad, 3 * quad + 40), integers().between(1, 200), longs().all())
                .checkAssert((m, n, k, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    try (Arena arena = Arena.ofConfined()) {
                        boolean transA = r.nextBoolean();
                        Problem p = new Problem(arena, r, m, n, k, transA, false, ALPHAS[r.nextInt(ALPHAS.length)], 0f);
                        p.runAndVerify();
                        if (!transA) {
                            assertRowsHaveTheBitsOfTheirOwnProducts(arena, p);
                        }
                    }
                });
    }

    /**
     * Products whose B is past L2 but shallow, as a 1 x 1 convolution's (64 rows and more, a few
     * hundred deep, a thousand and more columns), with beta 0 on one thread: run in place in the
     * wide tiles, against the reference, every alpha.
     */
    @Test
    void shallowProductsPastL2MatchReference() {
        qt().withExamples(8).forAll(integers().between(64, 90), integers().between(1100, 1400), integers().between(180, 256), longs().all())
                .checkAssert((m, n, k, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    try (Arena arena = Arena.ofConfined()) {
                        Problem p = new Problem(arena, r, m, n, k, r.nextBoolean(), false, ALPHAS[r.nextInt(ALPHAS.length)], 0f);
                        p.runAndVerify();
                    }
                });
    }

    /**
     * Products the wide in-place tiles take, split over two or three threads where there are three (a shared arena):
     * by whole tiles of columns when two tiles wide or more, by ranges of rows when one tile wide
     * and tall; A transposed or not, every alpha, beta 0, against the reference.
     */
    @Test
    void wideTilesSplitOverThreadsMatchReference() {
        int before = WorkerPool.threads();
        int wide = 4 * FloatLanes.LANES;
        try {
            qt().withExamples(16).forAll(integers().between(0, 1), integers().between(0, 2 * wide + 30), integers().between(60, 200),
                    longs().all())
                    .checkAssert((tall, extra, k, seed) -> {
                        SplittableRandom r = new SplittableRandom(seed);
                        WorkerPool.setThreads(Math.min(2 + r.nextInt(2), Math.max(2, Runtime.getRuntime().availableProcessors())));
                        int m = tall == 1 ? 200 + extra : 40 + extra;
                        int n = tall == 1 ? wide + extra % FloatLanes.LANES : 2 * wide + extra;
                        try (Arena arena = Arena.ofShared()) {
                            Problem p = new Problem(arena, r, m, n, k, r.nextBoolean(), false, ALPHAS[r.nextInt(ALPHAS.length)], 0f);
                            p.runAndVerify();
                        }
                    });
        } finally {
            WorkerPool.setThreads(before);
        }
    }

    /**
     * Skinny products (at most 16 rows of A, a wide B, at most 768 deep; a few rows past that, packed) run unpacked, split by columns
     * over the pool when large enough (a shared arena): every alpha and beta, ragged columns.
     */
    @Test
    void skinnyProductsMatchReference() {
        qt().withExamples(40).forAll(integers().between(8, 20), integers().between(16, 700), integers().between(60, 768), longs().all())
                .checkAssert((m, n, k, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    try (Arena arena = r.nextBoolean() ? Arena.ofShared() : Arena.ofConfined()) {
                        Problem p = new Problem(arena, r, m, n, k, false, false,
                                ALPHAS[r.nextInt(ALPHAS.length)], BETAS[r.nextInt(BETAS.length)]);
                        p.runAndVerify();
                    }
                });
    }

    /**
     * Deep products of few rows and columns with B transposed, whose panels of B are packed in
     * transposed squares where the machine has them: whole panels in squares, the steps past the
     * last square and ragged last panels float by float, every alpha and beta, shared and
     * confined arenas.
     */
    @Test
    void deepProductsWithBTransposedMatchReference() {
        qt().withExamples(40).forAll(integers().between(1, 130), integers().between(1, 130), integers().between(256, 1100), longs().all())
                .checkAssert((m, n, k, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    try (Arena arena = r.nextBoolean() ? Arena.ofShared() : Arena.ofConfined()) {
                        Problem p = new Problem(arena, r, m, n, k, false, true,
                                ALPHAS[r.nextInt(ALPHAS.length)], BETAS[r.nextInt(BETAS.length)]);
                        p.runAndVerify();
                    }
                });
    }

    /** Small products deeper than one K block: the unpacked path accumulates its K blocks onto C. */
    @Test
    void smallProductsDeeperThanOneBlockMatchReference() {
        int kc = GemmBlocking.current().kc();
        qt().withExamples(60).forAll(integers().between(1, 20), integers().between(16, 40), integers().between(kc + 1, 2 * kc + 200), longs().all())
                .checkAssert((m, n, k, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    try (Arena arena = Arena.ofConfined()) {
                        Problem p = new Problem(arena, r, m, n, k, r.nextBoolean(), false,
                                ALPHAS[r.nextInt(ALPHAS.length)], BETAS[r.nextInt(BETAS.length)]);
                        p.runAndVerify();
                    }
                });
    }

    @Test
    void blockBoundariesAndThreadsMatchReference() {
        // past this machine's MC rows, KC depth and NC columns (GemmBlocking), A packed (N >= 128)
        // and read in place (narrower, rows left over in fours), and big enough to run in parallel;
        // depths of one K block deeper than KC, of two (2 KC + 1) and of three (4 KC + 3: blocks
        // of one depth, the last shorter); split by rows though wider than tall where the kernel
        // packs B (200 x 256: at most 1.5 columns per row)
        GemmBlocking blocking = GemmBlocking.current();
        int mc = blocking.mc();
        int kc = blocking.kc();
        int nc = blocking.nc();
        int[][] shapes = {{150, nc + 36, 260}, {1, 1000, kc + 44}, {mc + 60, 33, 2 * kc + 1}, {7, 31, 1}, {145, 97, kc + 1},
            {mc + 13, 300, 70}, {mc + 11, 40, kc + 44}, {40, 300, 260}, {mc + 5, 70, 4 * kc + 3},
            {200, 256, 190}};
        SplittableRandom r = new SplittableRandom(11);
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                try (Arena arena = t % 2 == 0 ? Arena.ofShared() : Arena.ofConfined()) {   // parallel and serial
                    Problem p = new Problem(arena, r, s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0, 0.9f, t == 3 ? 0f : 0.5f);
                    p.runAndVerify();
                }
            }
        }
    }

    /**
     * Products past one block of A's rows and at least 64 columns wide, the blocks that run six-row
     * tiles where the core chooses them (always in the eight-lane execution): rows ragged against
     * six and against MC, every transpose, one thread and the pool (the twelve- and four-row tiles
     * of the other executions take the same cases).
     */
    @Test
    void wideBlocksPastMcMatchReference() {
        int mc = GemmBlocking.current().mc();
        qt().withExamples(24).forAll(integers().between(mc - 7, mc + 40), integers().between(64, 180), integers().between(1, 90),
                        longs().all())
                .checkAssert((m, n, k, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    try (Arena arena = r.nextBoolean() ? Arena.ofShared() : Arena.ofConfined()) {
                        new Problem(arena, r, m, n, k, r.nextBoolean(), r.nextBoolean(), ALPHAS[r.nextInt(ALPHAS.length)],
                                BETAS[r.nextInt(BETAS.length)]).runAndVerify();
                    }
                });
    }

    /**
     * A times an op(B) packed once ({@link PackedMatrixB}, a recurrent layer's weights): a range
     * of whole panels of columns, rows in every kind of tile (one row at a time below four, four-
     * and six-row tiles with 16 vector registers where the core takes six), A's rows any distance
     * apart, deeper than KC.
     */
    @Test
    void prepackedBMatchesReference() {
        int kc = GemmBlocking.current().kc();
        int panel = PrepackedSgemm.columnAlignment();
        qt().withExamples(60).forAll(integers().between(1, 70), integers().between(1, 150), integers().between(1, kc + 40),
                        longs().all())
                .checkAssert((m, n, k, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    try (Arena arena = Arena.ofConfined()) {
                        boolean transB = r.nextBoolean();
                        Problem p = new Problem(arena, r, m, n, k, false, transB, ALPHAS[r.nextInt(ALPHAS.length)],
                                BETAS[r.nextInt(BETAS.length)]);
                        PackedMatrixB packed = new PackedMatrixB();
                        packed.pack(transB, k, n, p.b, p.bOff, p.ldb);
                        // columns [j0, n): C outside them is untouched
                        int j0 = r.nextInt(n / panel + 1) * panel;
                        float[] before = p.c.asSlice(p.cOff * 4).toArray(F);
                        PrepackedSgemm.multiply(m, p.alpha, p.a, p.aOff, p.lda, packed, j0, n, p.beta, p.c, p.cOff, p.ldc);
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < n; j++) {
                                double got = p.c.getAtIndex(F, p.cOff + i * p.ldc + j);
                                if (j < j0) {
                                    assertThat(got).as("C[%d,%d] left of column %d", i, j, j0)
                                            .isEqualTo((double) before[(int) (i * p.ldc + j)]);
                                    continue;
                                }
                                double allowed = 2e-6 * (k + 2) * p.scale[i * n + j] + 1e-6;
                                if (!(Math.abs(got - p.want[i * n + j]) <= allowed)) {
                                    fail("C[" + i + "," + j + "] of " + p + " from column " + j0 + ": got " + got + ", want "
                                            + p.want[i * n + j]);
                                }
                            }
                        }
                    }
                });
    }

    /**
     * op(A) packed once ({@link PackedMatrixA}, as the Winograd convolution packs its filters) times
     * B: ragged rows and columns, more rows than MC, deeper than KC, one packing reused and grown.
     */
    @Test
    void prepackedAMatchesReference() {
        GemmBlocking blocking = GemmBlocking.current();
        PackedMatrixA packed = new PackedMatrixA();
        qt().withExamples(80).forAll(integers().between(1, blocking.mc() + 20), integers().between(1, 70),
                        integers().between(1, blocking.kc() + 40), longs().all())
                .checkAssert((m, n, k, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    int depth = r.nextInt(4) == 0 ? k : Math.min(k, 100);    // mostly shallow, some past KC
                    try (Arena arena = Arena.ofConfined()) {
                        Problem p = new Problem(arena, r, m, n, depth, r.nextBoolean(), false,
                                ALPHAS[r.nextInt(ALPHAS.length)], BETAS[r.nextInt(BETAS.length)]);
                        packed.pack(p.transA, m, depth, p.a, p.aOff, p.lda);
                        PrepackedSgemm.multiply(packed, n, p.alpha, p.b, p.bOff, p.ldb, p.beta, p.c, p.cOff, p.ldc);
                        p.verify();
                    }
                });
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(4 * 16);
            assertThatThrownBy(() -> new PackedMatrixA().pack(false, 2, 3, s, 0, 2))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lda must be >= max(1, K) = 3, got 2");
            PackedMatrixA a = new PackedMatrixA();
            a.pack(false, 2, 2, s, 0, 2);
            assertThatThrownBy(() -> PrepackedSgemm.multiply(a, 3, 1f, s, 0, 2, 0f, s, 0, 3))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ldb must be >= max(1, N) = 3, got 2");
            assertThatThrownBy(() -> PrepackedSgemm.multiply(a, 9, 1f, s, 0, 9, 0f, s, 0, 9))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("B needs elements up to index 17");
        }
    }

    /**
     * Gathered B (rows anywhere in a segment, as the implicit convolution uses it), both
     * orientations; from 64 columns with 16 vector registers in six-row tiles.
     */
    @Test
    void gatheredRowsMatchReference() {
        qt().withExamples(120).forAll(integers().between(1, 130), integers().between(1, 90), integers().between(1, 40), longs().all())
                .checkAssert((m, n, k, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    boolean transB = r.nextBoolean();
                    try (Arena arena = Arena.ofShared()) {
                        int rows = transB ? n : k;
                        int len = transB ? k : n;
                        long pool = rows * 3L + len + 5;
                        MemorySegment a = arena.allocate((long) m * k * 4);
                        MemorySegment b = arena.allocate(pool * 4);
                        MemorySegment c = arena.allocate((long) m * n * 4);
                        for (long i = 0; i < (long) m * k; i++) {
                            a.setAtIndex(F, i, (float) r.nextGaussian());
                        }
                        for (long i = 0; i < pool; i++) {
                            b.setAtIndex(F, i, (float) r.nextGaussian());
                        }
                        long[] starts = new long[rows];
                        for (int i = 0; i < rows; i++) {
                            starts[i] = r.nextLong(pool - len + 1);          // rows may overlap, as a conv's taps do
                        }
                        Sgemm.sgemmGathered(false, transB, m, n, k, 1f, a, 0, k, b, starts, 0f, c, 0, n);
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < n; j++) {
                                double want = 0;
                                for (int p = 0; p < k; p++) {
                                    float bv = transB ? b.getAtIndex(F, starts[j] + p) : b.getAtIndex(F, starts[p] + j);
                                    want += (double) a.getAtIndex(F, (long) i * k + p) * bv;
                                }
                                Close.assertClose("C[" + i + "," + j + "]", c.getAtIndex(F, (long) i * n + j), want, 1e-4,
                                        1e-4 * Math.sqrt(k));
                            }
                        }
                        long[] bad = starts.clone();
                        bad[rows - 1] = pool - len + 1;
                        assertThatThrownBy(() -> Sgemm.sgemmGathered(false, transB, m, n, k, 1f, a, 0, k, b, bad, 0f, c, 0, n))
                                .hasMessageContaining("row " + (rows - 1) + " of B");
                    }
                });
    }

    @Test
    void betaZeroIgnoresNanInC() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocateFrom(F, 1, 2, 3, 4);
            MemorySegment b = arena.allocateFrom(F, 1, 0, 0, 1);
            MemorySegment c = arena.allocateFrom(F, Float.NaN, Float.NaN, Float.NaN, Float.NaN);
            Sgemm.sgemm(false, false, 2, 2, 2, 1f, a, 0, 2, b, 0, 2, 0f, c, 0, 2);
            assertThat(c.toArray(F)).containsExactly(1, 2, 3, 4);
            MemorySegment d = arena.allocateFrom(F, Float.NaN, 5f);
            Sgemm.sgemm(false, false, 1, 2, 0, 1f, a, 0, 1, b, 0, 2, 0f, d, 0, 2);
            assertThat(d.toArray(F)).containsExactly(0f, 0f);
        }
    }

    @Test
    void invalidArgumentsAreRejectedBeforeAnyWork() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(4 * 16);
            assertThatThrownBy(() -> Sgemm.sgemm(false, false, 2, 2, 3, 1f, s, 0, 2, s, 0, 2, 0f, s, 0, 2))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lda must be >= max(1, K) = 3, got 2");
            assertThatThrownBy(() -> Sgemm.sgemm(true, false, 4, 2, 2, 1f, s, 0, 3, s, 0, 2, 0f, s, 0, 2))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lda must be >= max(1, M (transA)) = 4, got 3");
            assertThatThrownBy(() -> Sgemm.sgemm(false, false, 2, 2, 2, 1f, s, 0, 2, s, 0, 2, 0f, s, 0, 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ldc must be >= max(1, N) = 2, got 1");
            assertThatThrownBy(() -> Sgemm.sgemm(false, false, 5, 4, 4, 1f, s, 0, 4, s, 0, 4, 0f, s, 0, 4))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("A needs elements up to index 19");
            assertThatThrownBy(() -> Sgemm.sgemm(false, false, -1, 2, 2, 1f, s, 0, 2, s, 0, 2, 0f, s, 0, 2))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("M must be >= 0, got -1");
        }
    }

    @Test
    void stridedBatchedEqualsOneCallPerMatrix() {
        SplittableRandom r = new SplittableRandom(5);
        int batch = 7, m = 9, n = 20, k = 13;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = Problem.fill(arena, r, (long) batch * m * k);
            MemorySegment b = Problem.fill(arena, r, (long) batch * k * n);
            MemorySegment c1 = Problem.fill(arena, r, (long) batch * m * n);
            MemorySegment c2 = arena.allocate(c1.byteSize(), 64).copyFrom(c1);
            SgemmBatched.sgemm(false, true, m, n, k, 1.5f, a, 0, k, (long) m * k, b, 0, k, (long) k * n,
                    0.5f, c1, 0, n, (long) m * n, batch);
            for (int i = 0; i < batch; i++) {
                Sgemm.sgemm(false, true, m, n, k, 1.5f, a, (long) i * m * k, k, b, (long) i * k * n, k,
                        0.5f, c2, (long) i * m * n, n);
            }
            assertThat(c1.toArray(F)).containsExactly(c2.toArray(F));
        }
    }

    /**
     * Rows large enough to be split over two threads (shared segments, N K >= 32K): each
     * thread's range of outputs has the bits of the one-thread product, with B transposed or not;
     * with a few rows, the one-thread product takes two rows per pass over B where it can, the
     * two-thread one splits each row.
     */
    @Test
    void fewRowsSplitOverThreadsEqualOneThread() {
        SplittableRandom r = new SplittableRandom(8);
        int threads = WorkerPool.threads();
        try (Arena arena = Arena.ofShared()) {
            for (int[] nk : new int[][] {{120, 400}, {100, 700}, {257, 130}, {33, 1000}}) {
                for (boolean transB : new boolean[] {true, false}) {
                    for (int m : transB ? new int[] {1, 3, 6} : new int[] {1, 3}) {
                        int n = nk[0], k = nk[1];
                        float beta = r.nextBoolean() ? 0f : 0.5f;
                        MemorySegment a = Problem.fill(arena, r, (long) m * k + 3);
                        MemorySegment b = Problem.fill(arena, r, (long) n * k + 5);
                        MemorySegment c1 = Problem.fill(arena, r, (long) m * n + 2);
                        MemorySegment c2 = arena.allocate(c1.byteSize(), 64).copyFrom(c1);
                        long ldb = transB ? k : n;
                        WorkerPool.setThreads(1);
                        Sgemm.sgemm(false, transB, m, n, k, 1.25f, a, 1, k, b, 2, ldb, beta, c1, 1, n);
                        WorkerPool.setThreads(2);
                        Sgemm.sgemm(false, transB, m, n, k, 1.25f, a, 1, k, b, 2, ldb, beta, c2, 1, n);
                        assertThat(c2.toArray(F)).as("m %d, n %d, k %d, transB %s", m, n, k, transB)
                                .containsExactly(c1.toArray(F));
                    }
                }
            }
        } finally {
            WorkerPool.setThreads(threads);
        }
    }

    /** A batch large enough to be split over two threads (shared segments): each thread's share equals one call per matrix. */
    @Test
    void stridedBatchedSplitOverThreadsEqualsOneCallPerMatrix() {
        SplittableRandom r = new SplittableRandom(6);
        int batch = 5, m = 70, n = 64, k = 60;
        int threads = WorkerPool.threads();
        WorkerPool.setThreads(2);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment a = Problem.fill(arena, r, (long) batch * k * m);
            MemorySegment b = Problem.fill(arena, r, (long) batch * k * n);
            MemorySegment c1 = Problem.fill(arena, r, (long) batch * m * n);
            MemorySegment c2 = arena.allocate(c1.byteSize(), 64).copyFrom(c1);
            SgemmBatched.sgemm(true, false, m, n, k, 0.75f, a, 0, m, (long) k * m, b, 0, n, (long) k * n,
                    -1f, c1, 0, n, (long) m * n, batch);
            for (int i = 0; i < batch; i++) {
                Sgemm.sgemm(true, false, m, n, k, 0.75f, a, (long) i * k * m, m, b, (long) i * k * n, n,
                        -1f, c2, (long) i * m * n, n);
            }
            assertThat(c1.toArray(F)).containsExactly(c2.toArray(F));
        } finally {
            WorkerPool.setThreads(threads);
        }
    }

    /**
     * A transposed view reaches the GEMM as {@code op(B) = B} where the contiguous copy is
     * {@code op(B) = B^T}: two kernels, whose sums over the 7 products run in different orders
     * (a few-row product with B transposed is one dot product per output), so the two agree to
     * float rounding, not to the bit, and each matches the double-precision product.
     */
    @Test
    void transposedViewsGoToGemmWithoutCopies() {
        SplittableRandom r = new SplittableRandom(3);
        try (Arena arena = Arena.ofConfined()) {
            float[] xs = Arrays2.uniform(r, 5 * 7, -1, 1);
            float[] ws = Arrays2.uniform(r, 7 * 3, -1, 1);
            Tensor x = Tensor.of(arena, xs, 5, 7);
            Tensor w = Tensor.of(arena, ws, 7, 3);
            float[] viaView = LinearAlgebra.linear(x, w.transpose(0, 1), null, arena).toFloatArray();
            float[] viaCopy = LinearAlgebra.linear(x, w.transpose(0, 1).contiguous(arena), null, arena).toFloatArray();
            for (int i = 0; i < 5; i++) {
                for (int j = 0; j < 3; j++) {
                    double exact = 0;
                    for (int k = 0; k < 7; k++) {
                        exact += (double) xs[i * 7 + k] * ws[k * 3 + j];
                    }
                    assertThat((double) viaView[i * 3 + j]).as("view (%d, %d)", i, j).isCloseTo(exact, within(1e-6));
                    assertThat((double) viaCopy[i * 3 + j]).as("copy (%d, %d)", i, j).isCloseTo(exact, within(1e-6));
                }
            }
        }
    }
}
