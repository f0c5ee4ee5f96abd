package dev.panamax.cli;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import dev.panamax.nn.data.Dataset;
import dev.panamax.nn.data.Preprocessor;
import dev.panamax.nn.io.SafeTensors;
import dev.panamax.nn.layers.Sequential;
import dev.panamax.nn.models.Models;
import dev.panamax.nn.tensor.Tensor;
import dev.panamax.nn.train.Checkpoints;

/**
 * A model of {@link Models} by name with weights from a safetensors file, for {@code predict} and
 * {@code eval}: either a PyTorch {@code state_dict} saved with {@code safetensors.torch.save_file}
 * (names as PyTorch gives them) or a Panamax training checkpoint (which also carries the fitted
 * preprocessing). Hyperparameters come from the options, else from the file's metadata, else
 * from the shapes of the weights themselves.
 *
 * @param name          the architecture ({@code lenet5}, {@code mlp}, {@code inception})
 * @param model         the model with the weights loaded, in eval mode
 * @param inputShape    one sample's shape ({@code [1, 28, 28]}, {@code [30]})
 * @param preprocessing fitted steps to apply to raw features first (empty unless a checkpoint had them)
 */
record TrainedModel(String name, Sequential model, long[] inputShape, List<Preprocessor> preprocessing) {

    static final List<String> NAMES = List.of("lenet5", "mlp", "inception");

    /** The number of outputs per sample: classes, or 1 for a regression. */
    long outputs() {
        Tensor w = model.stateDict().get(name.equals("inception") ? "fc.weight" : "fc3.weight");
        return w.size(0);
    }

    /** {@code d} through the preprocessing. */
    Dataset prepare(Dataset d) {
        return preprocessing.isEmpty() ? d : new Demo.Pipeline(preprocessing).apply(d);
    }

    /**
     * @param name    the architecture, or null to take it from a checkpoint's metadata
     * @param options hyperparameters given on the command line ({@code in}, {@code hidden}, {@code classes})
     */
    static TrainedModel load(String name, Path weights, Map<String, String> options) throws IOException {
        Map<String, String> metadata;
        Map<String, Tensor> state;
        boolean checkpoint;
        try (Arena arena = Arena.ofConfined()) {
            SafeTensors.Contents c = SafeTensors.read(weights, arena);
            metadata = c.metadata();
            checkpoint = metadata.containsKey("panamax.checkpoint");
            state = new java.util.LinkedHashMap<>();
            for (var e : c.tensors().entrySet()) {
                if (!checkpoint) {
                    state.put(e.getKey(), e.getValue().copy(Arena.ofAuto()));
                } else if (e.getKey().startsWith("model.")) {
                    state.put(e.getKey().substring(6), e.getValue().copy(Arena.ofAuto()));
                }
            }
        }
        if (name == null) {
            name = checkpoint ? checkpointModel(metadata.get("panamax.checkpoint")) : null;
            if (name == null) {
                throw new IllegalArgumentException(weights + " does not name its model: give --model " + String.join("|", NAMES));
            }
        }
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("unknown model '" + name + "': one of " + NAMES);
        }
        Sequential model = switch (name) {
            case "lenet5" -> Models.lenet5();
            case "inception" -> Models.inception(hyper("classes", options, metadata, state, "fc.weight", 0));
            default -> Models.mlp(hyper("in", options, metadata, state, "fc1.weight", 1),
                    hyper("hidden", options, metadata, state, "fc1.weight", 0),
                    hyper("classes", options, metadata, state, "fc3.weight", 0));
        };
        List<Preprocessor> steps = new ArrayList<>();
        if (checkpoint) {
            Checkpoints.Contents contents = Checkpoints.load(weights, model, null, null);
            contents.preprocessing().entrySet().stream()
                    .sorted(Map.Entry.comparingByKey((a, b) -> Integer.compare(order(a), order(b))))
                    .forEach(e -> steps.add(Preprocessor.restore(e.getValue())));
        } else {
            model.loadStateDict(state);
        }
        model.eval();
        long[] input = name.equals("mlp") ? new long[] {model.stateDict().get("fc1.weight").size(1)} : new long[] {1, 28, 28};
        return new TrainedModel(name, model, input, List.copyOf(steps));
    }

    /** The model a checkpoint's state JSON names: the demo writes "lenet5", "inception" or "mlp-<data set>". */
    private static String checkpointModel(String json) {
        try {
            var meta = com.google.gson.JsonParser.parseString(json).getAsJsonObject().getAsJsonObject("metadata");
            if (meta == null || !meta.has("model")) {
                return null;
            }
            String m = meta.get("model").getAsString();
            return m.startsWith("mlp") ? "mlp" : m;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static int order(String key) {
        try {
            return Integer.parseInt(key.substring(0, key.indexOf('.')));
        } catch (RuntimeException e) {
            return Integer.MAX_VALUE;
        }
    }

    /** An option, else the metadata's value, else dimension {@code dim} of the tensor {@code from}. */
    private static long hyper(String key, Map<String, String> options, Map<String, String> metadata, Map<String, Tensor> state,
                              String from, int dim) {
        String v = options.getOrDefault(key, metadata.get(key));
        if (v != null) {
            try {
                long n = Long.parseLong(v);
                if (n > 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(key + " must be a whole number > 0, got '" + v + "'");
        }
        Tensor t = state.get(from);
        if (t == null || t.rank() != 2) {
            List<String> names = new ArrayList<>(state.keySet());
            throw new IllegalArgumentException("cannot tell " + key + ": no 2-D tensor '" + from + "' in the weights (they hold "
                    + names.size() + " tensors: " + String.join(", ", names.subList(0, Math.min(5, names.size())))
                    + (names.size() > 5 ? ", ..." : "") + "); give --" + key + ", or the right --model");
        }
        return t.size(dim);
    }

    @Override
    public String toString() {
        return name + " " + Arrays.toString(inputShape);
    }
}
