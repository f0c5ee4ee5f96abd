package dev.panamax.properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import dev.panamax.kernels.activation.Activation;
import dev.panamax.kernels.pad.PadMode;
import dev.panamax.nn.functional.Resampling;
import dev.panamax.nn.layers.ActivationLayer;
import dev.panamax.nn.layers.AdaptiveAvgPool1d;
import dev.panamax.nn.layers.AdaptiveAvgPool2d;
import dev.panamax.nn.layers.AdaptiveMaxPool1d;
import dev.panamax.nn.layers.AdaptiveMaxPool2d;
import dev.panamax.nn.layers.AvgPool1d;
import dev.panamax.nn.layers.AvgPool2d;
import dev.panamax.nn.layers.BatchNorm1d;
import dev.panamax.nn.layers.BatchNorm2d;
import dev.panamax.nn.layers.Block;
import dev.panamax.nn.layers.Checkpoint;
import dev.panamax.nn.layers.ChannelShuffle;
import dev.panamax.nn.layers.Concat;
import dev.panamax.nn.layers.Conv1d;
import dev.panamax.nn.layers.Conv2d;
import dev.panamax.nn.layers.ConvAttributes;
import dev.panamax.nn.layers.ConvTranspose1d;
import dev.panamax.nn.layers.ConvTranspose2d;
import dev.panamax.nn.layers.DepthwiseSeparableConv2d;
import dev.panamax.nn.layers.Dropout;
import dev.panamax.nn.layers.Embedding;
import dev.panamax.nn.layers.Flatten;
import dev.panamax.nn.layers.GRU;
import dev.panamax.nn.layers.Fold;
import dev.panamax.nn.layers.GLU;
import dev.panamax.nn.layers.GRUCell;
import dev.panamax.nn.layers.GlobalAvgPool2d;
import dev.panamax.nn.layers.GlobalMaxPool2d;
import dev.panamax.nn.layers.GroupNorm;
import dev.panamax.nn.layers.InceptionBlock;
import dev.panamax.nn.layers.Init;
import dev.panamax.nn.layers.InstanceNorm2d;
import dev.panamax.nn.layers.LSTM;
import dev.panamax.nn.layers.LSTMCell;
import dev.panamax.nn.layers.Layer;
import dev.panamax.nn.layers.LayerNorm;
import dev.panamax.nn.layers.LPPool2d;
import dev.panamax.nn.layers.Linear;
import dev.panamax.nn.layers.LocalResponseNorm;
import dev.panamax.nn.layers.MaxPool1d;
import dev.panamax.nn.layers.MaxPool2d;
import dev.panamax.nn.layers.MinPool2d;
import dev.panamax.nn.layers.MultiHeadAttention;
import dev.panamax.nn.layers.PReLU;
import dev.panamax.nn.layers.Pad2d;
import dev.panamax.nn.layers.PoolWindow;
import dev.panamax.nn.layers.RNN;
import dev.panamax.nn.layers.RNNCell;
import dev.panamax.nn.layers.RecurrentOptions;
import dev.panamax.nn.layers.RReLU;
import dev.panamax.nn.layers.ReflectionPad1d;
import dev.panamax.nn.layers.Residual;
import dev.panamax.nn.layers.Sequential;
import dev.panamax.nn.layers.Softmax;
import dev.panamax.nn.layers.SqueezeExcitation;
import dev.panamax.nn.layers.TransformerEncoderLayer;
import dev.panamax.nn.layers.TransformerOptions;
import dev.panamax.nn.layers.Unflatten;
import dev.panamax.nn.layers.Unfold;
import dev.panamax.nn.layers.Upsample;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.StepArena;
import dev.panamax.nn.tensor.Tensor;

/**
 * Every layer's backward through the layer API against central finite differences of
 * {@code L = sum(y * r)} (r fixed and random): the input gradient and every parameter gradient,
 * at a sample of coordinates. Inputs of layers with kinks (ReLU, max/min pools) keep a margin
 * of several steps from them, so the differences are well defined.
 */
class LayerGradientTest {

    private static final float STEP = 1e-2f;
    private static final long SEED = Long.getLong("panamax.seed", 0);

