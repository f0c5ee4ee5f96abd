package dev.panamax.nn.optim;

import java.util.List;

import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.optim.RpropStep;
import dev.panamax.nn.tensor.Tensor;

/**
 * Rprop as {@code torch.optim.Rprop}: resilient backpropagation, for full-batch training. Each
 * weight has its own step size, which grows by {@code etaPlus} while its gradient keeps its sign
 * and shrinks by {@code etaMinus} when the sign flips, within {@code [stepMin, stepMax]}; the weight
 * moves by that size against the gradient's sign ({@link RpropStep}). Step sizes start at
 * {@code lr}; a later {@link #setLearningRate} does not change them (as in PyTorch, where lr is
 * read only then). State per parameter, in PyTorch's order: the previous gradient, then the step
 * sizes.
 */
public final class Rprop extends BaseOptimizer {

    private final float etaMinus;
    private final float etaPlus;
    private final float stepMin;
    private final float stepMax;

    /**
     * Rprop's settings with PyTorch's defaults, one method per setting:
     * {@code new Rprop(params, Rprop.Options.defaults().etas(0.4f, 1.3f))}.
     */
    public record Options(float lr, float etaMinus, float etaPlus, float stepMin, float stepMax) {

        /** {@code torch.optim.Rprop}'s defaults: lr 0.01, etas (0.5, 1.2), step sizes (1e-6, 50). */
        public static Options defaults() {
            return new Options(0.01f, 0.5f, 1.2f, 1e-6f, 50f);
        }

        public Options lr(float v) {
            return new Options(v, etaMinus, etaPlus, stepMin, stepMax);
        }

        public Options etas(float minus, float plus) {
            return new Options(lr, minus, plus, stepMin, stepMax);
        }

        public Options stepSizes(float min, float max) {
            return new Options(lr, etaMinus, etaPlus, min, max);
        }
    }

    /**
     * @throws IllegalArgumentException for a negative rate, etas not {@code 0 < etaMinus < 1 < etaPlus}
     *                                  (as PyTorch), or step sizes not {@code 0 <= min <= max}
     */
    public Rprop(List<Parameter> params, Options o) {
        if (!(o.lr() >= 0) || !(0 < o.etaMinus() && o.etaMinus() < 1 && 1 < o.etaPlus()) || Float.isInfinite(o.etaPlus())
                || !(0 <= o.stepMin() && o.stepMin() <= o.stepMax())) {
            throw new IllegalArgumentException("Rprop needs lr >= 0, etas with 0 < eta_minus < 1 < eta_plus (finite) and "
                    + "step sizes with 0 <= min <= max, got " + o);
        }
        super(params, o.lr(), 2);
        this.etaMinus = o.etaMinus();
        this.etaPlus = o.etaPlus();
        this.stepMin = o.stepMin();
        this.stepMax = o.stepMax();
        for (int i = 0; i < this.params.size(); i++) {
            FloatLanes.fill(state.buffer(i, 1), 0, this.params.get(i).numel(), o.lr());
        }
    }

    @Override
    public void step() {
        steps++;
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            Tensor v = p.value();
            Tensor g = p.grad();
            RpropStep.apply(p.numel(), v.segment(), v.offset(), g.segment(), g.offset(), state.buffer(i, 0), 0,
                    state.buffer(i, 1), 0, etaMinus, etaPlus, stepMin, stepMax);
        }
    }
}
