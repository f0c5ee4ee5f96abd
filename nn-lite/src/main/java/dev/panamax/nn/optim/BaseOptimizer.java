package dev.panamax.nn.optim;

import java.util.List;

/** What every optimizer holds: its parameters, their off-heap state and the learning rate. */
abstract class BaseOptimizer implements Optimizer {

    final List<Parameter> params;
    final OptimizerState state;
    float lr;

    BaseOptimizer(List<Parameter> params, float lr, int buffersPerParameter) {
        this.params = List.copyOf(params);
        this.lr = lr;
        this.state = new OptimizerState(this.params, buffersPerParameter);
    }

    @Override
    public void zeroGrad() {
        params.forEach(p -> p.grad().fill(0f));
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

    @Override
    public void close() {
        state.close();
    }
}