    @Test
    void linearConvolutionsAndPools() {
        check("linear", () -> new Linear(7, 5), 3, 7);
        check("conv2d grouped strided", () -> new Conv2d(4, 6, new ConvAttributes(new int[] {3, 2}, new int[] {2, 1},
                new int[] {1, 0}, new int[] {1, 2}, new int[] {0, 0}, 2), true, new SplittableRandom(1)), 2, 4, 7, 6);
        check("conv_transpose2d", () -> new ConvTranspose2d(4, 2, ConvAttributes.square(3, 2, 1, 1, 1).withOutputPadding(1, 1),
                true, new SplittableRandom(2)), 2, 4, 3, 4);
        check("depthwise separable", () -> new DepthwiseSeparableConv2d(3, 5, 3, 1, 1), 2, 3, 5, 5);
        checkSpaced("max_pool2d", () -> new MaxPool2d(PoolWindow.of(3, 2, 1)), 2, 3, 6, 5);
        checkSpaced("min_pool2d", () -> new MinPool2d(2), 2, 2, 4, 6);
        check("avg_pool2d", () -> new AvgPool2d(PoolWindow.of(3, 2, 1), false), 2, 3, 6, 5);
        check("global avg", GlobalAvgPool2d::new, 2, 3, 4, 5);
        check("lp_pool2d", () -> new LPPool2d(2, new int[] {2, 3}, new int[] {2, 2}, true), 2, 2, 5, 6);
        checkSpaced("global max", GlobalMaxPool2d::new, 2, 3, 4, 5);
        check("flatten", Flatten::new, 2, 3, 2, 2);
        check("channel_shuffle", () -> new ChannelShuffle(2), 2, 4, 3);
        check("unflatten", () -> new Unflatten(1, 3, 4), 2, 12);
        check("unfold", () -> new Unfold(new ConvAttributes(new int[] {2, 3}, new int[] {2, 1}, new int[] {1, 0},
                new int[] {1, 2}, new int[] {0, 0}, 1)), 2, 3, 5, 6);
        check("fold", () -> new Fold(new int[] {4, 5}, ConvAttributes.square(2, 1, 1, 1, 1)), 2, 8, 30);
        check("reflection_pad1d", () -> new ReflectionPad1d(2, 1), 2, 3, 5);
        checkSpaced("max_pool2d ceil_mode", () -> new MaxPool2d(PoolWindow.of(3, 2, 1).withCeilMode(true)), 2, 3, 6, 5);
        check("avg_pool2d ceil_mode", () -> new AvgPool2d(PoolWindow.of(3, 2, 1).withCeilMode(true), true), 2, 3, 6, 5);
        check("upsample bilinear", () -> new Upsample(1.5, 2.5, Resampling.Mode.BILINEAR, false), 2, 2, 3, 4);
        check("upsample bicubic", () -> new Upsample(1.5, 0.7, Resampling.Mode.BICUBIC, false), 2, 2, 3, 4);
        check("upsample bicubic aligned", () -> Upsample.toSize(4, 6, Resampling.Mode.BICUBIC, true), 2, 2, 3, 4);
        check("upsample nearest", () -> Upsample.toSize(5, 3, Resampling.Mode.NEAREST, false), 2, 2, 3, 4);
        check("conv1d", () -> new Conv1d(4, 6, 3, 2, 1, 2, 2, true, PadMode.CONSTANT, new SplittableRandom(5)), 2, 4, 11);
        check("conv1d circular", () -> new Conv1d(3, 2, 3, 1, 2, 1, 1, true, PadMode.CIRCULAR, new SplittableRandom(6)), 2, 3, 7);
        check("conv_transpose1d", () -> new ConvTranspose1d(4, 6, 3, 2, 1, 1, 2, 2, true, new SplittableRandom(14)), 2, 4, 5);
        check("conv1d same", () -> Conv1d.same(3, 2, 4, 1, 1, true, PadMode.REPLICATE, new SplittableRandom(7)), 2, 3, 7);
        check("adaptive_avg_pool1d", () -> new AdaptiveAvgPool1d(4), 2, 3, 9);
        checkSpaced("adaptive_max_pool1d", () -> new AdaptiveMaxPool1d(3), 2, 3, 9);
        checkSpaced("max_pool1d", () -> new MaxPool1d(3, 2, 1, true), 2, 3, 8);
        check("avg_pool1d", () -> new AvgPool1d(4, 2, 1, true, false), 2, 3, 9);
        check("adaptive_avg_pool2d", () -> new AdaptiveAvgPool2d(3, 4), 2, 2, 5, 7);
        checkSpaced("adaptive_max_pool2d", () -> new AdaptiveMaxPool2d(2, 3), 2, 2, 5, 7);
        check("conv2d padding same", () -> new Conv2d(3, 2, ConvAttributes.same(new int[] {2, 4}, new int[] {1, 1}, 1), true,
                new SplittableRandom(4)), 2, 3, 5, 6);
        for (PadMode mode : PadMode.values()) {
            check("pad2d " + mode, () -> new Pad2d(new int[] {2, 1, 0, 2}, mode, 0.5f), 2, 3, 4, 5);
            check("conv2d padding_mode " + mode, () -> new Conv2d(3, 2, new ConvAttributes(new int[] {3, 3}, new int[] {2, 1},
                    new int[] {1, 2}, new int[] {1, 1}, new int[] {0, 0}, 1), true, new SplittableRandom(3), mode), 2, 3, 5, 4);
        }
    }

