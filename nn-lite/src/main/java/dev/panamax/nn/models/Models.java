package dev.panamax.nn.models;

import dev.panamax.nn.layers.ActivationLayer;
import dev.panamax.nn.layers.AvgPool2d;
import dev.panamax.nn.layers.BatchNorm2d;
import dev.panamax.nn.layers.Conv2d;
import dev.panamax.nn.layers.ConvAttributes;
import dev.panamax.nn.layers.Flatten;
import dev.panamax.nn.layers.GlobalAvgPool2d;
import dev.panamax.nn.layers.InceptionBlock;
import dev.panamax.nn.layers.Init;
import dev.panamax.nn.layers.Linear;
import dev.panamax.nn.layers.MaxPool2d;
import dev.panamax.nn.layers.Residual;
import dev.panamax.nn.layers.Sequential;

/**
 * The reference models of the golden suite, built from layers, with the parameter names of
 * their PyTorch definitions (OPS.md) so that a PyTorch {@code state_dict} loads into them.
 */
public final class Models {

    private Models() {
    }

    /** {@code fc3(relu(fc2(relu(fc1(x)))))}: {@code [N, in] -> [N, classes]}. */
    public static Sequential mlp(long in, long hidden, long classes) {
        return new Sequential()
                .add("fc1", new Linear(in, hidden)).add("relu1", ActivationLayer.relu())
                .add("fc2", new Linear(hidden, hidden)).add("relu2", ActivationLayer.relu())
                .add("fc3", new Linear(hidden, classes));
    }

    /**
     * LeNet-5 on {@code [N, 1, 28, 28]}: conv 5×5 (pad 2) to 6 channels, ReLU, 2×2 average pool,
     * conv 5×5 to 16, ReLU, pool, flatten (C, H, W) to 400, then 120, 84 and 10 units with ReLUs.
     */
    public static Sequential lenet5() {
        return new Sequential()
                .add("conv1", new Conv2d(1, 6, 5, 1, 2)).add("relu1", ActivationLayer.relu()).add("pool1", new AvgPool2d(2))
                .add("conv2", new Conv2d(6, 16, 5, 1, 0)).add("relu2", ActivationLayer.relu()).add("pool2", new AvgPool2d(2))
                .add("flatten", new Flatten())
                .add("fc1", new Linear(400, 120)).add("relu3", ActivationLayer.relu())
                .add("fc2", new Linear(120, 84)).add("relu4", ActivationLayer.relu())
                .add("fc3", new Linear(84, 10));
    }

    /**
     * A small Inception network for {@code [N, 1, 28, 28]} digits: a 3×3 stem to 16 channels and a
     * 2×2 max pool (14×14), an Inception block to 56 channels, a pool (7×7), a block to 112, then
     * the global average pool and {@code fc} to {@code classes}. Batch norm after every convolution;
     * the blocks' 5×5 branches are two 3×3s factorized as 1×3 and 3×1 (Inception-v3's scheme).
     */
    public static Sequential inception(long classes) {
        InceptionBlock.Factorization f = InceptionBlock.Factorization.ASYMMETRIC;
        return new Sequential()
                .add("stem", InceptionBlock.unit(1, 16, 3, 3, true))
                .add("pool1", new MaxPool2d(2))
                .add("inception1", new InceptionBlock(16, new InceptionBlock.Channels(16, 16, 24, 4, 8, 8), f, true))
                .add("pool2", new MaxPool2d(2))
                .add("inception2", new InceptionBlock(56, new InceptionBlock.Channels(32, 32, 48, 8, 16, 16), f, true))
                .add("pool", new GlobalAvgPool2d())
                .add("flatten", new Flatten())
                .add("fc", new Linear(112, classes));
    }

    /**
     * One ResNet basic block and a classifier head on {@code [N, C, H, W]}:
     * {@code relu(bn2(conv2(relu(bn1(conv1(x))))) + x)}, 3×3 convolutions without bias, then the
     * global average pool and {@code fc} to {@code classes}.
     */
    public static Sequential resnetBlockClassifier(long channels, long classes, float bnMomentum, float bnEps) {
        ConvAttributes same = ConvAttributes.square(3, 1, 1, 1, 1);
        Sequential branch = new Sequential()
                .add("conv1", new Conv2d(channels, channels, same, false, Init.generator()))
                .add("bn1", new BatchNorm2d(channels, bnEps, bnMomentum, true))
                .add("relu1", ActivationLayer.relu())
                .add("conv2", new Conv2d(channels, channels, same, false, Init.generator()))
                .add("bn2", new BatchNorm2d(channels, bnEps, bnMomentum, true));
        return new Sequential()
                .addInline(new Residual(branch))
                .add("relu", ActivationLayer.relu())
                .add("pool", new GlobalAvgPool2d())
                .add("flatten", new Flatten())
                .add("fc", new Linear(channels, classes));
    }

    /**
     * The golden {@code model_char_lstm}: a {@link CharLanguageModel} over token ids {@code [T, N]}
     * with {@code layers} LSTM layers, logits {@code [T, N, vocab]}; names {@code embed}, {@code lstm}, {@code fc}.
     */
    public static CharLanguageModel charLstm(long vocab, long embed, long hidden, int layers) {
        return new CharLanguageModel(vocab, embed, hidden, layers);
    }
}
