package dev.panamax.nn.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

import dev.panamax.nn.tensor.Tensor;

class DataTest {

    @Test
    void bundledMnistHasTheDocumentedSplit() throws IOException {
        Dataset[] mnist = Bundled.mnist();
        assertThat(mnist[0].size()).isEqualTo(8000);
        assertThat(mnist[1].size()).isEqualTo(2000);
        assertThat(mnist[0].sampleShape()).containsExactly(1, 28, 28);
        assertThat(java.util.Arrays.stream(mnist[1].classCounts()).min().orElse(0)).isGreaterThan(150);
        float max = 0;
        for (float v : mnist[0].features()) {
            max = Math.max(max, v);
        }
        assertThat(max).isEqualTo(1f);
    }

    @Test
    void idxRejectsWrongMagicTruncationAndTrailingBytes() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16 + 2 * 4);
        b.putInt(Idx.IMAGES_MAGIC).putInt(2).putInt(2).putInt(2).put(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        byte[] good = b.array();
        Idx.Images img = Idx.readImages(new ByteArrayInputStream(gzip(good)), "gz");
        assertThat(img.pixels()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        assertThatThrownBy(() -> Idx.readImages(new ByteArrayInputStream(java.util.Arrays.copyOf(good, 20)), "cut"))
                .hasMessageContaining("truncated").hasMessageContaining("declares 8 bytes").hasMessageContaining("ends after 4");
        // a header that declares 100 million images of 4096 x 4096 over 8 bytes: no allocation of what it claims
        byte[] lying = java.util.Arrays.copyOf(good, good.length);
        java.nio.ByteBuffer.wrap(lying).putInt(4, 1000).putInt(8, 4096).putInt(12, 4096);
        assertThatThrownBy(() -> Idx.readImages(new ByteArrayInputStream(lying), "lying"))
                .hasMessageContaining("lying").hasMessageContaining("declares 16777216000 bytes");
        java.nio.ByteBuffer.wrap(lying).putInt(4, 100).putInt(8, 1024).putInt(12, 1024);
        assertThatThrownBy(() -> Idx.readImages(new ByteArrayInputStream(lying), "lying"))
                .hasMessageContaining("declares 104857600 bytes").hasMessageContaining("ends after 8");
        assertThatThrownBy(() -> Idx.readLabels(new ByteArrayInputStream(good), "img"))
                .hasMessageContaining("not an IDX label file");
        assertThatThrownBy(() -> Idx.readImages(new ByteArrayInputStream(java.util.Arrays.copyOf(good, 25)), "long"))
                .hasMessageContaining("trailing bytes");
        assertThatThrownBy(() -> Idx.readImages(new ByteArrayInputStream(new byte[] {0, 0, 8}), "tiny"))
                .hasMessageContaining("truncated IDX header");
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    @Test
    void csvTypesColumnsAndKeepsMissingValues() throws IOException {
        String text = "age,colour,score\n30,red,1.5\n,blue,NA\n41,,2.5\n";
        Csv.Table t = Csv.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), Csv.Options.withHeader(), "t");
        assertThat(t.names()).containsExactly("age", "colour", "score");
        assertThat(t.rows()).isEqualTo(3);
        assertThat(t.isNumeric(0)).isTrue();
        assertThat(t.isNumeric(1)).isFalse();
        assertThat(t.column(0)).containsExactly(30, Double.NaN, 41);
        assertThat(t.categorical().get(1)).containsExactly("red", "blue", null);
        assertThatThrownBy(() -> Csv.read(new ByteArrayInputStream("1,2\n3\n".getBytes(StandardCharsets.UTF_8)),
                Csv.Options.noHeader(), "bad")).hasMessageContaining("line 2 has 1 fields, expected 2");
        Csv.Table spaced = Csv.read(new ByteArrayInputStream("1 2  3\n4 5 6\n".getBytes(StandardCharsets.UTF_8)),
                Csv.Options.noHeader(), "s");
        assertThat(spaced.column(2)).containsExactly(3, 6);
    }

    @Test
    void csvRefusesEndlessLinesAndOpenQuotesAndReadsEveryLineEnd() throws IOException {
        byte[] endless = new byte[Csv.MAX_LINE_CHARS + 10];
        java.util.Arrays.fill(endless, (byte) '7');
        assertThatThrownBy(() -> Csv.read(new ByteArrayInputStream(endless), Csv.Options.noHeader(), "blob.csv"))
                .isInstanceOf(IOException.class).hasMessageContaining("blob.csv: line 1 is longer than");
        assertThatThrownBy(() -> Csv.read(new ByteArrayInputStream("a,b\n1,\"x\n".getBytes(StandardCharsets.UTF_8)),
                Csv.Options.withHeader(), "q.csv")).isInstanceOf(IOException.class)
                .hasMessageContaining("q.csv: line 2 ends inside a quoted field");
        Csv.Table mixed = Csv.read(new ByteArrayInputStream("1,2\r\n3,4\r5,6\n7,\"8\"".getBytes(StandardCharsets.UTF_8)),
                Csv.Options.noHeader(), "m");
        assertThat(mixed.column(1)).containsExactly(2, 4, 6, 8);
        assertThat(Csv.read(new ByteArrayInputStream("1\n3\n".getBytes(StandardCharsets.UTF_8)),
                Csv.Options.noHeader().skip(1), "s").column(0)).containsExactly(3);
    }

    @Test
    void oneHotEncodingLearnsCategoriesAndIgnoresUnknownOnes() throws IOException {
        Csv.Table train = Csv.read(new ByteArrayInputStream("size,colour\n1,red\n2,blue\n3,red\n".getBytes(StandardCharsets.UTF_8)),
                Csv.Options.withHeader(), "train");
        Csv.Table test = Csv.read(new ByteArrayInputStream("size,colour\n4,green\n5,blue\n,\n".getBytes(StandardCharsets.UTF_8)),
                Csv.Options.withHeader(), "test");
        OneHotEncoder enc = new OneHotEncoder().fit(train);
        assertThat(enc.featureNames()).containsExactly("size", "colour=blue", "colour=red");
        assertThat(enc.transform(train)).containsExactly(1, 0, 1, 2, 1, 0, 3, 0, 1);
        assertThat(enc.transform(test)).containsExactly(4, 0, 0, 5, 1, 0, Float.NaN, 0, 0);
        assertThat(enc.categories()).containsEntry("colour", java.util.List.of("blue", "red"));
    }

    @Test
    void imputerClipperAndPcaLearnFromTrainingData() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.of(arena, new float[] {1, Float.NaN, 3, 10, Float.NaN, 10, 7, 20}, 4, 2);
            assertThat(new Imputer(Imputer.Strategy.MEAN, 0).fitTransform(x, arena).toFloatArray())
                    .containsExactly(1, 40f / 3, 3, 10, 11f / 3, 10, 7, 20);
            assertThat(new Imputer(Imputer.Strategy.MEDIAN, 0).fit(x).fillValues()).containsExactly(3, 10);
            assertThat(new Imputer(Imputer.Strategy.MOST_FREQUENT, 0).fit(x).fillValues()).containsExactly(1, 10);
            Preprocessor restored = Preprocessor.restore(new Imputer(Imputer.Strategy.CONSTANT, -1).fit(x).state());
            assertThat(restored.transform(x, arena).toFloatArray()[1]).isEqualTo(-1f);

            float[] col = new float[101];
            for (int i = 0; i <= 100; i++) {
                col[i] = i;
            }
            Tensor c = Tensor.of(arena, col, 101, 1);
            float[] clipped = OutlierClipper.quantiles(0.1, 0.9).fitTransform(c, arena).toFloatArray();
            assertThat(clipped[0]).isEqualTo(10f);
            assertThat(clipped[100]).isEqualTo(90f);
            assertThat(clipped[50]).isEqualTo(50f);

            SplittableRandom rnd = new SplittableRandom(1);
            float[] d = new float[500 * 3];
            for (int i = 0; i < 500; i++) {
                double a = rnd.nextGaussian() * 3;
                double b = rnd.nextGaussian();
                d[i * 3] = (float) a;
                d[i * 3 + 1] = (float) (a + 0.1 * b);
                d[i * 3 + 2] = (float) b;
            }
            Tensor data = Tensor.of(arena, d, 500, 3);
            Tensor p = Whitening.pca(0, 2).fitTransform(data, arena);
            assertThat(p.shape()).containsExactly(500, 2);
            float[] pv = p.toFloatArray();
            double s00 = 0;
            double s01 = 0;
            for (int i = 0; i < 500; i++) {
                s00 += pv[i * 2] * pv[i * 2];
                s01 += pv[i * 2] * pv[i * 2 + 1];
            }
            assertThat(s00 / 500).isCloseTo(1, Offset.offset(1e-3));
            assertThat(s01 / 500).isCloseTo(0, Offset.offset(1e-3));
            Preprocessor again = Preprocessor.restore(Whitening.pca(0, 2).fit(data).state());
            assertThat(again.transform(data, arena).toFloatArray()).containsExactly(pv, Offset.offset(1e-5f));
        }
    }

    @Test
    void imagePreprocessing() {
        float[] img = {0, 0.1f, 0.1f, 0.2f};
        Images.equalizeHistogram(img, 1, 2, 2, 256);
        assertThat(img).containsExactly(0f, 2f / 3, 2f / 3, 1f);
        float[] grad = {0, 1, 2, 3};
        assertThat(Images.resize(grad, 1, 1, 4, 1, 2)).containsExactly(0.5f, 2.5f);
        assertThat(Images.resize(grad, 1, 2, 2, 4, 4)[0]).isEqualTo(0f);
        float[] two = {1, 3, 5, 7};
        float[][] st = Images.channelStatistics(two, 1, 2, 1, 2);
        Images.normalize(two, 1, 2, 1, 2, st[0], st[1]);
        assertThat(two).containsExactly(-1, 1, -1, 1);
    }

    @Test
    void augmentationIsSeededAndKeepsShapes() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(2 * 28 * 28 * 4L);
            MemorySegment b = arena.allocate(2 * 28 * 28 * 4L);
            for (int i = 0; i < 2 * 28 * 28; i++) {
                float v = (i % 28 > 8 && i % 28 < 20) ? 1f : 0f;
                a.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, v);
                b.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, v);
            }
            ImageAugmentation aug = ImageAugmentation.none().crop(2).rotate(10).flip(0.5);
            aug.apply(a, 2, new long[] {1, 28, 28}, new SplittableRandom(5));
            aug.apply(b, 2, new long[] {1, 28, 28}, new SplittableRandom(5));
            assertThat(a.mismatch(b)).isEqualTo(-1);
            ImageAugmentation flipOnly = ImageAugmentation.none().flip(1);
            MemorySegment c = arena.allocate(4 * 4L);
            for (int i = 0; i < 4; i++) {
                c.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, i);
            }
            flipOnly.apply(c, 1, new long[] {1, 2, 2}, new SplittableRandom(1));
            assertThat(c.toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT)).containsExactly(1, 0, 3, 2);
        }
    }

    @Test
    void loaderShufflesBySeedAndEpochAndCoversEverySample() {
        float[] f = new float[10];
        long[] l = new long[10];
        for (int i = 0; i < 10; i++) {
            f[i] = i;
            l[i] = i % 2;
        }
        Dataset d = new Dataset(f, new long[] {1}, l, null, 2, null);
        try (DataLoader a = new DataLoader(d, 4, true, 7, null); DataLoader b = new DataLoader(d, 4, true, 7, null)) {
            assertThat(a.batchesPerEpoch()).isEqualTo(3);
            java.util.List<Float> seen = new java.util.ArrayList<>();
            java.util.List<Float> again = new java.util.ArrayList<>();
            a.epoch(3).forEachRemaining(batch -> {
                for (float v : batch.x().toFloatArray()) {
                    seen.add(v);
                }
                assertThat(batch.y().toLongArray()[0]).isEqualTo((long) batch.x().toFloatArray()[0] % 2);
            });
            b.epoch(3, 1).forEachRemaining(batch -> {
                for (float v : batch.x().toFloatArray()) {
                    again.add(v);
                }
            });
            assertThat(seen).containsExactlyInAnyOrder(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f).isNotEqualTo(java.util.List.of(
                    0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f));
            assertThat(again).isEqualTo(seen.subList(4, 10));
        }
    }

    @Test
    void shardsSplitEachGlobalBatchDisjointlyWithEqualStepsAndTheSameAugmentation() {
        int n = 23;                                      // global batches of 3 x 2 rows: 3 full, then 5 rows cut to 3
        float[] f = new float[n];
        long[] l = new long[n];
        for (int i = 0; i < n; i++) {
            f[i] = i;
        }
        Dataset d = new Dataset(f, new long[] {1}, l, null, 2, null);
        // adds a random offset in [0, 1) per row: equal only if each row's generator is the same
        DataLoader.BatchTransform jitter = (x, rows, shape, rnd) -> {
            for (int r = 0; r < rows; r++) {
                x.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, r,
                        x.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, r) + (float) rnd.nextDouble());
            }
        };
        DataLoader.Options base = DataLoader.Options.batches(2).shuffled(5).transform(jitter);
        try (DataLoader whole = new DataLoader(d, DataLoader.Options.batches(6).shuffled(5).transform(jitter));
             DataLoader r0 = new DataLoader(d, base.shard(0, 3));
             DataLoader r1 = new DataLoader(d, base.shard(1, 3));
             DataLoader r2 = new DataLoader(d, base.shard(2, 3))) {
            assertThat(r0.batchesPerEpoch()).isEqualTo(4).isEqualTo(r1.batchesPerEpoch()).isEqualTo(r2.batchesPerEpoch());
            var w = whole.epoch(2);
            var i0 = r0.epoch(2);
            var i1 = r1.epoch(2);
            var i2 = r2.epoch(2);
            java.util.Set<Integer> rows = new java.util.HashSet<>();
            for (int b = 0; b < 4; b++) {
                float[] global = w.next().x().toFloatArray();
                float[] joined = concat(i0.next().x().toFloatArray(), i1.next().x().toFloatArray(), i2.next().x().toFloatArray());
                if (b < 3) {
                    assertThat(joined).as("batch %d: the shards joined are the global batch, augmentation included", b)
                            .isEqualTo(global);
                } else {
                    assertThat(joined).as("the last, cut to a multiple of 3").hasSize(3)
                            .isEqualTo(java.util.Arrays.copyOf(global, 3));
                }
                for (float v : joined) {
                    assertThat(rows.add((int) v)).as("row %d seen twice", (int) v).isTrue();
                }
            }
            assertThat(rows).hasSize(21);
        }
        assertThatThrownBy(() -> DataLoader.Options.batches(2).shard(3, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rank 3 of 3");
    }

    private static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) {
            n += p.length;
        }
        float[] out = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
