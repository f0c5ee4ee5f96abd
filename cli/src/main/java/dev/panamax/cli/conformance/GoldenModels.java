package dev.panamax.cli.conformance;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.panamax.nn.layers.Layer;
import dev.panamax.nn.losses.CrossEntropyLoss;
import dev.panamax.nn.models.Models;
import dev.panamax.nn.models.TransformerLanguageModel;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.Tensor;

/**
 * The golden model ops, run the way a user runs a model: build it from layers, load the case's
 * parameters by name through {@link Layer#loadStateDict}, forward, cross-entropy, backward, and
 * read every parameter's gradient.
 */
final class GoldenModels {

    private GoldenModels() {
    }

    static void register(Map<String, GoldenOps.Op> ops) {
        ops.put("model_mlp", (c, a) -> run(c, a, Models.mlp(c.longAttr("in_features", -1), c.longAttr("hidden", -1),
                c.longAttr("num_classes", -1))));
        ops.put("model_char_lstm", (c, a) -> run(c, a, Models.charLstm(c.longAttr("vocab_size", -1),
                c.longAttr("embed_dim", -1), c.longAttr("hidden_size", -1), c.intAttr("num_layers", 2))));
        ops.put("model_transformer", (c, a) -> run(c, a, TransformerLanguageModel.golden(c.longAttr("vocab_size", -1),
                c.longAttr("d_model", -1), c.intAttr("nhead", 1), c.longAttr("dim_feedforward", -1),
                c.intAttr("num_layers", 2), c.longAttr("max_len", -1), c.floatAttr("layer_norm_eps", 1e-5f))));
        ops.put("model_lenet5", (c, a) -> run(c, a, Models.lenet5()));
        ops.put("model_resnet_block", (c, a) -> run(c, a, Models.resnetBlockClassifier(c.longAttr("channels", -1),
                c.longAttr("num_classes", -1), c.floatAttr("bn_momentum", 0.1f), c.floatAttr("bn_eps", 1e-5f))));
    }

    private static OpResult run(GoldenCase c, Arena a, Layer model) throws IOException {
        model.loadStateDict(stateFromCase(c, model, a));
        model.train();
        Tensor x = c.input("x", a);
        Tensor target = c.input("target", a);
        Tensor logits = model.forward(x, a);
        CrossEntropyLoss loss = new CrossEntropyLoss();
        float value = loss.forward(logits.view(-1, logits.size(-1)), target.view(-1), a);
        OpResult r = new OpResult().output("logits", logits).output("loss", Tensor.scalar(a, value));
        model.namedBuffers().forEach((name, b) -> {
            if (c.outputs().containsKey(name)) {
                r.output(name, b);
            }
        });
        if (c.hasBackward()) {
            Tensor gx = model.backward(loss.backward(a).view(logits.shape()), a);
            r.grad("x", gx);
            for (Parameter p : model.parameters()) {
                r.grad(p.name(), p.grad());
            }
        }
        return r;
    }

    /**
     * The model's state dict with every entry taken from the case's inputs of the same name;
     * {@code num_batches_tracked}, which the cases leave out, keeps the model's value.
     */
    private static Map<String, Tensor> stateFromCase(GoldenCase c, Layer model, Arena a) throws IOException {
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (var e : model.stateDict().entrySet()) {
            String name = e.getKey();
            if (c.hasInput(name)) {
                state.put(name, c.input(name, a));
            } else if (name.endsWith("num_batches_tracked")) {
                state.put(name, e.getValue());
            }
        }
        return state;
    }
}
