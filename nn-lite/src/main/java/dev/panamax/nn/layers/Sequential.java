package dev.panamax.nn.layers;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.ObjLongConsumer;

import dev.panamax.nn.tensor.Tensor;

/**
 * Layers applied one after another, as {@code torch.nn.Sequential}: forward in order, backward
 * in reverse. Layers added without a name are named by position ({@code "0"}, {@code "1"}, ...)
 * as in PyTorch, so parameter names match a PyTorch {@code state_dict}.
 */
public final class Sequential extends Layer {

    private final List<Layer> layers = new ArrayList<>();
    private ObjLongConsumer<String> timer;
    private Consumer<Layer> afterBackward;

    /** The given layers, named by position. */
    public Sequential(Layer... layers) {
        for (Layer l : layers) {
            add(l);
        }
    }

    /** Appends a layer named by its position. */
    public Sequential add(Layer layer) {
        return add(Integer.toString(layers.size()), layer);
    }

    /** Appends a layer under a name ({@code "conv1"}). */
    public Sequential add(String name, Layer layer) {
        child(name, layer);
        if (layers.isEmpty() && !inputGradientRequired()) {
            layer.requireInputGradient(false);
        }
        layers.add(layer);
        return this;
    }

    /**
     * Appends a block whose own children keep their names in this Sequential's namespace, the way
     * a PyTorch model that holds {@code conv1, bn1, ...} as attributes names them (no block prefix).
     */
    public Sequential addInline(Layer block) {
        adoptChildren(block);
        if (layers.isEmpty() && !inputGradientRequired()) {
            block.requireInputGradient(false);
        }
        layers.add(block);
        return this;
    }

    @Override
    public Sequential train() {
        return train(true);
    }

    @Override
    public Sequential eval() {
        return train(false);
    }

    @Override
    public Sequential train(boolean on) {
        super.train(on);
        return this;
    }

    /** Passes the setting to the first layer; the others always produce their input's gradient. */
    @Override
    public Sequential requireInputGradient(boolean required) {
        super.requireInputGradient(required);
        if (!layers.isEmpty()) {
            layers.getFirst().requireInputGradient(required);
        }
        return this;
    }

    /** The layers in order. */
    public List<Layer> layers() {
        return List.copyOf(layers);
    }

    /**
     * Reports the time of every layer's forward and backward to {@code timer} as
     * ({@link Layer#family()}, nanoseconds); nested Sequentials report their own layers. Null stops it.
     */
    public void profile(ObjLongConsumer<String> timer) {
        this.timer = timer;
        layers.forEach(l -> {
            if (l instanceof Sequential s) {
                s.profile(timer);
            }
        });
    }

    /**
     * The layers whose backward {@link #onBackward} reports: this Sequential's layers in order,
     * nested Sequentials replaced by their own leaves.
     */
    public List<Layer> leaves() {
        List<Layer> out = new ArrayList<>();
        for (Layer l : layers) {
            if (l instanceof Sequential s) {
                out.addAll(s.leaves());
            } else {
                out.add(l);
            }
        }
        return out;
    }

    /**
     * Calls {@code hook} with each of the {@link #leaves()} right after its backward, when the
     * gradients of its parameters are complete: data-parallel training starts reducing them
     * there, while the layers before it are still in backward. Null removes it.
     */
    public void onBackward(Consumer<Layer> hook) {
        this.afterBackward = hook;
        layers.forEach(l -> {
            if (l instanceof Sequential s) {
                s.onBackward(hook);
            }
        });
    }

    /**
     * The layers' forwards in order. In {@link InferenceMode}, a {@link Conv2d} followed by ReLU
     * and {@code MaxPool2d(2)} or {@code AvgPool2d(2)} runs as one kernel where the convolution's
     * plan allows it ({@code Convolution.conv2dReluPool}: the same values, without writing the
     * full-size activations twice), and a {@link Linear} followed by ReLU adds its bias and
     * applies the ReLU in one pass ({@code LinearAlgebra.linearRelu}); a profile then counts the
     * fused layers as the first.
     */
    @Override
    public Tensor forward(Tensor x, Arena arena) {
        boolean inference = InferenceMode.active();
        Tensor h = x;
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            long t0 = timer == null ? 0 : System.nanoTime();
            Tensor fused = inference ? fusedWithRelu(i, h, arena) : null;
            if (fused != null) {
                h = fused;
                i += l instanceof Linear ? 1 : 2;
            } else {
                h = l.forward(h, arena);
            }
            time(l, t0);
        }
        return h;
    }

    /**
     * The layers from i over x as one kernel, when they are Conv2d, ReLU and a 2 x 2 max or
     * average pool that the convolution's kernel takes, or Linear and ReLU; else null.
     */
    private Tensor fusedWithRelu(int i, Tensor x, Arena arena) {
        if (i + 1 >= layers.size() || !(layers.get(i + 1) instanceof ActivationLayer relu) || !relu.isRelu()) {
            return null;
        }
        Tensor y = null;
        if (layers.get(i) instanceof Linear linear) {
            y = linear.forwardRelu(x, arena);
        } else if (layers.get(i) instanceof Conv2d conv && i + 2 < layers.size()) {
            Layer next = layers.get(i + 2);
            boolean max = next instanceof MaxPool2d pool && pool.isMaxTwoByTwo();
            boolean average = next instanceof AvgPool2d pool && pool.isTwoByTwo();
            y = max || average ? conv.forwardReluPool(x, average, arena) : null;
            if (y != null && max) {
                ((MaxPool2d) next).fused();
            } else if (y != null) {
                ((AvgPool2d) next).fused();
            }
        }
        if (y != null) {
            relu.fused();
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        Tensor g = gy;
        for (int i = layers.size() - 1; i >= 0; i--) {
            Layer l = layers.get(i);
            long t0 = timer == null ? 0 : System.nanoTime();
            g = l.backward(g, arena);
            time(l, t0);
            if (afterBackward != null && !(l instanceof Sequential)) {
                afterBackward.accept(l);
            }
        }
        return g;
    }

    private void time(Layer l, long t0) {
        if (timer != null && !(l instanceof Sequential)) {
            timer.accept(l.family(), System.nanoTime() - t0);
        }
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(describe()).append("(");
        children().forEach((name, l) -> s.append("\n  (").append(name).append("): ").append(l.toString().replace("\n", "\n  ")));
        return s.append(layers.isEmpty() ? ")" : "\n)").toString();
    }

    /** True when every child's is (see {@link Layer#samplesIndependent()}). */
    @Override
    public boolean samplesIndependent() {
        return childrenSamplesIndependent();
    }
}
