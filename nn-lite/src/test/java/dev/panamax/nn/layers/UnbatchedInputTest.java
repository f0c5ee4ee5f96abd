package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.Tensor;

/**
 * PyTorch's unbatched inputs: one image {@code [C, H, W]} to the convolutions and pools, one
 * feature vector {@code [in]} to Linear, one sequence {@code [T, I]} to the recurrent layers and
 * {@code [T, E]} to attention and the transformer encoder. Each must give exactly the batch of
 * one's output and gradients, without the batch dimension.
 */
class UnbatchedInputTest {

    private static final SplittableRandom RNG = new SplittableRandom(11);

    @Test
    void oneImageRunsAsABatchOfOneThroughConvolutionsAndPools() {
        assertSameAsBatchOfOne(() -> new Conv2d(3, 4, 3, 1, 1), 3, 8, 8);
        assertSameAsBatchOfOne(() -> new ConvTranspose2d(3, 4, 3, 2, 1), 3, 5, 5);
        assertSameAsBatchOfOne(() -> new DepthwiseSeparableConv2d(3, 6, 3, 1, 1), 3, 7, 7);
        assertSameAsBatchOfOne(() -> new MaxPool2d(2), 3, 8, 8);
        assertSameAsBatchOfOne(() -> new MinPool2d(PoolWindow.of(3, 2, 1)), 2, 7, 9);
        assertSameAsBatchOfOne(() -> new AvgPool2d(2), 3, 8, 6);
        assertSameAsBatchOfOne(() -> new Sequential().add("conv", new Conv2d(1, 6, 5, 1, 2))
                .add("relu", ActivationLayer.relu()).add("pool", new MaxPool2d(2)), 1, 28, 28);
    }

    @Test
    void oneFeatureVectorRunsThroughLinear() {
        assertSameAsBatchOfOne(() -> new Linear(5, 4), 5);
    }

    @Test
    void oneImageInInferenceTakesTheUnfusedPathWithTheSameValues() {
        Init.manualSeed(5);
        Sequential net = new Sequential().add("conv", new Conv2d(1, 6, 5, 1, 2)).add("relu", ActivationLayer.relu())
                .add("pool", new AvgPool2d(2));
        net.eval();
        try (Arena arena = Arena.ofConfined(); var scope = InferenceMode.enter()) {
            Tensor image = random(arena, 1, 28, 28);
            Tensor one = net.forward(image, arena);
            Tensor batch = net.forward(image.unsqueeze(0), arena);
            assertThat(one.shape()).containsExactly(6, 14, 14);
            assertThat(one.toFloatArray()).containsExactly(batch.toFloatArray());
        }
    }

    @Test
    void oneSequenceRunsThroughRecurrentLayersWithStatesWithoutTheBatchDimension() {
        RecurrentOptions twoBidirectional = RecurrentOptions.defaults().layers(2).bidirectional(true);
        try (Arena arena = Arena.ofConfined()) {
            for (boolean batchFirst : new boolean[] {false, true}) {
                Init.manualSeed(7);
                LSTM one = new LSTM(5, 3, twoBidirectional.batchFirst(batchFirst));
                Init.manualSeed(7);
                LSTM batch = new LSTM(5, 3, twoBidirectional.batchFirst(batchFirst));
                Tensor x = random(arena, 4, 5);                   // [T, I] whether batch first or not
                Tensor h0 = random(arena, 4, 3);
                Tensor c0 = random(arena, 4, 3);
                Recurrent.Output o = one.forward(x, h0, c0, null, arena);
                int batchDim = batchFirst ? 0 : 1;
                Recurrent.Output ob = batch.forward(x.unsqueeze(batchDim), h0.unsqueeze(1), c0.unsqueeze(1), null, arena);
                assertThat(o.y().shape()).containsExactly(4, 6);
                assertThat(o.hn().shape()).containsExactly(4, 3);
                assertThat(o.cn().shape()).containsExactly(4, 3);
                assertThat(o.y().toFloatArray()).containsExactly(ob.y().toFloatArray());
                assertThat(o.hn().toFloatArray()).containsExactly(ob.hn().toFloatArray());
                assertThat(o.cn().toFloatArray()).containsExactly(ob.cn().toFloatArray());

                Tensor gy = random(arena, 4, 6);
                Tensor ghn = random(arena, 4, 3);
                Recurrent.Gradients g = one.backward(gy, ghn, null, arena);
                Recurrent.Gradients gb = batch.backward(gy.unsqueeze(batchDim), ghn.unsqueeze(1), null, arena);
                assertThat(g.x().shape()).containsExactly(4, 5);
                assertThat(g.h0().shape()).containsExactly(4, 3);
                assertThat(g.x().toFloatArray()).containsExactly(gb.x().toFloatArray());
                assertThat(g.h0().toFloatArray()).containsExactly(gb.h0().toFloatArray());
                assertThat(g.c0().toFloatArray()).containsExactly(gb.c0().toFloatArray());
                assertSameGradients(one, batch);
            }
            GRU gru = new GRU(5, 3);
            assertThat(gru.forward(random(arena, 6, 5), arena).shape()).containsExactly(6, 3);
            // a batched input after an unbatched one is batched again, backward included
            Tensor y = gru.forward(random(arena, 6, 2, 5), arena);
            assertThat(gru.backward(y, arena).shape()).containsExactly(6, 2, 5);
        }
    }

