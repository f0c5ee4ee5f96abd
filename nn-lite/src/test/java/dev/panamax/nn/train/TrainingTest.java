package dev.panamax.nn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panamax.nn.data.Bundled;
import dev.panamax.nn.data.DataLoader;
import dev.panamax.nn.data.Dataset;
import dev.panamax.nn.layers.ActivationLayer;
import dev.panamax.nn.layers.Dropout;
import dev.panamax.nn.layers.Init;
import dev.panamax.nn.layers.Linear;
import dev.panamax.nn.layers.Sequential;
import dev.panamax.nn.losses.CrossEntropyLoss;
import dev.panamax.nn.optim.Adam;
import dev.panamax.nn.optim.LrScheduler;
import dev.panamax.nn.optim.Optimizer;
import dev.panamax.nn.optim.Schedule;

class TrainingTest {

    /** A run: model, optimizer, schedule and trainer built the same way for every test. */
    private record Run(Sequential model, Optimizer opt, LrScheduler schedule, Trainer trainer) implements AutoCloseable {

        static Run create() {
            Init.manualSeed(3);
            Sequential model = new Sequential().add("fc1", new Linear(30, 16)).add("act", ActivationLayer.relu())
                    .add("drop", new Dropout(0.2f, 11)).add("fc2", new Linear(16, 2));
            Optimizer opt = Adam.adamW(model.parameters(), 1e-2f, 0.9f, 0.999f, 1e-8f, 1e-2f, false);
            LrScheduler schedule = new LrScheduler(opt, Schedule.warmupCosine(1e-2, 5, 60, 0));
            Trainer trainer = new Trainer(model, new CrossEntropyLoss(), opt, schedule,
                    Trainer.Options.of(4).output(null, false).clipNorm(5f));
            return new Run(model, opt, schedule, trainer);
        }

        @Override
        public void close() {
            trainer.close();
            opt.close();
        }
    }

    private static Dataset data() throws IOException {
        Dataset d = Bundled.breastCancer();
        float[] f = d.features().clone();
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) Math.log1p(Math.abs(f[i]));        // tame the scales for a plain MLP
        }
        return d.withFeatures(f, 30);
    }

    @Test
    void resumingFromACheckpointContinuesExactly(@TempDir Path dir) throws IOException {
        Dataset d = data();
        Path file = dir.resolve("run.safetensors");
        try (DataLoader loader = new DataLoader(d, 32, true, 5, null); Run straight = Run.create();
             Run first = Run.create(); Run resumed = Run.create()) {
            List<Trainer.EpochResult> full = straight.trainer().fit(loader, null, -1);

            first.trainer().fit(loader, null, 30);                      // stop mid-epoch 1
            assertThat(first.trainer().position()).isEqualTo(new Trainer.Position(1, 12, 30));
            Checkpoints.save(file, first.model(), first.opt(), first.schedule(),
                    new Checkpoints.Contents(first.trainer().position(), Map.of("note", "halfway"), Map.of()));

            Checkpoints.Contents c = Checkpoints.load(file, resumed.model(), resumed.opt(), resumed.schedule());
            assertThat(c.metadata()).containsEntry("note", "halfway");
            resumed.trainer().resume(c.position());
            List<Trainer.EpochResult> rest = resumed.trainer().fit(loader, null, -1);

            assertThat(rest.getLast().trainLoss()).isEqualTo(full.getLast().trainLoss());
            assertThat(resumed.model().stateDict().get("fc2.weight").toFloatArray())
                    .isEqualTo(straight.model().stateDict().get("fc2.weight").toFloatArray());
        }
    }

    @Test
    void damagedCheckpointsFailClearlyAndLoadNothing(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("m.safetensors");
        try (Run a = Run.create(); Run b = Run.create()) {
            Checkpoints.save(file, a.model(), a.opt(), a.schedule(), new Checkpoints.Contents(a.trainer().position(), Map.of(),
                    Map.of()));
            Checkpoints.save(file, a.model(), a.opt(), a.schedule(), new Checkpoints.Contents(a.trainer().position(), Map.of(),
                    Map.of()));
            try (var files = Files.list(dir)) {
                assertThat(files.toList()).containsExactly(file);            // no temporary file left behind
            }
            byte[] bytes = Files.readAllBytes(file);
            b.model().stateDict().get("fc1.weight").fill(7f);

            Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 10));
            assertThatThrownBy(() -> Checkpoints.load(file, b.model(), b.opt(), b.schedule())).isInstanceOf(IOException.class)
                    .hasMessageContaining("not a valid safetensors file");

            byte[] altered = bytes.clone();
            altered[altered.length - 3] ^= 0x40;
            Files.write(file, altered);
            assertThatThrownBy(() -> Checkpoints.load(file, b.model(), b.opt(), b.schedule()))
                    .hasMessageContaining("checksum mismatch");
            assertThat(b.model().stateDict().get("fc1.weight").toFloatArray()).containsOnly(7f);

            Files.write(file, bytes);
            Sequential other = new Sequential().add("fc1", new Linear(30, 8));
            assertThatThrownBy(() -> Checkpoints.load(file, other, null, null)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'fc1.weight': expected shape [8, 30], got [16, 30]");
        }
    }
}
