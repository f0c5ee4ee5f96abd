package dev.panamax.nn.conformance;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.Map;
import java.util.Optional;

import dev.panamax.nn.functional.Attention;
import dev.panamax.nn.tensor.Tensor;

/** The golden attention ops, through the functional attention and the transformer layers. */
final class GoldenAttention {

    private GoldenAttention() {
    }

    static void register(Map<String, GoldenOps.Op> ops) {
        ops.put("scaled_dot_product_attention", GoldenAttention::sdpa);
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