    @Test
    void oneSequenceRunsThroughMultiHeadAttention() {
        assertSameAsBatchOfOne(() -> new MultiHeadAttention(8, 2), 5, 8);     // self-attention, Layer's forward
        TransformerOptions encoder = TransformerOptions.of(8, 2).dimFeedforward(16).dropout(0f).batchFirst(true);
        assertSameAsBatchOfOne(() -> new TransformerEncoder(encoder, 2, true), 5, 8);
        try (Arena arena = Arena.ofConfined()) {
            for (boolean batchFirst : new boolean[] {true, false}) {
                Init.manualSeed(9);
                MultiHeadAttention one = new MultiHeadAttention(8, 2, true, batchFirst, Init.generator());
                Init.manualSeed(9);
                MultiHeadAttention batch = new MultiHeadAttention(8, 2, true, batchFirst, Init.generator());
                int d = batchFirst ? 0 : 1;
                Tensor query = random(arena, 3, 8);
                Tensor memory = random(arena, 5, 8);
                Tensor padding = Tensor.ofLongs(arena, new long[] {0, 0, 1, 0, 1}, 5);
                Tensor mask = random(arena, 3, 5);
                Tensor y = one.forward(query, memory, memory, padding, mask, false, arena);
                Tensor memoryBatch = memory.unsqueeze(d);     // key and value one tensor, as unbatched: one gradient
                Tensor yb = batch.forward(query.unsqueeze(d), memoryBatch, memoryBatch, padding.unsqueeze(0), mask, false, arena);
                assertThat(y.shape()).containsExactly(3, 8);
                assertThat(y.toFloatArray()).containsExactly(yb.toFloatArray());
                Tensor gy = random(arena, 3, 8);
                MultiHeadAttention.Gradients g = one.backwardAll(gy, arena);
                MultiHeadAttention.Gradients gb = batch.backwardAll(gy.unsqueeze(d), arena);
                assertThat(g.query().shape()).containsExactly(3, 8);
                assertThat(g.key().shape()).containsExactly(5, 8);
                assertThat(g.key()).isSameAs(g.value());
                assertThat(g.query().toFloatArray()).containsExactly(gb.query().toFloatArray());
                assertThat(g.key().toFloatArray()).containsExactly(gb.key().toFloatArray());
                assertSameGradients(one, batch);
                assertThatThrownBy(() -> one.forward(query, memory.unsqueeze(d), memory.unsqueeze(d), null, null, false, arena))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unbatched key and value");
            }
        }
    }

