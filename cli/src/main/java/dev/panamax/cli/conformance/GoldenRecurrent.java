package dev.panamax.cli.conformance;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.panamax.nn.layers.GRU;
import dev.panamax.nn.layers.LSTM;
import dev.panamax.nn.layers.RNN;
import dev.panamax.nn.layers.Recurrent;
import dev.panamax.nn.layers.RecurrentOptions;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.Tensor;

/**
 * The golden recurrent ops ({@code rnn_tanh}, {@code lstm}, {@code gru}), run through the layers
 * as a user runs them: build the layer from the attributes, load the case's weights by their
 * PyTorch names, forward with the initial states and lengths, backward with the output gradients.
 */
final class GoldenRecurrent {

    private GoldenRecurrent() {
    }

    static void register(Map<String, GoldenOps.Op> ops) {
        ops.put("rnn_tanh", (c, a) -> run(c, a, "rnn_tanh"));
        ops.put("lstm", (c, a) -> run(c, a, "lstm"));
        ops.put("gru", (c, a) -> run(c, a, "gru"));
    }

    private static OpResult run(GoldenCase c, Arena a, String op) throws IOException {
        Tensor x = c.input("x", a);
        boolean batchFirst = c.boolAttr("batch_first", false);
        RecurrentOptions options = RecurrentOptions.defaults().layers(c.intAttr("num_layers", 1))
                .bidirectional(c.boolAttr("bidirectional", false)).batchFirst(batchFirst);
        long hidden = c.longAttr("hidden_size", -1);
        long input = x.size(2);
        Recurrent layer = switch (op) {
            case "rnn_tanh" -> new RNN(input, hidden, "tanh", options);
            case "lstm" -> new LSTM(input, hidden, options);
            default -> new GRU(input, hidden, options, c.boolAttr("linear_before_reset", true));
        };
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String name : layer.stateDict().keySet()) {
            state.put(name, c.input(name, a));
        }
        layer.loadStateDict(state);
        layer.train();
        Recurrent.Output out = layer.forward(x, c.optionalInput("h0", a), c.optionalInput("c0", a),
                c.optionalInput("lengths", a), a);
        OpResult r = new OpResult().output("y", out.y()).output("h_n", out.hn());
        if (out.cn() != null) {
            r.output("c_n", out.cn());
        }
        if (c.hasBackward()) {
            Recurrent.Gradients g = layer.backward(c.gradOutput("y", a).orElse(null), c.gradOutput("h_n", a).orElse(null),
                    c.gradOutput("c_n", a).orElse(null), a);
            r.grad("x", g.x()).grad("h0", g.h0());
            if (g.c0() != null) {
                r.grad("c0", g.c0());
            }
            for (Parameter p : layer.parameters()) {
                r.grad(p.name(), p.grad());
            }
        }
        return r;
    }
}
