package dev.panamax.cli.conformance;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import dev.panamax.nn.functional.Attention;
import dev.panamax.nn.layers.Block;
import dev.panamax.nn.layers.MultiHeadAttention;
import dev.panamax.nn.layers.TransformerDecoderLayer;
import dev.panamax.nn.layers.TransformerEncoderLayer;
import dev.panamax.nn.layers.TransformerOptions;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.Tensor;

/** The golden attention ops, through the functional attention and the transformer layers. */
final class GoldenAttention {

    private GoldenAttention() {
    }

    static void register(Map<String, GoldenOps.Op> ops) {
        ops.put("scaled_dot_product_attention", GoldenAttention::sdpa);
        ops.put("multi_head_attention", GoldenAttention::mha);
        ops.put("transformer_encoder_layer", GoldenAttention::encoderLayer);
        ops.put("transformer_decoder_layer", GoldenAttention::decoderLayer);
    }

    /** The layer options of a transformer case (batch first, no dropout, as the cases are made). */
    static TransformerOptions options(GoldenCase c) {
        return TransformerOptions.of(c.longAttr("d_model", -1), c.intAttr("nhead", 1))
                .dimFeedforward(c.longAttr("dim_feedforward", 2048)).dropout(0f).activation(c.stringAttr("activation", "relu"))
                .layerNormEps(c.floatAttr("layer_norm_eps", 1e-5f)).batchFirst(true).normFirst(c.boolAttr("norm_first", false));
    }

    private static OpResult encoderLayer(GoldenCase c, Arena a) throws IOException {
        TransformerEncoderLayer layer = new TransformerEncoderLayer(options(c));
        load(layer, c, a, Map.of());
        layer.train();
        Tensor x = c.input("x", a);
        OpResult r = new OpResult().output("y", layer.forward(x, null, null, c.boolAttr("causal", false), a));
        Optional<Tensor> gy = c.gradOutput("y", a);
        if (gy.isPresent()) {
            r.grad("x", layer.backward(gy.get(), a));
            parameterGrads(layer, r, Map.of());
        }
        return r;
    }

    private static OpResult decoderLayer(GoldenCase c, Arena a) throws IOException {
        TransformerDecoderLayer layer = new TransformerDecoderLayer(options(c));
        load(layer, c, a, Map.of());
        layer.train();
        Tensor x = c.input("x", a);
        Tensor memory = c.input("memory", a);
        OpResult r = new OpResult().output("y", layer.forward(x, memory, null, null, c.boolAttr("causal", true), a));
        Optional<Tensor> gy = c.gradOutput("y", a);
        if (gy.isPresent()) {
            TransformerDecoderLayer.Gradients g = layer.backwardAll(gy.get(), a);
            r.grad("x", g.x()).grad("memory", g.memory());
            parameterGrads(layer, r, Map.of());
        }
        return r;
    }

    /** Loads a layer's parameters from the case's inputs; {@code rename} maps state-dict names to case names. */
    static void load(Block layer, GoldenCase c, Arena a, Map<String, String> rename) throws IOException {
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String name : layer.stateDict().keySet()) {
            state.put(name, c.input(rename.getOrDefault(name, name), a));
        }
        layer.loadStateDict(state);
    }

    /** Every parameter's gradient as a case grad, under the case's name. */
    static void parameterGrads(Block layer, OpResult r, Map<String, String> rename) {
        for (Parameter p : layer.parameters()) {
            r.grad(rename.getOrDefault(p.name(), p.name()), p.grad());
        }
    }

    private static OpResult mha(GoldenCase c, Arena a) throws IOException {
        Tensor query = c.input("query", a);
        Tensor key = c.input("key", a);
        Tensor value = c.input("value", a);
        MultiHeadAttention layer = new MultiHeadAttention(query.size(2), c.intAttr("num_heads", 1));
        Map<String, String> names = Map.of("out_proj.weight", "out_proj_weight", "out_proj.bias", "out_proj_bias");
        load(layer, c, a, names);
        layer.train();
        Tensor y = layer.forward(query, key, value, null, null, c.boolAttr("causal", false), a);
        OpResult r = new OpResult().output("y", y);
        Optional<Tensor> gy = c.gradOutput("y", a);
        if (gy.isPresent()) {
            MultiHeadAttention.Gradients g = layer.backwardAll(gy.get(), a);
            r.grad("query", g.query()).grad("key", g.key()).grad("value", g.value());
            parameterGrads(layer, r, names);
        }
        return r;
    }

    private static OpResult sdpa(GoldenCase c, Arena a) throws IOException {
        Tensor q = c.input("q", a);
        Tensor k = c.input("k", a);
        Tensor v = c.input("v", a);
        Tensor mask = c.optionalInput("attn_mask", a);
        boolean causal = c.boolAttr("causal", false);
        Float scale = c.hasAttr("scale") ? c.floatAttr("scale", 0f) : null;
        Attention.Result y = Attention.scaledDotProduct(q, k, v, mask, null, causal, scale, a);
        OpResult r = new OpResult().output("y", y.y());
        Optional<Tensor> gy = c.gradOutput("y", a);
        if (gy.isPresent()) {
            Attention.Grads g = Attention.scaledDotProductBackward(q, k, v, mask, null, causal, scale, y, gy.get(), a);
            r.grad("q", g.q()).grad("k", g.k()).grad("v", g.v());
        }
        return r;
    }
}
