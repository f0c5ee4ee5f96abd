package dev.panamax.nn.layers;

import java.lang.foreign.Arena;

import dev.panamax.nn.functional.Arithmetic;
import dev.panamax.nn.tensor.Tensor;

/**
 * The squeeze-and-excitation gate of {@code torchvision.ops.SqueezeExcitation} (Hu et al., the
 * channel attention of MobileNetV3's and EfficientNet's blocks):
 * {@code y = x * scale_activation(fc2(activation(fc1(avgpool(x)))))}, with fc1 and fc2 1×1
 * convolutions {@code C -> S -> C} with bias and, by default, ReLU and sigmoid: x {@code [N, C, H, W]}
 * (or one image {@code [C, H, W]}), y of x's shape, each channel of each image scaled by one
 * number. Names as torchvision's: {@code fc1.weight}, {@code fc1.bias}, {@code fc2.weight},
 * {@code fc2.bias}.
 */
public final class SqueezeExcitation extends Layer {

    private final Sequential scale;
    private Tensor x;
    private Tensor s;

    /** torchvision's defaults: ReLU inside, sigmoid for the scale. */
    public SqueezeExcitation(long channels, long squeezeChannels) {
        this(channels, squeezeChannels, ActivationLayer.relu(), ActivationLayer.sigmoid());
    }

    public SqueezeExcitation(long channels, long squeezeChannels, Layer activation, Layer scaleActivation) {
        scale = new Sequential()
                .add("avgpool", new AdaptiveAvgPool2d(1))
                .add("fc1", new Conv2d(channels, squeezeChannels, 1))
                .add("activation", activation)
                .add("fc2", new Conv2d(squeezeChannels, channels, 1))
                .add("scale_activation", scaleActivation);
        adoptChildren(scale);
    }

    @Override
    public Tensor forward(Tensor x, Arena arena) {
        Tensor s = scale.forward(x, arena);
        Tensor y = Arithmetic.mul(x, s, arena);
        this.x = x;
        this.s = s;
        return y;
    }

    /** The input's gradient through both of its paths: the product and the scale computed from it. */
    @Override
    public Tensor backward(Tensor gy, Arena arena) {
        Tensor[] g = Arithmetic.mulBackward(saved(x), s, gy, arena);
        return Residuals.sum(g[0], scale.backward(g[1], arena), arena);
    }

    @Override
    public boolean samplesIndependent() {
        return true;
    }
}