    @Test
    void normsActivationsAndDropout() {
        check("batch_norm1d", () -> new BatchNorm1d(4), 6, 4);
        check("batch_norm2d", () -> new BatchNorm2d(3), 3, 3, 4, 4);
        check("batch_norm2d eval", () -> new BatchNorm2d(3).eval(), 3, 3, 4, 4);
        check("batch_norm1d eval", () -> new BatchNorm1d(4).eval(), 6, 4);
        check("layer_norm", () -> new LayerNorm(3, 4), 2, 3, 4);
        check("group_norm", () -> new GroupNorm(2, 4), 2, 4, 3);
        check("local_response_norm", () -> new LocalResponseNorm(3, 0.5f, 0.75f, 1f), 2, 5, 2, 3);
        check("squeeze_excitation", () -> new SqueezeExcitation(4, 2), 2, 4, 3, 3);
        check("instance_norm2d", () -> new InstanceNorm2d(3, 1e-5f, true), 2, 3, 3, 4);
        check("instance_norm2d running statistics", () -> new InstanceNorm2d(3, 1e-5f, 0.1f, true, true).eval(), 2, 3, 3, 4);
        for (Activation f : List.of(Activation.GELU, Activation.SILU, Activation.TANH, Activation.SIGMOID, Activation.MISH,
                Activation.SELU, Activation.elu(0.7f), Activation.softplus(2f, 20f), Activation.celu(0.7f), Activation.LOGSIGMOID,
                Activation.SOFTSIGN, Activation.TANHSHRINK)) {
            check(f.toString(), () -> new ActivationLayer(f), 3, 5);
        }
        checkSpaced("softshrink", () -> ActivationLayer.softshrink(0.28f), 3, 8);
        checkSpaced("hardshrink", () -> ActivationLayer.hardshrink(0.28f), 3, 8);
        checkSpaced("threshold", () -> ActivationLayer.threshold(0.14f, -1f), 3, 8);
        check("glu", () -> new GLU(1), 2, 6, 3);
        checkSpaced("relu", ActivationLayer::relu, 3, 8);
        checkSpaced("rrelu eval", () -> new RReLU(0.1f, 0.3f, 1).eval(), 3, 8);
        checkSpaced("prelu per channel", () -> new PReLU(3, 0.2f), 2, 3, 4);
        checkSpaced("prelu shared", PReLU::new, 3, 5);
        check("softmax", () -> Softmax.softmax(1), 3, 6);
        check("softmin", () -> Softmax.softmin(1), 3, 6);
        check("log_softmax", () -> Softmax.logSoftmax(-1), 3, 6);
        check("dropout", () -> new Dropout(0.3f, 7), 4, 9);
    }

