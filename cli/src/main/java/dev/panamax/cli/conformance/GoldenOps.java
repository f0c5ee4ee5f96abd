package dev.panamax.cli.conformance;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import dev.panamax.kernels.activation.Activation;
import dev.panamax.nn.data.Standardizer;
import dev.panamax.nn.data.Whitening;
import dev.panamax.nn.functional.Activations;
import dev.panamax.nn.functional.Convolution;
import dev.panamax.nn.functional.Embeddings;
import dev.panamax.nn.functional.LinearAlgebra;
import dev.panamax.nn.functional.Losses;
import dev.panamax.nn.functional.Normalization;
import dev.panamax.nn.functional.Pooling;
import dev.panamax.nn.functional.SoftmaxFunctions;
import dev.panamax.nn.models.Perceptron;
import dev.panamax.nn.optim.Adam;
import dev.panamax.nn.optim.GradientClipping;
import dev.panamax.nn.optim.Optimizer;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.optim.Sgd;
import dev.panamax.nn.tensor.Tensor;

/**
 * The golden ops Panamax implements, each run through the same public functional API a user
 * calls: forward, then backward when the case has upstream gradients. An op missing here is
 * reported as skipped, never as passed.
 */
public final class GoldenOps {

    /** Runs one case's op. */
    @FunctionalInterface
    public interface Op {
        OpResult run(GoldenCase c, Arena arena) throws IOException;
    }

    private static final Map<String, Op> OPS = new TreeMap<>();

    static {
        activation("relu", c -> Activation.RELU);
        activation("relu6", c -> Activation.RELU6);
        activation("leaky_relu", c -> Activation.leakyRelu(c.floatAttr("negative_slope", 0.01f)));
        activation("elu", c -> Activation.elu(c.floatAttr("alpha", 1f)));
        activation("selu", c -> Activation.SELU);
        activation("silu", c -> Activation.SILU);
        activation("gelu", c -> switch (c.stringAttr("approximate", "none")) {
            case "none" -> Activation.GELU;
            case "tanh" -> Activation.GELU_TANH;
            default -> throw new IllegalArgumentException("gelu approximate must be 'none' or 'tanh', got "
                    + c.stringAttr("approximate", ""));
        });
        activation("tanh", c -> Activation.TANH);
        activation("sigmoid", c -> Activation.SIGMOID);
        activation("softplus", c -> Activation.softplus(c.floatAttr("beta", 1f), c.floatAttr("threshold", 20f)));
        activation("mish", c -> Activation.MISH);
        activation("hardswish", c -> Activation.HARDSWISH);
        OPS.put("softmax", (c, a) -> softmax(c, a, false));
        OPS.put("log_softmax", (c, a) -> softmax(c, a, true));
        OPS.put("cross_entropy", GoldenOps::crossEntropy);
        OPS.put("mse_loss", GoldenOps::mseLoss);
        OPS.put("binary_cross_entropy_with_logits", GoldenOps::bceWithLogits);
        OPS.put("batch_norm", GoldenOps::batchNorm);
        OPS.put("layer_norm", GoldenOps::layerNorm);
        OPS.put("group_norm", GoldenOps::groupNorm);
        OPS.put("embedding", GoldenOps::embedding);
        OPS.put("gemm", GoldenOps::gemm);
        OPS.put("linear", GoldenOps::linear);
        OPS.put("conv2d", GoldenOps::conv2d);
        OPS.put("conv_transpose2d", GoldenOps::convTranspose2d);
        OPS.put("max_pool2d", (c, a) -> extremumPool(c, a, false));
        OPS.put("min_pool2d", (c, a) -> extremumPool(c, a, true));
        OPS.put("avg_pool2d", GoldenOps::avgPool);
        OPS.put("global_avg_pool2d", GoldenOps::globalAvgPool);
        OPS.put("global_max_pool2d", GoldenOps::globalMaxPool);
        OPS.put("sgd", GoldenOps::sgd);
        OPS.put("adam", (c, a) -> adam(c, a, false));
        OPS.put("adamw", (c, a) -> adam(c, a, true));
        OPS.put("clip_grad_norm", GoldenOps::clipGradNorm);
        OPS.put("perceptron_train", GoldenOps::perceptron);
        OPS.put("standardize", (c, a) -> new OpResult().output("Y",
                new Standardizer(c.floatAttr("eps", 0f)).fit(c.input("X", a)).transform(c.input("X", a), a)));
        GoldenModels.register(OPS);
        GoldenRecurrent.register(OPS);
        GoldenAttention.register(OPS);
        OPS.put("zca_whiten", (c, a) -> new OpResult().output("Xw",
                Whitening.zca(c.doubleAttr("eps", 0)).fit(c.input("X", a)).transform(c.input("X", a), a)));
    }

