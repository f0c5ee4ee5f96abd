package dev.panamax.cli.conformance;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.panamax.nn.tensor.Tensor;

/** What running one golden op produced: outputs and input gradients by name. */
public final class OpResult {

    private final Map<String, Tensor> outputs = new LinkedHashMap<>();
    private final Map<String, Tensor> grads = new LinkedHashMap<>();

    /** An empty result, filled by {@link #output} and {@link #grad}. */
    public OpResult() {
    }

    public OpResult output(String name, Tensor t) {
        outputs.put(name, t);
        return this;
    }

    public OpResult grad(String name, Tensor t) {
        grads.put(name, t);
        return this;
    }

    public Map<String, Tensor> outputs() {
        return outputs;
    }

    public Map<String, Tensor> grads() {
        return grads;
    }
}
