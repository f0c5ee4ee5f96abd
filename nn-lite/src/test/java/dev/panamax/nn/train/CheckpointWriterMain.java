package dev.panamax.nn.train;

import java.nio.file.Path;
import java.util.Map;

import dev.panamax.nn.layers.Init;
import dev.panamax.nn.layers.Linear;
import dev.panamax.nn.layers.Sequential;
import dev.panamax.nn.optim.Adam;
import dev.panamax.nn.optim.Optimizer;

/**
 * The child process of {@link CheckpointCrashTest}: saves checkpoints of a 4 MB model to one
 * file, over and over, each with its round in the metadata, announcing each save on standard
 * output, until it is killed.
 */
public final class CheckpointWriterMain {

    private CheckpointWriterMain() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        Init.manualSeed(1);
        Sequential model = new Sequential(new Linear(1000, 1000), new Linear(1000, 10));
        try (Optimizer opt = Adam.adam(model.parameters(), 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false)) {
            for (int round = 1; ; round++) {
                System.out.println("saving " + round);
                System.out.flush();
                Checkpoints.save(file, model, opt, null,
                        new Checkpoints.Contents(new Trainer.Position(round, 0, round), Map.of("round", "" + round), Map.of()));
            }
        }
    }
}