    private GoldenOps() {
    }

    /** The runner of an op, if Panamax implements it. */
    public static Optional<Op> find(String op) {
        return Optional.ofNullable(OPS.get(op));
    }

    /** The names of every implemented op. */
    public static Iterable<String> names() {
        return OPS.keySet();
    }

    private interface ActivationOf {
        Activation of(GoldenCase c);
    }

    private static void activation(String name, ActivationOf f) {
        OPS.put(name, (c, a) -> {
            Activation act = f.of(c);
            Tensor x = c.input("x", a);
            OpResult r = new OpResult().output("y", Activations.forward(act, x, a));
            Optional<Tensor> gy = c.gradOutput("y", a);
            if (gy.isPresent()) {
                r.grad("x", Activations.backward(act, x, gy.get(), a));
            }
            return r;
        });
    }

    private static OpResult softmax(GoldenCase c, Arena a, boolean log) throws IOException {
        int dim = c.intAttr("dim", -1);
        Tensor x = c.input("x", a);
        Tensor y = log ? SoftmaxFunctions.logSoftmax(x, dim, a) : SoftmaxFunctions.softmax(x, dim, a);
        OpResult r = new OpResult().output("y", y);
        Optional<Tensor> gy = c.gradOutput("y", a);
        if (gy.isPresent()) {
            r.grad("x", log ? SoftmaxFunctions.logSoftmaxBackward(y, gy.get(), dim, a)
                    : SoftmaxFunctions.softmaxBackward(y, gy.get(), dim, a));
        }
        return r;
    }

    private static void requireMean(GoldenCase c) {
        String reduction = c.stringAttr("reduction", "mean");
        if (!reduction.equals("mean")) {
            throw new IllegalArgumentException("reduction '" + reduction + "' is not supported (only 'mean')");
        }
    }

    private static float lossGrad(GoldenCase c, Arena a) throws IOException {
        return c.gradOutput("loss", a).map(Tensor::item).orElse(Float.NaN);
    }

    private static OpResult crossEntropy(GoldenCase c, Arena a) throws IOException {
        requireMean(c);
        Tensor logits = c.input("logits", a);
        Tensor target = c.input("target", a);
        Tensor weight = c.optionalInput("weight", a);
        float eps = c.floatAttr("label_smoothing", 0f);
        OpResult r = new OpResult().output("loss", Losses.crossEntropy(logits, target, weight, eps, a));
        if (c.hasBackward()) {
            r.grad("logits", Losses.crossEntropyBackward(logits, target, weight, eps, lossGrad(c, a), a));
        }
        return r;
    }

    private static OpResult mseLoss(GoldenCase c, Arena a) throws IOException {
        requireMean(c);
        Tensor input = c.input("input", a);
        Tensor target = c.input("target", a);
        OpResult r = new OpResult().output("loss", Losses.mse(input, target, a));
        if (c.hasBackward()) {
            Tensor[] g = Losses.mseBackward(input, target, lossGrad(c, a), a);
            r.grad("input", g[0]).grad("target", g[1]);
        }
        return r;
    }

    private static OpResult bceWithLogits(GoldenCase c, Arena a) throws IOException {
        requireMean(c);
        Tensor logits = c.input("logits", a);
        Tensor target = c.input("target", a);
        Tensor posWeight = c.optionalInput("pos_weight", a);
        OpResult r = new OpResult().output("loss", Losses.bceWithLogits(logits, target, posWeight, a));
        if (c.hasBackward()) {
            r.grad("logits", Losses.bceWithLogitsBackward(logits, target, posWeight, lossGrad(c, a), a));
        }
        return r;
    }

