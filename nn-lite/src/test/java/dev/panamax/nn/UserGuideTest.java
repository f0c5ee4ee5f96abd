package dev.panamax.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panamax.kernels.gemm.Gemm;
import dev.panamax.nn.data.Bundled;
import dev.panamax.nn.data.DataLoader;
import dev.panamax.nn.data.Dataset;
import dev.panamax.nn.data.ImageAugmentation;
import dev.panamax.nn.distributed.Communicator;
import dev.panamax.nn.distributed.DistributedDataParallel;
import dev.panamax.nn.functional.Convolution;
import dev.panamax.nn.inference.Predictor;
import dev.panamax.nn.io.SafeTensors;
import dev.panamax.nn.layers.ActivationLayer;
import dev.panamax.nn.layers.Conv2d;
import dev.panamax.nn.layers.Flatten;
import dev.panamax.nn.layers.Init;
import dev.panamax.nn.layers.Linear;
import dev.panamax.nn.layers.MaxPool2d;
import dev.panamax.nn.layers.Sequential;
import dev.panamax.nn.losses.CrossEntropyLoss;
import dev.panamax.nn.models.Models;
import dev.panamax.nn.optim.Adam;
import dev.panamax.nn.optim.LrScheduler;
import dev.panamax.nn.optim.Optimizer;
import dev.panamax.nn.optim.Schedule;
import dev.panamax.nn.tensor.Tensor;
import dev.panamax.nn.train.Checkpoints;
import dev.panamax.nn.train.Trainer;

/** The README's user guide, as code that compiles and runs (kept in step with the README by hand). */
class UserGuideTest {

    @Test
    void gemmOnYourOwnMemory() {
        try (Arena arena = Arena.ofConfined()) {
            int m = 256, n = 128, k = 512;
            MemorySegment a = arena.allocate((long) m * k * Float.BYTES, 64);
            MemorySegment b = arena.allocate((long) k * n * Float.BYTES, 64);
            MemorySegment c = arena.allocate((long) m * n * Float.BYTES, 64);
            a.setAtIndex(ValueLayout.JAVA_FLOAT, 0, 2f);        // A[0, 0]
            b.setAtIndex(ValueLayout.JAVA_FLOAT, 5, 3f);        // B[0, 5]
            Gemm.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
            assertThat(c.getAtIndex(ValueLayout.JAVA_FLOAT, 5)).isEqualTo(6f);
        }
    }

    @Test
    void aConvolution() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.zeros(arena, 8, 3, 32, 32);
            Tensor w = Tensor.zeros(arena, 16, 3, 3, 3);
            Init.normal(w, 0, 0.1, new SplittableRandom(1));
            Tensor y = Convolution.conv2d(x, w, null, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1, arena);
            Convolution.Grads g = Convolution.conv2dBackward(x, w, false, Tensor.zeros(arena, y.shape()),
                    new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1, true, arena);
            assertThat(y.shape()).containsExactly(8, 16, 32, 32);
            assertThat(g.weight().shape()).containsExactly(16, 3, 3, 3);
        }
    }

    @Test
    void aModelFromLayersLoadsWeightsInfersAndTrains(@TempDir Path dir) throws Exception {
        Sequential model = new Sequential()
                .add("conv1", new Conv2d(1, 8, 3, 1, 1)).add("relu1", ActivationLayer.relu()).add("pool1", new MaxPool2d(2))
                .add("flatten", new Flatten())
                .add("fc", new Linear(8 * 14 * 14, 10));
        assertThat(model.namedParameters().keySet()).containsExactly("conv1.weight", "conv1.bias", "fc.weight", "fc.bias");

        Path file = dir.resolve("model.safetensors");
        SafeTensors.write(file, model.stateDict(), Map.of("format", "pt"));
        try (Arena arena = Arena.ofConfined()) {
            model.loadStateDict(SafeTensors.read(file, arena).tensors());
        }

        Dataset[] mnist = Bundled.mnist();
        try (DataLoader train = new DataLoader(mnist[0], DataLoader.Options.batches(64).shuffled(1)
                     .transform(ImageAugmentation.none().crop(2)));
             DataLoader test = new DataLoader(mnist[1], DataLoader.Options.batches(500));
             Optimizer opt = Adam.adamW(model.parameters(), Adam.Options.adamW().lr(2e-3f).weightDecay(1e-4f));
             Trainer trainer = new Trainer(model, new CrossEntropyLoss(), opt,
                     new LrScheduler(opt, Schedule.warmupCosine(2e-3, 125, 125, 0)), Trainer.Options.of(1).output(null, false))) {
            trainer.fit(train, test, -1);
            Checkpoints.save(dir.resolve("lenet.safetensors"), model, opt, null,
                    new Checkpoints.Contents(trainer.position(), Map.of(), Map.of()));
            assertThat(trainer.evaluateClassifier(test).accuracy()).isGreaterThan(0.8);
        }

        model.eval();
        try (Arena arena = Arena.ofConfined(); Predictor predictor = new Predictor(model)) {
            Tensor images = Tensor.of(arena, java.util.Arrays.copyOf(mnist[1].features(), 4 * 784), 4, 1, 28, 28);
            Tensor myOutput = Tensor.zeros(arena, 4, 10);
            Tensor logits = predictor.predict(images);
            float[] first = logits.toFloatArray();
            predictor.predict(images, myOutput);
            assertThat(myOutput.toFloatArray()).containsExactly(first);
        }
    }

    @Test
    void trainingOnSeveralProcesses(@TempDir Path dir) throws Exception {
        Dataset[] mnist = Bundled.mnist();
        mnist[0] = mnist[0].subset(java.util.stream.IntStream.range(0, 4096).toArray());
        Path file = dir.resolve("lenet.safetensors");
        try (Communicator comm = Communicator.fromEnvironment()) {     // under surefire: one process
            Sequential model = Models.lenet5();
            try (DataLoader train = new DataLoader(mnist[0], DataLoader.Options.batches(64 / comm.size())
                         .shuffled(1).shard(comm.rank(), comm.size()));
                 DataLoader test = new DataLoader(mnist[1], DataLoader.Options.batches(500));
                 DistributedDataParallel ddp = new DistributedDataParallel(model, comm,
                         DistributedDataParallel.Options.defaults());
                 Optimizer opt = Adam.adamW(model.parameters(), Adam.Options.adamW().lr(2e-3f));
                 Trainer trainer = new Trainer(model, new CrossEntropyLoss(), opt, null,
                         Trainer.Options.of(1).output(null, false))) {
                trainer.distributed(ddp).fit(train, test, -1);
                if (comm.rank() == 0) {
                    Checkpoints.save(file, model, opt, null, new Checkpoints.Contents(trainer.position(), Map.of(), Map.of()));
                }
                assertThat(trainer.evaluateClassifier(test).accuracy()).isGreaterThan(0.5);
            }
        }
        assertThat(file).exists();
    }
}