    @Test
    void recurrentLayers() {
        RecurrentOptions two = RecurrentOptions.defaults().layers(2).bidirectional(true);
        check("lstm", () -> new LSTM(3, 4, two, new SplittableRandom(1)), 4, 2, 3);
        check("gru", () -> new GRU(3, 4, two, true, new SplittableRandom(2)), 4, 2, 3);
        check("gru, reset before the product", () -> new GRU(3, 4, two, false, new SplittableRandom(3)), 4, 2, 3);
        check("rnn tanh", () -> new RNN(3, 5, "tanh", RecurrentOptions.defaults().layers(3), new SplittableRandom(4)), 3, 2, 3);
        check("lstm batch first, learned initial state, dropout between layers", () -> new LSTM(3, 4,
                two.batchFirst(true).dropout(0.3f).learnInitialState(true), new SplittableRandom(5)), 2, 5, 3);
        check("lstm cell", () -> new LSTMCell(3, 4, true, new SplittableRandom(11)), 5, 3);
        check("gru cell", () -> new GRUCell(3, 4, true, new SplittableRandom(12)), 5, 3);
        check("rnn cell", () -> new RNNCell(3, 4, false, "tanh", new SplittableRandom(13)), 5, 3);
    }

    @Test
    void attentionLayers() {
        check("multi-head self-attention", () -> new MultiHeadAttention(8, 2, true, true, new SplittableRandom(6)), 2, 5, 8);
        check("multi-head self-attention, sequence first", () -> new MultiHeadAttention(6, 3, true, false,
                new SplittableRandom(7)), 4, 2, 6);
        TransformerOptions o = TransformerOptions.of(8, 2).dimFeedforward(12).dropout(0f).batchFirst(true).activation("gelu");
        check("encoder layer, post-norm", () -> new TransformerEncoderLayer(o), 2, 5, 8);
        check("encoder layer, sequence first", () -> new TransformerEncoderLayer(o.batchFirst(false)), 5, 2, 8);
        check("encoder layer, pre-norm", () -> new TransformerEncoderLayer(o.normFirst(true)), 2, 5, 8);
    }

    @Test
    void compositesAndEmbedding() {
        check("residual", () -> new Residual(new Sequential().add("fc", new Linear(5, 5)).add("act", ActivationLayer.tanh()),
                new Linear(5, 5)), 3, 5);
        check("concat", () -> new Concat().add(new Conv2d(2, 3, 3, 1, 1)).add(new Sequential(new Conv2d(2, 2, 1),
                ActivationLayer.tanh())).add(new Residual(new Sequential().add("fc", new Linear(4, 4)))), 2, 2, 3, 4);
        for (InceptionBlock.Factorization f : InceptionBlock.Factorization.values()) {
            // SiLU after every unit: ReLU puts kinks at every scale through four stacked units (ReLU and each
            // layer are checked on their own; InceptionTest checks a ReLU block against its branches).
            check("inception block " + f, () -> new InceptionBlock(3, new InceptionBlock.Channels(2, 2, 3, 1, 2, 2), f, true,
                    Activation.SILU), 2, 3, 5, 5);
        }
        check("checkpointed block", () -> new Checkpoint(new Sequential().add("conv", new Conv2d(2, 3, 3, 1, 1))
                .add("bn", new BatchNorm2d(3)).add("act", ActivationLayer.silu()).add("drop", new Dropout(0.2f, 3))), 2, 2, 4, 4);
        try (Arena arena = Arena.ofConfined()) {
            Embedding e = new Embedding(6, 3, 1L, new SplittableRandom(3));
            Tensor idx = Tensor.ofLongs(arena, new long[] {0, 1, 4, 4, 5, 1}, 2, 3);
            Tensor y = e.forward(idx, arena);
            Tensor r = random(arena, new SplittableRandom(4), false, y.shape());
            assertThat(e.backward(r, arena)).isNull();
            float[] gw = e.weight().grad().toFloatArray();
            float[] rv = r.toFloatArray();
            assertThat(gw[4 * 3 + 1]).isEqualTo(rv[2 * 3 + 1] + rv[3 * 3 + 1]);
            assertThat(gw[3]).as("padding row").isZero();
        }
    }

    /** Checks a layer on a random input of {@code shape}. */
    private static void check(String name, Supplier<Layer> layer, long... shape) {
        Init.manualSeed(name.hashCode() + SEED);            // layers built without a generator draw from the global one
        run(name, layer.get(), false, STEP, shape);
    }

    /** As {@link #check}, with input values spaced apart (no ties, no value near a kink). */
    private static void checkSpaced(String name, Supplier<Layer> layer, long... shape) {
        Init.manualSeed(name.hashCode() + SEED);
        run(name, layer.get(), true, STEP, shape);
    }