    private static OpResult batchNorm(GoldenCase c, Arena a) throws IOException {
        boolean training = c.boolAttr("training", true);
        Tensor x = c.input("x", a);
        Tensor w = c.optionalInput("weight", a);
        Tensor b = c.optionalInput("bias", a);
        Tensor rm = c.optionalInput("running_mean", a);
        Tensor rv = c.optionalInput("running_var", a);
        Normalization.Saved s = Normalization.batchNorm(x, w, b, rm, rv, training,
                c.floatAttr("momentum", 0.1f), c.floatAttr("eps", 1e-5f), a);
        OpResult r = new OpResult().output("y", s.y());
        if (rm != null) {
            r.output("running_mean", rm);
        }
        if (rv != null) {
            r.output("running_var", rv);
        }
        Optional<Tensor> gy = c.gradOutput("y", a);
        if (gy.isPresent()) {
            grads(r, Normalization.batchNormBackward(x, w, b != null, s, gy.get(), training, a));
        }
        return r;
    }

    private static OpResult layerNorm(GoldenCase c, Arena a) throws IOException {
        Tensor x = c.input("x", a);
        Tensor w = c.optionalInput("weight", a);
        Tensor b = c.optionalInput("bias", a);
        long[] shape = c.longsAttr("normalized_shape");
        Normalization.Saved s = Normalization.layerNorm(x, shape, w, b, c.floatAttr("eps", 1e-5f), a);
        OpResult r = new OpResult().output("y", s.y());
        Optional<Tensor> gy = c.gradOutput("y", a);
        if (gy.isPresent()) {
            grads(r, Normalization.layerNormBackward(x, shape, w, b != null, s, gy.get(), a));
        }
        return r;
    }

    private static OpResult groupNorm(GoldenCase c, Arena a) throws IOException {
        Tensor x = c.input("x", a);
        Tensor w = c.optionalInput("weight", a);
        Tensor b = c.optionalInput("bias", a);
        long groups = c.longAttr("num_groups", 1);
        Normalization.Saved s = Normalization.groupNorm(x, groups, w, b, c.floatAttr("eps", 1e-5f), a);
        OpResult r = new OpResult().output("y", s.y());
        Optional<Tensor> gy = c.gradOutput("y", a);
        if (gy.isPresent()) {
            grads(r, Normalization.groupNormBackward(x, groups, w, b != null, s, gy.get(), a));
        }
        return r;
    }

    private static void grads(OpResult r, Normalization.Grads g) {
        r.grad("x", g.x());
        if (g.weight() != null) {
            r.grad("weight", g.weight());
        }
        if (g.bias() != null) {
            r.grad("bias", g.bias());
        }
    }

    private static OpResult embedding(GoldenCase c, Arena a) throws IOException {
        Tensor weight = c.input("weight", a);
        Tensor indices = c.input("indices", a);
        OpResult r = new OpResult().output("y", Embeddings.lookup(weight, indices, a));
        Optional<Tensor> gy = c.gradOutput("y", a);
        if (gy.isPresent()) {
            r.grad("weight", Embeddings.lookupBackward(weight, indices, gy.get(), c.nullableLongAttr("padding_idx"), a));
        }
        return r;
    }

    private static OpResult gemm(GoldenCase c, Arena a) throws IOException {
        boolean transA = c.boolAttr("transA", false);
        boolean transB = c.boolAttr("transB", false);
        float alpha = c.floatAttr("alpha", 1f);
        float beta = c.floatAttr("beta", 1f);
        Tensor ta = c.input("a", a);
        Tensor tb = c.input("b", a);
        Tensor tc = c.optionalInput("c", a);
        OpResult r = new OpResult().output("y", LinearAlgebra.gemm(ta, transA, tb, transB, alpha, beta, tc, a));
        Optional<Tensor> gy = c.gradOutput("y", a);
        if (gy.isPresent()) {
            LinearAlgebra.GemmGrads g = LinearAlgebra.gemmBackward(ta, transA, tb, transB, alpha, beta, tc != null, gy.get(), a);
            r.grad("a", g.a()).grad("b", g.b());
            if (g.c() != null) {
                r.grad("c", g.c());
            }
        }
        return r;
    }

