package dev.panamax.nn.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.panamax.nn.layers.Init;
import dev.panamax.nn.layers.Linear;
import dev.panamax.nn.layers.Sequential;
import dev.panamax.nn.optim.Adam;
import dev.panamax.nn.optim.Optimizer;

/**
 * A process killed ({@code SIGKILL}, no shutdown hooks, no flush) while it writes a checkpoint
 * leaves the last complete checkpoint loadable, and nothing a later load would take for a
 * checkpoint: the file is written beside the target and renamed over it only once whole and on
 * disk. Killed at many moments, from before the first rename to the middle of the tenth write.
 */
class CheckpointCrashTest {

    /** Kills: each lands at a random moment of a save; writing in place fails this test within a few. */
    private static final int KILLS = 16;

    private static Sequential model() {
        Init.manualSeed(2);
        return new Sequential(new Linear(1000, 1000), new Linear(1000, 10));
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void killedWhileSavingLeavesTheLastWholeCheckpoint(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("run.safetensors");
        Sequential first = model();
        try (Optimizer opt = Adam.adam(first.parameters(), 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false)) {
            Checkpoints.save(file, first, opt, null, new Checkpoints.Contents(new Trainer.Position(0, 0, 0), Map.of("round", "0"),
                    Map.of()));
        }
        SplittableRandom r = new SplittableRandom(42);
        int lastRound = 0;
        for (int kill = 0; kill < KILLS; kill++) {
            int afterSaves = 2 + r.nextInt(3);                     // announcements to wait for
            Process child = start(file);
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                long previous = 0;
                long saveNanos = 0;
                for (int seen = 0; seen < afterSaves; ) {
                    String line = out.readLine();
                    if (line == null) {
                        throw new AssertionError("the writer stopped before it was killed: exit " + child.waitFor());
                    }
                    if (line.startsWith("saving ")) {
                        long now = System.nanoTime();
                        saveNanos = now - previous;
                        previous = now;
                        seen++;
                    }
                }
                // somewhere inside the next save, encoding, writing, syncing or renaming, as it falls
                TimeUnit.NANOSECONDS.sleep(r.nextLong(Math.max(1, saveNanos)));
                child.destroyForcibly();                           // SIGKILL
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            // the target is a whole checkpoint: the first one, or one the child finished
            Sequential loaded = model();
            try (Optimizer opt = Adam.adam(loaded.parameters(), 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false)) {
                Checkpoints.Contents c = Checkpoints.load(file, loaded, opt, null);
                int round = Integer.parseInt(c.metadata().get("round"));
                // "saving n" is printed once save n - 1 has returned (renamed and synced): that one at least is there
                assertThat(round).as("the last completed save or a later one").isGreaterThanOrEqualTo(afterSaves - 1);
                assertThat(c.position().epoch()).isEqualTo(round);
                float[] want = round == 0 ? first.stateDict().get("0.weight").toFloatArray() : childWeights();
                assertThat(loaded.stateDict().get("0.weight").toFloatArray()).as("the weights of round %d, whole", round)
                        .isEqualTo(want);
                lastRound = round;
            }
            // anything else in the folder is a temporary file, and none of them loads as a checkpoint unless whole
            List<Path> others = new ArrayList<>();
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(p -> !p.equals(file)).forEach(others::add);
            }
            for (Path p : others) {
                assertThat(p.getFileName().toString()).startsWith("run.safetensors").endsWith(".tmp");
                Sequential m = model();
                try (Optimizer opt = Adam.adam(m.parameters(), 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false)) {
                    try {
                        Checkpoints.load(p, m, opt, null);                 // a whole temporary copy is harmless
                    } catch (IOException expected) {
                        assertThat(expected.getMessage()).isNotBlank();    // a partial one is refused
                    }
                }
                Files.delete(p);
            }
        }
        assertThat(lastRound).as("the child got through saves before it was killed").isPositive();
    }

    private static float[] childWeights() {
        Init.manualSeed(1);
        return new Linear(1000, 1000).stateDict().get("weight").toFloatArray();
    }

    private static Process start(Path file) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), CheckpointWriterMain.class.getName(), file.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }
}
