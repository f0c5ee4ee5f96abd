package dev.panamax.nn.optim;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.Map;

import dev.panamax.kernels.optim.AsgdStep;
import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * Averaged SGD as {@code torch.optim.ASGD} (Polyak-Ruppert averaging): SGD whose rate decays as
 * {@code eta = lr / (1 + lambd lr t)^alpha} after step t and whose weights also shrink by
 * {@code 1 - lambd eta} each step ({@link AsgdStep}), while from step {@code t0} on a running
 * average of the weights is kept ({@link #average}), the estimate ASGD is run for; before that
 * the "average" is the current weights. L2 weight decay. State per parameter: the average; and
 * for the whole optimizer eta and mu (the averaging weight, {@code 1 / max(1, t - t0)}), saved as
 * {@code eta} and {@code mu} beside {@code step}.
 */
public final class Asgd extends BaseOptimizer {

    private final float lambd;
    private final float alpha;
    private final float t0;
    private final float weightDecay;
    private float eta;
    private float mu = 1f;

    /**
     * ASGD's settings with PyTorch's defaults, one method per setting:
     * {@code new Asgd(params, Asgd.Options.defaults().lr(0.1f).t0(100))}.
     */
    public record Options(float lr, float lambd, float alpha, float t0, float weightDecay) {

        /** {@code torch.optim.ASGD}'s defaults: lr 0.01, lambd 1e-4, alpha 0.75, t0 1e6, no weight decay. */
        public static Options defaults() {
            return new Options(0.01f, 1e-4f, 0.75f, 1e6f, 0f);
        }

        public Options lr(float v) {
            return new Options(v, lambd, alpha, t0, weightDecay);
        }

        /** The decay term. */
        public Options lambd(float v) {
            return new Options(lr, v, alpha, t0, weightDecay);
        }

        /** The power of eta's decay. */
        public Options alpha(float v) {
            return new Options(lr, lambd, v, t0, weightDecay);
        }

        /** The step at which averaging starts. */
        public Options t0(float v) {
            return new Options(lr, lambd, alpha, v, weightDecay);
        }

        public Options weightDecay(float v) {
            return new Options(lr, lambd, alpha, t0, v);
        }
    }

    /** @throws IllegalArgumentException for a negative rate or weight decay, as PyTorch */
    public Asgd(List<Parameter> params, Options o) {
        if (!(o.lr() >= 0) || !(o.weightDecay() >= 0)) {
            throw new IllegalArgumentException("ASGD needs lr and weight_decay >= 0, got " + o);
        }
        super(params, o.lr(), 1);
        this.lambd = o.lambd();
        this.alpha = o.alpha();
        this.t0 = o.t0();
        this.weightDecay = o.weightDecay();
        this.eta = o.lr();
    }

    @Override
    public void step() {
        if (steps == 0) {
            eta = lr;                        // PyTorch sets eta from the rate the first step sees
        }
        steps++;
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            Tensor v = p.value();
            Tensor g = p.grad();
            AsgdStep.apply(p.numel(), v.segment(), v.offset(), g.segment(), g.offset(), state.buffer(i, 0), 0, eta, lambd,
                    mu, weightDecay);
        }
        // PyTorch keeps both as float32 tensors, computed in double from this step's rate
        eta = (float) (lr / Math.pow(1 + (double) lambd * lr * steps, alpha));
        mu = (float) (1 / Math.max(1, steps - (double) t0));
    }

    /**
     * The averaged weights of parameter {@code p} (PyTorch's {@code state[p]["ax"]}), a view of the
     * optimizer's state: copy it to keep it past {@link #close}.
     */
    public Tensor average(Parameter p) {
        int i = params.indexOf(p);
        if (i < 0) {
            throw new IllegalArgumentException("parameter '" + p.name() + "' is not one this optimizer updates");
        }
        long[] shape = p.value().shape();
        return Tensor.wrap(DType.FLOAT32, state.buffer(i, 0), 0, shape, Tensor.rowMajorStrides(shape));
    }

    /** The rate and the averaging weight of the next step. */
    public float eta() {
        return steps == 0 ? lr : eta;
    }

    public float mu() {
        return mu;
    }

    @Override
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = super.stateDict();
        out.put("eta", Tensor.scalar(Arena.ofAuto(), eta()));
        out.put("mu", Tensor.scalar(Arena.ofAuto(), mu));
        return out;
    }

    @Override
    public void loadStateDict(Map<String, Tensor> saved) {
        super.loadStateDict(saved);
        eta = saved.get("eta").item();
        mu = saved.get("mu").item();
    }
}