    private static OpResult linear(GoldenCase c, Arena a) throws IOException {
        Tensor x = c.input("x", a);
        Tensor w = c.input("weight", a);
        Tensor b = c.boolAttr("has_bias", c.hasInput("bias")) ? c.input("bias", a) : null;
        OpResult r = new OpResult().output("y", LinearAlgebra.linear(x, w, b, a));
        Optional<Tensor> gy = c.gradOutput("y", a);
        if (gy.isPresent()) {
            LinearAlgebra.LinearGrads g = LinearAlgebra.linearBackward(x, w, b != null, gy.get(), a);
            r.grad("x", g.x()).grad("weight", g.weight());
            if (g.bias() != null) {
                r.grad("bias", g.bias());
            }
        }
        return r;
    }

    /** A {@code [h, w]} attribute; a single number means both. */
    private static Tensor bias(GoldenCase c, Arena a) throws IOException {
        return c.boolAttr("has_bias", c.hasInput("bias")) ? c.input("bias", a) : null;
    }

    private static void convGrads(OpResult r, Convolution.Grads g) {
        r.grad("x", g.x()).grad("weight", g.weight());
        if (g.bias() != null) {
            r.grad("bias", g.bias());
        }
    }

    private static OpResult conv2d(GoldenCase c, Arena a) throws IOException {
        Tensor x = c.input("x", a);
        Tensor w = c.input("weight", a);
        Tensor b = bias(c, a);
        int[] stride = c.intPairAttr("stride", 1);
        int[] padding = c.intPairAttr("padding", 0);
        int[] dilation = c.intPairAttr("dilation", 1);
        int groups = c.intAttr("groups", 1);
        OpResult r = new OpResult().output("y", Convolution.conv2d(x, w, b, stride, padding, dilation, groups, a));
        Optional<Tensor> gy = c.gradOutput("y", a);
        if (gy.isPresent()) {
            convGrads(r, Convolution.conv2dBackward(x, w, b != null, gy.get(), stride, padding, dilation, groups, a));
        }
        return r;
    }

    private static OpResult convTranspose2d(GoldenCase c, Arena a) throws IOException {
        Tensor x = c.input("x", a);
        Tensor w = c.input("weight", a);
        Tensor b = bias(c, a);
        int[] stride = c.intPairAttr("stride", 1);
        int[] padding = c.intPairAttr("padding", 0);
        int[] outputPadding = c.intPairAttr("output_padding", 0);
        int[] dilation = c.intPairAttr("dilation", 1);
        int groups = c.intAttr("groups", 1);
        OpResult r = new OpResult().output("y",
                Convolution.convTranspose2d(x, w, b, stride, padding, outputPadding, dilation, groups, a));
        Optional<Tensor> gy = c.gradOutput("y", a);
        if (gy.isPresent()) {
            convGrads(r, Convolution.convTranspose2dBackward(x, w, b != null, gy.get(), stride, padding, outputPadding,
                    dilation, groups, a));
        }
        return r;
    }

    private static OpResult extremumPool(GoldenCase c, Arena a, boolean min) throws IOException {
        Tensor x = c.input("x", a);
        int[] kernel = c.intPairAttr("kernel_size", 1);
        int[] stride = c.hasAttr("stride") ? c.intPairAttr("stride", 1) : kernel;
        int[] padding = c.intPairAttr("padding", 0);
        boolean ceil = c.boolAttr("ceil_mode", false);
        Pooling.Indexed y = Pooling.maxPool2d(min, x, kernel, stride, padding, ceil, a);
        OpResult r = new OpResult().output("y", y.y());
        Optional<Tensor> gy = c.gradOutput("y", a);
        if (gy.isPresent()) {
            r.grad("x", Pooling.maxPool2dBackward(x, y, gy.get(), kernel, stride, padding, ceil, a));
        }
        return r;
    }

    private static OpResult avgPool(GoldenCase c, Arena a) throws IOException {
        Tensor x = c.input("x", a);
        int[] kernel = c.intPairAttr("kernel_size", 1);
        int[] stride = c.hasAttr("stride") ? c.intPairAttr("stride", 1) : kernel;
        int[] padding = c.intPairAttr("padding", 0);
        boolean includePad = c.boolAttr("count_include_pad", true);
        boolean ceil = c.boolAttr("ceil_mode", false);
        OpResult r = new OpResult().output("y", Pooling.avgPool2d(x, kernel, stride, padding, includePad, ceil, a));
        Optional<Tensor> gy = c.gradOutput("y", a);
        if (gy.isPresent()) {
            r.grad("x", Pooling.avgPool2dBackward(x, gy.get(), kernel, stride, padding, includePad, ceil, a));
        }
        return r;
    }