    private static void run(String name, Layer layer, boolean spaced, float step, long[] shape) {
        SplittableRandom rnd = new SplittableRandom(name.hashCode());
        try (Arena fixed = Arena.ofConfined(); StepArena arena = new StepArena()) {
            Tensor x = random(fixed, rnd, spaced, shape);
            List<Dropout> dropouts = new ArrayList<>();
            collect(layer, dropouts);
            Tensor y = forward(layer, x, dropouts, arena);
            Tensor r = random(fixed, rnd, false, y.shape());
            for (Parameter p : layer.parameters()) {
                p.grad().fill(0f);
            }
            Tensor gx = layer.backward(r, arena).copy(fixed);
            List<Tensor> analytic = new ArrayList<>();
            List<Tensor> values = new ArrayList<>();
            analytic.add(gx);
            values.add(x);
            for (Parameter p : layer.parameters()) {
                analytic.add(p.grad().copy(fixed));
                values.add(p.value());
            }
            int checked = 0;
            int kinks = 0;
            for (int t = 0; t < values.size(); t++) {
                Tensor v = values.get(t);
                float[] want = analytic.get(t).toFloatArray();
                for (int k = 0; k < Math.min(12, v.numel()); k++) {
                    long i = v.numel() <= 12 ? k : rnd.nextLong(v.numel());
                    double fd = difference(layer, x, dropouts, arena, r, v, i, step);
                    double an = want[(int) i];
                    checked++;
                    if (Math.abs(fd - an) > 5e-3 + 2e-2 * Math.abs(an)) {
                        // Central differences straddling a kink (a ReLU input or a pooling tie within the step) are
                        // off by up to the slope change; a step ten times smaller steps clear of a kink at a distance
                        // and agrees, while a wrong gradient stays wrong at any step.
                        double fine = difference(layer, x, dropouts, arena, r, v, i, step / 10);
                        if (Math.abs(fine - an) <= 5e-3 + 2e-2 * Math.abs(an)) {
                            kinks++;
                            continue;
                        }
                        fail(name + ": d/d" + (t == 0 ? "x" : layer.parameters().get(t - 1).name()) + "[" + i + "] = " + an
                                + ", finite differences give " + fd + " (" + fine + " at a tenth of the step)");
                    }
                }
            }
            assertThat(kinks).as(name + ": coordinates at a kink, of " + checked).isLessThanOrEqualTo(checked / 4);
        }
    }

    /** {@code d(y . r)/dv[i]} by central differences of step {@code h}; {@code v[i]} is restored. */
    private static double difference(Layer layer, Tensor x, List<Dropout> dropouts, StepArena arena, Tensor r, Tensor v,
                                     long i, float h) {
        float old = get(v, i);
        set(v, i, old + h);
        double up = dot(forward(layer, x, dropouts, arena), r);
        set(v, i, old - h);
        double down = dot(forward(layer, x, dropouts, arena), r);
        set(v, i, old);
        return (up - down) / (2 * h);
    }

    private static Tensor forward(Layer layer, Tensor x, List<Dropout> dropouts, StepArena arena) {
        dropouts.forEach(d -> d.seek(0));
        arena.reset();
        return layer.forward(x, arena);
    }

    private static void collect(Block l, List<Dropout> out) {
        if (l instanceof Dropout d) {
            out.add(d);
        }
        l.children().values().forEach(c -> collect(c, out));
    }

    private static Tensor random(Arena arena, SplittableRandom rnd, boolean spaced, long... shape) {
        Tensor t = Tensor.zeros(arena, shape);
        long n = t.numel();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        java.util.Collections.shuffle(order, new java.util.Random(rnd.nextLong()));
        for (int i = 0; i < n; i++) {
            // Spaced values: distinct multiples of 0.07 shifted by 0.035, never within 3 steps of 0 or each other.
            float v = spaced ? (float) ((order.get(i) - n / 2) * 0.07 + 0.035) : (float) rnd.nextGaussian();
            set(t, i, v);
        }
        return t;
    }

    private static double dot(Tensor y, Tensor r) {
        float[] a = y.toFloatArray();
        float[] b = r.toFloatArray();
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    private static float get(Tensor t, long i) {
        return t.segment().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, t.offset() + i);
    }

    private static void set(Tensor t, long i, float v) {
        t.segment().setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, t.offset() + i, v);
    }
}
