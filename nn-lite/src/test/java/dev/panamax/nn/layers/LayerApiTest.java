package dev.panamax.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panamax.kernels.conv.Conv2dPlan;
import dev.panamax.kernels.conv.ConvAlgorithm;
import dev.panamax.kernels.conv.ConvTranspose2dPlan;
import dev.panamax.nn.io.SafeTensors;
import dev.panamax.nn.io.StateDicts;
import dev.panamax.nn.models.Models;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.optim.LrScheduler;
import dev.panamax.nn.optim.Schedule;
import dev.panamax.nn.optim.Sgd;
import dev.panamax.nn.tensor.StepArena;
import dev.panamax.nn.tensor.Tensor;

class LayerApiTest {

    private static Tensor random(Arena arena, long seed, long... shape) {
        Tensor t = Tensor.zeros(arena, shape);
        Init.normal(t, 0, 1, new SplittableRandom(seed));
        return t;
    }

    /**
     * Layers keep what they worked out for the last input (a plan, a pooling window, a flattened
     * view) so that a steady-state step in an arena that reuses tensors makes no object; a change
     * of input shape, or of the tensor handed in, must not serve a stale one.
     */
    @Test
    void layersThatKeepPerShapeStateFollowEachNewInput() {
        Init.manualSeed(5);
        Sequential model = new Sequential().add("conv", new Conv2d(2, 4, 3, 1, 1)).add("pool", new MaxPool2d(2))
                .add("flat", new Flatten());
        model.eval();
        long[][] shapes = {{2, 2, 8, 8}, {2, 2, 8, 8}, {3, 2, 6, 10}, {2, 2, 8, 8}, {1, 2, 4, 4}};
        try (StepArena step = StepArena.reusingTensors(); Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < shapes.length; i++) {
                Tensor x = random(arena, 10 + i, shapes[i]);
                step.reset();
                float[] reused = model.forward(x, step).toFloatArray();
                Tensor fresh = model.forward(x, arena);        // an arena that allocates anew: nothing to recycle
                assertThat(fresh.shape()).containsExactly(shapes[i][0], 4 * (shapes[i][2] / 2) * (shapes[i][3] / 2));
                assertThat(reused).as("input %d", i).containsExactly(fresh.toFloatArray());
            }
        }
    }

    @Test
    void convolutionKeepsItsPlanWhileTheShapeStaysTheSame() {
        Conv2d conv = new Conv2d(3, 8, 3, 1, 1);
        assertThat(conv.plan()).isNull();
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = random(arena, 1, 2, 3, 10, 10);
            Tensor y = conv.forward(x, arena);
            Conv2dPlan first = conv.plan();
            assertThat(first.image().height()).isEqualTo(10);
            conv.backward(random(arena, 2, y.shape()), arena);
            conv.forward(random(arena, 3, 5, 3, 10, 10), arena);       // another batch: same plan
            assertThat(conv.plan()).isSameAs(first);
            conv.forward(random(arena, 4, 2, 3, 12, 12), arena);       // another image size: a new one
            assertThat(conv.plan()).isNotSameAs(first);
            assertThat(conv.plan().image().height()).isEqualTo(12);
            Conv2dPlan wrongShape = first;
            assertThatThrownBy(() -> dev.panamax.nn.functional.Convolution.conv2d(random(arena, 5, 2, 3, 12, 12),
                    conv.weight().value(), null, wrongShape, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x");
        }
    }

    @Test
    void transposedConvolutionKeepsItsPlanWhileTheShapeStaysTheSame() {
        ConvTranspose2d up = new ConvTranspose2d(8, 4, 4, 2, 1);
        assertThat(up.plan()).isNull();
        try (Arena arena = Arena.ofConfined()) {
            Tensor y = up.forward(random(arena, 1, 2, 8, 6, 6), arena);
            assertThat(y.shape()).containsExactly(2, 4, 12, 12);
            ConvTranspose2dPlan first = up.plan();
            assertThat(first.forward()).isEqualTo(ConvAlgorithm.SUB_PIXEL);
            up.backward(random(arena, 2, y.shape()), arena);
            assertThat(up.plan()).isSameAs(first);
            up.forward(random(arena, 3, 3, 8, 6, 6), arena);           // another batch: same plan
            assertThat(up.plan()).isSameAs(first);
            up.forward(random(arena, 4, 2, 8, 7, 7), arena);           // another image size: a new one
            assertThat(up.plan()).isNotSameAs(first);
            assertThat(up.plan().output().height()).isEqualTo(14);
        }
    }

    @Test
    void namesFollowPyTorchStateDicts() {
        assertThat(Models.lenet5().stateDict().keySet()).containsExactly("conv1.weight", "conv1.bias", "conv2.weight",
                "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias");
        assertThat(Models.resnetBlockClassifier(4, 3, 0.1f, 1e-5f).stateDict().keySet()).containsExactly("conv1.weight",
                "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked", "conv2.weight",
                "bn2.weight", "bn2.bias", "bn2.running_mean", "bn2.running_var", "bn2.num_batches_tracked", "fc.weight",
                "fc.bias");
        assertThat(new Sequential(new Linear(2, 3), ActivationLayer.relu(), new Linear(3, 1)).namedParameters().keySet())
                .containsExactly("0.weight", "0.bias", "2.weight", "2.bias");
    }

    @Test
    void tiedWeightsAreOneParameterWithSummedGradients() {
        Embedding embed = new Embedding(7, 4);
        Linear head = Linear.tiedTo(embed.weight(), true);
        Sequential model = new Sequential().add("embed", embed).add("head", head);
        assertThat(model.stateDict().keySet()).containsExactly("embed.weight", "head.weight", "head.bias");
        assertThat(model.parameters()).extracting(Parameter::name).containsExactly("embed.weight", "head.bias");
        try (Arena arena = Arena.ofConfined()) {
            Tensor ids = Tensor.ofLongs(arena, new long[] {1, 3, 3, 6}, 2, 2);
            Tensor y = model.forward(ids, arena);
            assertThat(y.shape()).containsExactly(2, 2, 7);
            Tensor g = random(arena, 5, 2, 2, 7);
            model.backward(g, arena);
            // the same computation with an untied copy: its two gradients must add up to the tied one
            Embedding e2 = new Embedding(7, 4);
            Linear h2 = new Linear(4, 7);
            e2.weight().value().copyFrom(embed.weight().value());
            h2.weight().value().copyFrom(embed.weight().value());
            h2.bias().value().copyFrom(head.bias().value());
            h2.forward(e2.forward(ids, arena), arena);
            h2.weight().grad().fill(0f);
            h2.bias().grad().fill(0f);
            e2.backward(h2.backward(g, arena), arena);
            float[] sum = e2.weight().grad().toFloatArray();
            float[] lin = h2.weight().grad().toFloatArray();
            for (int i = 0; i < sum.length; i++) {
                sum[i] += lin[i];
            }
            float[] tied = embed.weight().grad().toFloatArray();
            for (int i = 0; i < sum.length; i++) {
                assertThat(tied[i]).isCloseTo(sum[i], Offset.offset(1e-5f));
            }
        }
        assertThatThrownBy(() -> Linear.tiedTo(new Linear(3, 4).bias(), false)).hasMessageContaining("[out, in]");
    }

    @Test
    void flattenKeepsTheBatchDimensionRefusesARankOneInputAndTakesStartAndEndDimsAsPyTorchDoes() {
        try (Arena arena = Arena.ofConfined()) {
            Flatten flatten = new Flatten();
            assertThat(flatten.forward(random(arena, 1, 3, 2, 4, 5), arena).shape()).containsExactly(3, 40);
            assertThat(flatten.forward(random(arena, 2, 3, 7), arena).shape()).containsExactly(3, 7);
            assertThat(flatten.forward(Tensor.zeros(arena, 0, 3, 2), arena).shape()).containsExactly(0, 6);
            assertThatThrownBy(() -> flatten.forward(random(arena, 3, 5), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rank 2").hasMessageContaining("[5]");
            // start_dim and end_dim, as torch.nn.Flatten(start_dim, end_dim)
            Tensor x = random(arena, 4, 2, 3, 4, 5);
            Flatten inner = new Flatten(2, 3);
            Tensor y = inner.forward(x, arena);
            assertThat(y.shape()).containsExactly(2, 3, 20);
            assertThat(y.toFloatArray()).containsExactly(x.toFloatArray());
            assertThat(inner.backward(y, arena).shape()).containsExactly(2, 3, 4, 5);
            assertThat(new Flatten(0, -1).forward(x, arena).shape()).containsExactly(120);
            assertThat(new Flatten(-3, -2).forward(x, arena).shape()).containsExactly(2, 12, 5);
            assertThat(new Flatten(1, 1).forward(x, arena).shape()).containsExactly(2, 3, 4, 5);
            assertThat(new Flatten(0, 1).samplesIndependent()).isFalse();
            assertThat(inner.samplesIndependent()).isTrue();
            assertThatThrownBy(() -> new Flatten(3, 1).forward(x, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("start_dim=3, end_dim=1");
            assertThatThrownBy(() -> new Flatten(1, 4).forward(x, arena)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void emptyBatchesGiveEmptyOutputsAndLeaveGradientsAsPyTorchDoes() {
        Init.manualSeed(3);
        try (Arena arena = Arena.ofConfined()) {
            // a tensor with no elements is contiguous whatever its strides, so it views and flattens
            Tensor none = Tensor.zeros(arena, 2, 0, 4);
            assertThat(none.isContiguous()).isTrue();
            Linear linear = new Linear(4, 3);
            assertThat(linear.forward(none, arena).shape()).containsExactly(2, 0, 3);
            MultiHeadAttention attention = new MultiHeadAttention(8, 2);
            Tensor y = attention.forward(Tensor.zeros(arena, 4, 0, 8), arena);
            assertThat(y.shape()).containsExactly(4, 0, 8);
            assertThat(attention.backward(y, arena).shape()).containsExactly(4, 0, 8);

            LSTM lstm = new LSTM(5, 7);
            for (Parameter p : lstm.parameters()) {
                p.grad().fill(0.5f);
            }
            Recurrent.Output out = lstm.forward(Tensor.zeros(arena, 3, 0, 5), null, null, null, arena);
            assertThat(out.y().shape()).containsExactly(3, 0, 7);
            assertThat(out.hn().shape()).containsExactly(1, 0, 7);
            assertThat(out.cn().shape()).containsExactly(1, 0, 7);
            assertThat(lstm.backward(out.y(), arena).shape()).containsExactly(3, 0, 5);
            for (Parameter p : lstm.parameters()) {
                for (float g : p.grad().toFloatArray()) {
                    assertThat(g).isEqualTo(0.5f);
                }
            }
            GRU gru = new GRU(5, 7);
            gru.eval();
            assertThat(gru.forward(Tensor.zeros(arena, 3, 0, 5), arena).shape()).containsExactly(3, 0, 7);
            // no steps is refused, as by PyTorch
            assertThatThrownBy(() -> lstm.forward(Tensor.zeros(arena, 0, 2, 5), arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one step");
        }
    }

    @Test
    void safetensorsRoundTripGivesIdenticalOutputs(@TempDir Path dir) throws IOException {
        Init.manualSeed(1);
        Sequential a = Models.lenet5();
        Init.manualSeed(2);
        Sequential b = Models.lenet5();
        Path file = dir.resolve("lenet.safetensors");
        SafeTensors.write(file, a.stateDict(), Map.of("format", "pt"));
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = random(arena, 3, 2, 1, 28, 28);
            float[] before = b.forward(x, arena).toFloatArray();
            SafeTensors.Contents loaded = SafeTensors.read(file, arena);
            assertThat(loaded.metadata()).containsEntry("format", "pt");
            b.loadStateDict(loaded.tensors());
            assertThat(b.forward(x, arena).toFloatArray()).isEqualTo(a.forward(x, arena).toFloatArray())
                    .isNotEqualTo(before);
            StateDicts.writeNpyFolder(dir.resolve("npy"), a.stateDict());
            Init.manualSeed(4);
            Sequential c = Models.lenet5();
            c.loadStateDict(StateDicts.readNpyFolder(dir.resolve("npy"), arena));
            assertThat(c.forward(x, arena).toFloatArray()).isEqualTo(a.forward(x, arena).toFloatArray());
        }
    }

    @Test
    void corruptSafetensorsAreRejected(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("m.safetensors");
        SafeTensors.write(file, Models.mlp(3, 4, 2).stateDict(), Map.of());
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 4));
        try (Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> SafeTensors.read(file, arena)).isInstanceOf(IOException.class)
                    .hasMessageContaining("data_offsets");
            Files.write(file, new byte[] {1, 2, 3});
            assertThatThrownBy(() -> SafeTensors.read(file, arena)).hasMessageContaining("shorter than");
        }
    }

    @Test
    void loadingAStateDictReportsEveryMismatchAndLoadsNothing() {
        Sequential m = Models.mlp(3, 4, 2);
        float[] w = m.stateDict().get("fc1.weight").toFloatArray();
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> state = new LinkedHashMap<>(Models.mlp(3, 4, 2).stateDict());
            state.remove("fc2.bias");
            state.put("fc3.weight", Tensor.zeros(arena, 2, 5));
            state.put("extra.weight", Tensor.zeros(arena, 1));
            assertThatThrownBy(() -> m.loadStateDict(state)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("missing key 'fc2.bias'")
                    .hasMessageContaining("'fc3.weight': expected shape [2, 4], got [2, 5]")
                    .hasMessageContaining("unexpected key 'extra.weight'");
            assertThat(m.stateDict().get("fc1.weight").toFloatArray()).isEqualTo(w);
        }
    }

    @Test
    void wrongInputShapeNamesTheLayerAndBothShapes() {
        Sequential m = Models.lenet5();
        try (Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> m.forward(Tensor.zeros(arena, 2, 3, 28, 28), arena))
                    .hasMessageContaining("Conv2d 'conv1'").hasMessageContaining("[*, 1, *, *]")
                    .hasMessageContaining("[2, 3, 28, 28]");
            assertThatThrownBy(() -> m.forward(Tensor.zeros(arena, 2, 1, 32, 32), arena))
                    .hasMessageContaining("Linear 'fc1'").hasMessageContaining("[*, 400]").hasMessageContaining("[2, 576]");
            assertThatThrownBy(() -> new Linear(2, 2).backward(Tensor.zeros(arena, 1, 2), arena))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("before forward");
        }
    }

    @Test
    void dropoutAndBatchNormDifferBetweenTrainAndEval() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.zeros(arena, 100, 100).fill(1f);
            Dropout d = new Dropout(0.25f, 5);
            float[] y = d.forward(x, arena).toFloatArray();
            long zeros = 0;
            for (float v : y) {
                assertThat(v == 0f || v == 1f / 0.75f).isTrue();
                zeros += v == 0f ? 1 : 0;
            }
            assertThat(zeros / 10000.0).isCloseTo(0.25, Offset.offset(0.02));
            d.eval();
            assertThat(d.forward(x, arena)).isSameAs(x);
            // p = 1 zeroes everything in training, its gradient too, as PyTorch's (which refuses p > 1)
            Dropout all = new Dropout(1f, 5);
            assertThat(all.forward(x, arena).toFloatArray()).containsOnly(0f);
            assertThat(all.backward(x, arena).toFloatArray()).containsOnly(0f);
            assertThatThrownBy(() -> new Dropout(1.5f)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[0, 1]");

            BatchNorm1d bn = new BatchNorm1d(2);
            Tensor b = Tensor.of(arena, new float[] {1, 10, 3, 20}, 2, 2);
            assertThat(bn.forward(b, arena).toFloatArray()).containsExactly(new float[] {-1, -1, 1, 1}, Offset.offset(1e-3f));
            assertThat(bn.stateDict().get("running_mean").toFloatArray()).containsExactly(0.2f, 1.5f);
            assertThat(bn.stateDict().get("num_batches_tracked").getLong()).isEqualTo(1);
            bn.eval();
            float[] e = bn.forward(b, arena).toFloatArray();
            // eval: (x - running_mean) / sqrt(running_var + eps), running_var = 0.9 + 0.1 * unbiased var
            assertThat(e[0]).isCloseTo((float) ((1 - 0.2) / Math.sqrt(0.9 + 0.1 * 2 + 1e-5)), Offset.offset(1e-5f));
        }
    }

    @Test
    void checkpointingGivesEqualGradientsWithLessActivationMemory() {
        Init.manualSeed(9);
        Sequential plain = deepStack();
        Init.manualSeed(9);
        Sequential inner = deepStack();
        Checkpoint checkpoint = new Checkpoint(inner);
        Sequential checkpointed = new Sequential().addInline(checkpoint);
        assertThat(checkpointed.stateDict().keySet()).isEqualTo(plain.stateDict().keySet());
        try (Arena fixed = Arena.ofConfined(); StepArena s1 = new StepArena(); StepArena s2 = new StepArena()) {
            Tensor x = random(fixed, 1, 8, 4, 16, 16);
            Tensor g = random(fixed, 2, 8, 4, 16, 16);
            // compare on a second step, so that both arenas have settled to one block
            step(plain, x, g, s1);
            step(checkpointed, x, g, s2);
            plain.parameters().forEach(p -> p.grad().fill(0f));
            checkpointed.parameters().forEach(p -> p.grad().fill(0f));
            float[] gx1 = step(plain, x, g, s1);
            float[] gx2 = step(checkpointed, x, g, s2);
            assertThat(gx2).containsExactly(gx1, Offset.offset(1e-5f));
            List<Parameter> p1 = plain.parameters();
            List<Parameter> p2 = checkpointed.parameters();
            for (int i = 0; i < p1.size(); i++) {
                assertThat(p2.get(i).grad().toFloatArray()).as(p1.get(i).name())
                        .containsExactly(p1.get(i).grad().toFloatArray(), Offset.offset(1e-5f));
            }
            assertThat(s2.bytesInUse()).as("activation bytes of the step").isLessThan(s1.bytesInUse() / 2);
            // the discarded activations lived in the scratch arena: at least one layer's output
            assertThat(checkpoint.scratchBytes()).isGreaterThanOrEqualTo(8L * 4 * 16 * 16 * Float.BYTES);
        }
    }

    private static Sequential deepStack() {
        Sequential s = new Sequential();
        for (int i = 0; i < 4; i++) {
            s.add("conv" + i, new Conv2d(4, 4, 3, 1, 1)).add("bn" + i, new BatchNorm2d(4)).add("act" + i, ActivationLayer.gelu());
        }
        return s;
    }

    private static float[] step(Layer model, Tensor x, Tensor g, StepArena arena) {
        arena.reset();
        model.forward(x, arena);
        return model.backward(g, arena).toFloatArray();
    }

    @Test
    void stepArenaRecyclesMemoryZeroedAndRefusesTensorsOfAnEarlierStep() {
        try (StepArena arena = new StepArena(1024)) {
            Tensor.zeros(arena, 10, 10);
            Tensor.zeros(arena, 1000);
            arena.reset(); // the step overflowed the first block: one block for the whole step replaces it
            assertThat(arena.bytesReserved()).isGreaterThanOrEqualTo(4400);
            Tensor a = Tensor.zeros(arena, 10, 10).fill(3f);
            Tensor b = Tensor.zeros(arena, 1000);
            long aAt = a.segment().address();
            long bAt = b.segment().address();
            arena.reset();
            Tensor a2 = Tensor.zeros(arena, 10, 10);
            Tensor b2 = Tensor.zeros(arena, 1000);
            assertThat(a2.segment().address()).isEqualTo(aAt);
            assertThat(b2.segment().address()).isEqualTo(bAt);
            assertThat(a2.toFloatArray()).containsOnly(0f);
            // the tensor of the last step is dead: using it is an error that names it, not a read of a2's data
            assertThatThrownBy(a::toFloatArray).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Tensor[10, 10] FLOAT32").hasMessageContaining("used after reset()");
            assertThatThrownBy(() -> b.view(10, 100).segment()).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> dev.panamax.nn.functional.Activations.forward(
                    dev.panamax.kernels.activation.Activation.RELU, a, arena)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("used after reset()");
            Tensor c = Tensor.zeros(arena, 5);
            arena.reset();
            assertThat(Tensor.zeros(arena, 10, 10).segment().address()).isEqualTo(aAt);
            assertThatThrownBy(() -> c.get(0)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void schedulesComposeAsDocumented() {
        Schedule s = Schedule.warmupCosine(1.0, 10, 110, 0.0);
        assertThat(s.at(0)).isCloseTo(0.1, Offset.offset(1e-12));
        assertThat(s.at(9)).isCloseTo(1.0, Offset.offset(1e-12));
        assertThat(s.at(10)).isCloseTo(1.0, Offset.offset(1e-12));
        assertThat(s.at(60)).isCloseTo(0.5, Offset.offset(1e-12));
        assertThat(s.at(110)).isCloseTo(0.0, Offset.offset(1e-12));
        assertThat(Schedule.stepDecay(1, 3, 0.5).at(7)).isEqualTo(0.25);
        assertThat(Schedule.constant(2).then(5, Schedule.constant(1)).at(5)).isEqualTo(1.0);
    }

    @Test
    void theSchedulerSetsTheOptimizersRateStepByStep() {
        Linear l = new Linear(3, 2);
        try (Sgd sgd = new Sgd(l.parameters(), 0.5f, 0f)) {
            LrScheduler scheduler = new LrScheduler(sgd, Schedule.warmupCosine(1.0, 10, 110, 0.0));
            assertThat(scheduler.currentRate()).isCloseTo(0.1, Offset.offset(1e-12));
            assertThat(sgd.learningRate()).isCloseTo(0.1f, Offset.offset(1e-7f));
            for (int i = 0; i < 9; i++) {
                scheduler.step();
            }
            assertThat(scheduler.position()).isEqualTo(9);
            assertThat(scheduler.currentRate()).isCloseTo(1.0, Offset.offset(1e-12));
            scheduler.seek(60);
            assertThat(scheduler.currentRate()).isCloseTo(0.5, Offset.offset(1e-12));
            assertThat(sgd.learningRate()).isCloseTo(0.5f, Offset.offset(1e-7f));
            assertThatThrownBy(() -> scheduler.seek(-1)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aRecurrentLayersParametersAreViewsOfItsFlatWeights() {
        LSTM lstm = new LSTM(3, 4, RecurrentOptions.defaults().layers(2).bidirectional(true), new SplittableRandom(1));
        Tensor flat = lstm.flatWeights();
        long total = 0;
        for (Parameter p : lstm.parameters()) {
            total += p.numel();
            p.value().fill(0f);
        }
        assertThat(flat.numel()).isEqualTo(total);
        float[] all = flat.toFloatArray();
        assertThat(all).containsOnly(0f);
        flat.fill(2f);
        for (Parameter p : lstm.parameters()) {
            assertThat(p.value().toFloatArray()).as(p.name()).containsOnly(2f);
        }
    }

    @Test
    void initialisersDrawWithTheDocumentedScale() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor w = Tensor.zeros(arena, 200, 300);
            Init.kaimingNormal(w, 0, Init.FanMode.FAN_IN, new SplittableRandom(1));
            assertThat(std(w)).isCloseTo(Math.sqrt(2.0 / 300), Offset.offset(0.002));
            Init.xavierUniform(w, 1, new SplittableRandom(2));
            assertThat(std(w)).isCloseTo(Math.sqrt(2.0 / 500), Offset.offset(0.002));
            Init.lecunNormal(w, new SplittableRandom(3));
            assertThat(std(w)).isCloseTo(Math.sqrt(1.0 / 300), Offset.offset(0.002));
            Init.xavierNormal(w, 2, new SplittableRandom(4));
            assertThat(std(w)).isCloseTo(2 * Math.sqrt(2.0 / 500), Offset.offset(0.002));
            Init.lecunUniform(w, new SplittableRandom(5));
            assertThat(std(w)).isCloseTo(Math.sqrt(1.0 / 300), Offset.offset(0.002));
            for (float v : w.toFloatArray()) {
                assertThat(Math.abs(v)).isLessThanOrEqualTo((float) Math.sqrt(3.0 / 300));
            }
            Linear l = new Linear(300, 200);
            for (float v : l.weight().value().toFloatArray()) {
                assertThat(Math.abs(v)).isLessThanOrEqualTo((float) (1 / Math.sqrt(300)));
            }
        }
    }

    private static double std(Tensor t) {
        double s = 0;
        double q = 0;
        float[] v = t.toFloatArray();
        for (float x : v) {
            s += x;
            q += x * x;
        }
        return Math.sqrt(q / v.length - (s / v.length) * (s / v.length));
    }
}
