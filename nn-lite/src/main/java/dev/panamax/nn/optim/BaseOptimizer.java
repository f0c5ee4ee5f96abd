package dev.panamax.nn.optim;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/** What every optimizer holds: its parameters, their off-heap state and the learning rate. */
abstract class BaseOptimizer implements Optimizer {

    final List<Parameter> params;
    final OptimizerState state;
    private final int buffersPerParameter;
    float lr;
    /** Steps taken so far. */
    long steps;

    BaseOptimizer(List<Parameter> params, float lr, int buffersPerParameter) {
        this.params = List.copyOf(params);
        this.lr = lr;
        this.state = new OptimizerState(this.params, buffersPerParameter);
        this.buffersPerParameter = buffersPerParameter;
    }

    @Override
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        Tensor step = Tensor.zeros(Arena.ofAuto(), DType.INT64);
        step.setLong(steps);
        out.put("step", step);
        for (int i = 0; i < params.size(); i++) {
            long[] shape = params.get(i).value().shape();
            for (int k = 0; k < buffersPerParameter; k++) {
                out.put(params.get(i).name() + "." + k,
                        Tensor.wrap(DType.FLOAT32, state.buffer(i, k), 0, shape, Tensor.rowMajorStrides(shape)));
            }
        }
        return out;
    }

    @Override
    public void loadStateDict(Map<String, Tensor> saved) {
        checkStateDict(saved);
        stateDict().forEach((k, t) -> {
            if (!k.equals("step")) {
                t.copyFrom(saved.get(k));
            }
        });
        steps = saved.get("step").getLong();
    }

    @Override
    public void checkStateDict(Map<String, Tensor> saved) {
        Map<String, Tensor> own = stateDict();
        List<String> problems = new ArrayList<>();
        own.forEach((k, t) -> {
            Tensor s = saved.get(k);
            if (s == null) {
                problems.add("missing '" + k + "'");
            } else if (!s.hasShape(t.shape()) || s.dtype() != t.dtype()) {
                problems.add("'" + k + "': expected " + t + ", got " + s);
            }
        });
        saved.keySet().stream().filter(k -> !own.containsKey(k)).forEach(k -> problems.add("unexpected '" + k + "'"));
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("cannot load the optimizer state: " + String.join("; ", problems));
        }
    }

    @Override
    public void zeroGrad() {
        for (int i = 0; i < params.size(); i++) {     // indexed: an iterator is an object per step
            params.get(i).grad().fill(0f);
        }
    }

    @Override
    public float learningRate() {
        return lr;
    }

    @Override
    public void setLearningRate(float lr) {
        if (!(lr >= 0)) {
            throw new IllegalArgumentException("learning rate must be >= 0, got " + lr);
        }
        this.lr = lr;
    }

    /**
     * The check of {@link MomentumOptimizer#setMomentum} for an optimizer whose momentum buffer
     * exists only when it was built with momentum ({@code buffered}).
     */
    static void requireSchedulableMomentum(String optimizer, boolean buffered, float momentum) {
        if (!(momentum >= 0) || !buffered && momentum != 0) {
            throw new IllegalArgumentException(!buffered
                    ? "this " + optimizer + " was built without momentum (no momentum buffer): build it with one to schedule it"
                    : "momentum must be >= 0, got " + momentum);
        }
    }

    @Override
    public void close() {
        state.close();
    }
}