    @Test
    void oneTargetSequenceRunsThroughTheDecoderOverOneMemory() {
        TransformerOptions options = TransformerOptions.of(8, 2).dimFeedforward(16).dropout(0f);   // sequence first
        Init.manualSeed(4);
        TransformerDecoderLayer one = new TransformerDecoderLayer(options);
        Init.manualSeed(4);
        TransformerDecoderLayer batch = new TransformerDecoderLayer(options);
        try (Arena arena = Arena.ofConfined()) {
            Tensor target = random(arena, 3, 8);
            Tensor memory = random(arena, 5, 8);
            Tensor padding = Tensor.ofLongs(arena, new long[] {0, 0, 0, 1, 1}, 5);
            Tensor y = one.forward(target, memory, null, padding, true, arena);
            Tensor yb = batch.forward(target.unsqueeze(1), memory.unsqueeze(1), null, padding.unsqueeze(0), true, arena);
            assertThat(y.shape()).containsExactly(3, 8);
            assertThat(y.toFloatArray()).containsExactly(yb.toFloatArray());
            Tensor gy = random(arena, 3, 8);
            TransformerDecoderLayer.Gradients g = one.backwardAll(gy, arena);
            TransformerDecoderLayer.Gradients gb = batch.backwardAll(gy.unsqueeze(1), arena);
            assertThat(g.x().shape()).containsExactly(3, 8);
            assertThat(g.memory().shape()).containsExactly(5, 8);
            assertThat(g.x().toFloatArray()).containsExactly(gb.x().toFloatArray());
            assertThat(g.memory().toFloatArray()).containsExactly(gb.memory().toFloatArray());
            assertSameGradients(one, batch);
            assertThatThrownBy(() -> one.forward(target, memory.unsqueeze(1), null, null, false, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("both batched or both unbatched");
        }
    }

    @Test
    void unbatchedMisuseIsRefusedByName() {
        try (Arena arena = Arena.ofConfined()) {
            LSTM lstm = new LSTM(5, 3);
            Tensor x = Tensor.zeros(arena, 4, 5);
            assertThatThrownBy(() -> lstm.forward(x, Tensor.zeros(arena, 1, 1, 3), null, null, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("h0 must be [L D, H] = [1, 3]");
            assertThatThrownBy(() -> lstm.forward(x, null, null, Tensor.ofLongs(arena, new long[] {4}, 1), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unbatched");
            assertThatThrownBy(() -> new Conv2d(3, 4, 3).forward(Tensor.zeros(arena, 4, 8, 8), arena))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("[*, 3, *, *] or, unbatched, [3, *, *], got FLOAT32 [4, 8, 8]");
            assertThatThrownBy(() -> new MaxPool2d(2).forward(Tensor.zeros(arena, 8, 8), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[8, 8]");
        }
    }

    /**
     * Runs a fresh layer on one sample of {@code shape} and another, identically initialised, on
     * that sample as a batch of one: same output and input gradient bits, same parameter gradients.
     */
    private static void assertSameAsBatchOfOne(Supplier<Layer> make, long... shape) {
        Init.manualSeed(3);
        Layer one = make.get();
        Init.manualSeed(3);
        Layer batch = make.get();
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = random(arena, shape);
            Tensor y = one.forward(x, arena);
            Tensor yb = batch.forward(x.unsqueeze(0), arena);
            assertThat(yb.size(0)).isEqualTo(1);
            assertThat(y.shape()).containsExactly(yb.select(0, 0).shape());
            assertThat(y.toFloatArray()).containsExactly(yb.toFloatArray());
            Tensor gy = random(arena, y.shape());
            Tensor gx = one.backward(gy, arena);
            Tensor gxb = batch.backward(gy.unsqueeze(0), arena);
            assertThat(gx.shape()).containsExactly(shape);
            assertThat(gx.toFloatArray()).containsExactly(gxb.toFloatArray());
            assertSameGradients(one, batch);
        }
    }

    private static void assertSameGradients(Block one, Block batch) {
        List<Parameter> a = new ArrayList<>(one.namedParameters().values());
        List<Parameter> b = new ArrayList<>(batch.namedParameters().values());
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.get(i).grad().toFloatArray()).as(a.get(i).name()).containsExactly(b.get(i).grad().toFloatArray());
        }
    }

    private static Tensor random(Arena arena, long... shape) {
        Tensor t = Tensor.zeros(arena, shape);
        Init.normal(t, 0, 1, RNG);
        return t;
    }
}