    private static OpResult globalAvgPool(GoldenCase c, Arena a) throws IOException {
        Tensor x = c.input("x", a);
        OpResult r = new OpResult().output("y", Pooling.globalAvgPool2d(x, a));
        Optional<Tensor> gy = c.gradOutput("y", a);
        if (gy.isPresent()) {
            r.grad("x", Pooling.globalAvgPool2dBackward(x, gy.get(), a));
        }
        return r;
    }

    private static OpResult globalMaxPool(GoldenCase c, Arena a) throws IOException {
        Tensor x = c.input("x", a);
        Pooling.Indexed y = Pooling.globalMaxPool2d(x, a);
        OpResult r = new OpResult().output("y", y.y());
        Optional<Tensor> gy = c.gradOutput("y", a);
        if (gy.isPresent()) {
            r.grad("x", Pooling.globalMaxPool2dBackward(x, y, gy.get(), a));
        }
        return r;
    }

    /** Runs {@code steps} optimizer steps on {@code param} with the gradients {@code grads[s]}. */
    private interface OptimizerOf {
        Optimizer of(java.util.List<Parameter> params);
    }

    private static OpResult optimize(GoldenCase c, Arena a, OptimizerOf make) throws IOException {
        Tensor param = c.input("param", a).contiguous(a);
        Tensor grads = c.input("grads", a);
        int steps = c.intAttr("steps", Math.toIntExact(grads.size(0)));
        if (steps < 0 || steps > grads.size(0)) {
            throw new IllegalArgumentException("attribute 'steps' must be in [0, " + grads.size(0) + "] (the gradients given), got "
                    + steps);
        }
        Tensor grad = Tensor.zeros(a, param.shape());
        Parameter p = new Parameter("param", param, grad);
        try (Optimizer opt = make.of(java.util.List.of(p))) {
            for (int s = 0; s < steps; s++) {
                grad.copyFrom(grads.select(0, s));
                opt.step();
            }
        }
        return new OpResult().output("param", param);
    }

    private static OpResult sgd(GoldenCase c, Arena a) throws IOException {
        return optimize(c, a, ps -> new Sgd(ps, c.floatAttr("lr", 0.01f), c.floatAttr("momentum", 0f),
                c.floatAttr("dampening", 0f), c.boolAttr("nesterov", false), c.floatAttr("weight_decay", 0f)));
    }

    private static OpResult adam(GoldenCase c, Arena a, boolean decoupled) throws IOException {
        float[] betas = c.floatsAttr("betas", 0.9f, 0.999f);
        float lr = c.floatAttr("lr", 1e-3f);
        float eps = c.floatAttr("eps", 1e-8f);
        float wd = c.floatAttr("weight_decay", decoupled ? 0.01f : 0f);
        boolean ams = c.boolAttr("amsgrad", false);
        return optimize(c, a, ps -> decoupled ? Adam.adamW(ps, lr, betas[0], betas[1], eps, wd, ams)
                : Adam.adam(ps, lr, betas[0], betas[1], eps, wd, ams));
    }

    private static OpResult clipGradNorm(GoldenCase c, Arena a) throws IOException {
        if (c.doubleAttr("norm_type", 2.0) != 2.0) {
            throw new IllegalArgumentException("only norm_type 2 is supported");
        }
        java.util.List<Tensor> grads = new java.util.ArrayList<>();
        for (int i = 0; c.hasInput("g" + i); i++) {
            grads.add(c.input("g" + i, a).contiguous(a));
        }
        float total = GradientClipping.clipByNorm(grads, c.floatAttr("max_norm", 1f));
        OpResult r = new OpResult().output("total_norm", Tensor.scalar(a, total));
        for (int i = 0; i < grads.size(); i++) {
            r.output("g" + i, grads.get(i));
        }
        return r;
    }

    private static OpResult perceptron(GoldenCase c, Arena a) throws IOException {
        Perceptron model = new Perceptron(c.input("w0", a).toFloatArray());
        model.fit(c.input("X", a), c.input("t", a), c.intAttr("epochs", 1), c.floatAttr("lr", 1f));
        float[] w = model.weights();
        return new OpResult().output("w", Tensor.of(a, w, w.length));
    }
}
