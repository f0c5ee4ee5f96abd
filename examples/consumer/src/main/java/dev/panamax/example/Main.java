package dev.panamax.example;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.panamax.nn.data.Bundled;
import dev.panamax.nn.data.DataLoader;
import dev.panamax.nn.data.Dataset;
import dev.panamax.nn.inference.Predictor;
import dev.panamax.nn.io.SafeTensors;
import dev.panamax.nn.layers.Init;
import dev.panamax.nn.layers.Sequential;
import dev.panamax.nn.losses.CrossEntropyLoss;
import dev.panamax.nn.models.Models;
import dev.panamax.nn.optim.Adam;
import dev.panamax.nn.optim.Optimizer;
import dev.panamax.nn.tensor.StepArena;
import dev.panamax.nn.tensor.Tensor;

/**
 * What a user of Panamax does first: build a model, load weights from a safetensors file (the
 * format PyTorch's {@code safetensors.torch.save_file(model.state_dict(), ...)} writes), run
 * inference, and train a few steps. Exits non-zero when something does not hold.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        String where = Main.class.getModule().isNamed() ? "module path" : "class path";
        Init.manualSeed(1);
        Sequential trained = Models.lenet5();

        // weights: written as a safetensors file, read into a fresh model of the same architecture
        Path file = Files.createTempFile("lenet5-", ".safetensors");
        SafeTensors.write(file, trained.stateDict(), Map.of("format", "pt"));
        Sequential model = Models.lenet5();
        try (Arena arena = Arena.ofConfined()) {
            model.loadStateDict(SafeTensors.read(file, arena).tensors());
        }
        Files.delete(file);

        // inference on held-out digits: the loaded model gives the original's logits
        Dataset test = Bundled.mnist()[1];
        int n = 256;
        try (Arena arena = Arena.ofConfined();
             Predictor original = new Predictor(trained.eval());
             Predictor loaded = new Predictor(model.eval())) {
            Tensor x = Tensor.of(arena, java.util.Arrays.copyOf(test.features(), n * 784), n, 1, 28, 28);
            float[] a = original.predict(x).toFloatArray();
            float[] b = loaded.predict(x).toFloatArray();
            require(java.util.Arrays.equals(a, b), "the loaded model's logits differ from the saved model's");
        }

        // a few training steps: the loss goes down
        model.train();
        float first = Float.NaN;
        float last = Float.NaN;
        try (DataLoader loader = new DataLoader(Bundled.mnist()[0], DataLoader.Options.batches(64).shuffled(1));
             Optimizer opt = Adam.adamW(model.parameters(), Adam.Options.adamW().lr(2e-3f).weightDecay(1e-4f));
             StepArena step = new StepArena()) {
            CrossEntropyLoss loss = new CrossEntropyLoss();
            var batches = loader.epoch(0);
            for (int s = 0; s < 30 && batches.hasNext(); s++) {
                DataLoader.Batch batch = batches.next();
                step.reset();
                opt.zeroGrad();
                float l = loss.forward(model.forward(batch.x(), step), batch.y(), step);
                model.backward(loss.backward(step), step);
                opt.step();
                first = s == 0 ? l : first;
                last = l;
            }
        }
        require(last < first, "training did not lower the loss: " + first + " -> " + last);
        System.out.printf("panamax consumer on the %s: weights loaded, inference identical, training loss %.3f -> %.3f%n",
                where, first, last);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            System.err.println("panamax consumer: " + message);
            System.exit(1);
        }
    }
}
