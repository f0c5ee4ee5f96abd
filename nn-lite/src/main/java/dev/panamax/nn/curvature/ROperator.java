package dev.panamax.nn.curvature;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import dev.panamax.kernels.activation.Activation;
import dev.panamax.nn.functional.Activations;
import dev.panamax.nn.functional.LinearAlgebra;
import dev.panamax.nn.layers.ActivationLayer;
import dev.panamax.nn.layers.Dropout;
import dev.panamax.nn.layers.Flatten;
import dev.panamax.nn.layers.Layer;
import dev.panamax.nn.layers.Linear;
import dev.panamax.nn.layers.Sequential;
import dev.panamax.nn.losses.CrossEntropyLoss;
import dev.panamax.nn.losses.Loss;
import dev.panamax.nn.losses.MseLoss;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.Tensor;

/**
 * Pearlmutter's R-operator ("Fast exact multiplication by the Hessian", 1994) for a chain of
 * {@link Linear} layers and elementwise activations ending in cross-entropy or MSE.
 *
 * <p>{@code R{q}} is the directional derivative {@code d/dt q(theta + t v)} at {@code t = 0}. The
 * forward pass carries {@code R{a}} beside every activation {@code a}; the loss turns
 * {@code R{y}} into {@code R{dL/dy}} through its Hessian in the logits; the backward pass is the
 * ordinary one differentiated along {@code v}, and {@code R{dL/dtheta} = H v} exactly, with no
 * step size. For {@code z = a W^T + b} and {@code a' = f(z)}:
 * <pre>
 *   R{z} = R{a} W^T + a V_W^T + V_b          R{a'} = f'(z) R{z}
 *   R{g_z} = f'(z) R{g_a'} + f''(z) R{z} g_a'
 *   R{g_W} = R{g_z}^T a + g_z^T R{a}          R{g_b} = sum_rows R{g_z}
 *   R{g_a} = R{g_z} W + g_z V_W
 * </pre>
 * The matrix products run on the library's GEMM in float; the elementwise terms in double.
 */
final class ROperator {

    private ROperator() {
    }

    /** Why this model and loss have no R-operator here, or null when they have. */
    static String unsupported(Layer model, Loss loss) {
        if (!(loss instanceof CrossEntropyLoss) && !(loss instanceof MseLoss)) {
            return "the loss " + loss.getClass().getSimpleName() + " (exact for CrossEntropyLoss and MseLoss)";
        }
        List<Layer> leaves = new ArrayList<>();
        return leaves(model, leaves);
    }

    private static String leaves(Layer layer, List<Layer> out) {
        if (layer instanceof Sequential s) {
            for (Layer l : s.layers()) {
                String why = leaves(l, out);
                if (why != null) {
                    return why;
                }
            }
            return null;
        }
        boolean supported = layer instanceof Linear || layer instanceof ActivationLayer || layer instanceof Flatten
                || layer instanceof Dropout && !layer.isTraining();
        if (!supported) {
            return "the layer " + layer + (layer instanceof Dropout ? " in training mode (call eval())" : "")
                    + " (exact for Linear, elementwise activations, Flatten, and Dropout in eval mode)";
        }
        out.add(layer);
        return null;
    }

    private sealed interface Step {
    }

    /** A Linear layer's input {@code a} and {@code R{a}} (null while nothing depends on theta), as 2-D rows. */
    private record LinearStep(Linear layer, Tensor a, Tensor ra, long[] inShape) implements Step {
    }

    private record ActivationStep(Activation f, Tensor z, Tensor rz) implements Step {
    }

    private record ReshapeStep(long[] inShape) implements Step {
    }

    /**
     * Adds {@code H v} into {@code out} (one array per parameter of {@code params}); returns the loss.
     * The model's layers are only read: their saved state and gradients are not touched.
     */
    static float apply(Layer model, Loss loss, Tensor x, Tensor target, List<Parameter> params, List<Tensor> v,
                       double[][] out, Arena arena) {
        List<Layer> layers = new ArrayList<>();
        String why = leaves(model, layers);
        if (why != null) {
            throw new IllegalArgumentException("no R-operator for " + why);
        }
        Map<Tensor, Integer> index = new IdentityHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            index.put(params.get(i).value(), i);
        }

        // forward: a and R{a} through every layer, keeping what the backward needs
        List<Step> steps = new ArrayList<>();
        Tensor a = x;
        Tensor ra = null;
        for (Layer layer : layers) {
            switch (layer) {
                case Linear lin -> {
                    long in = lin.weight().value().size(1);
                    long[] inShape = a.shape();
                    Tensor a2 = a.contiguous(arena).view(-1, in);
                    Tensor ra2 = ra == null ? null : ra.contiguous(arena).view(-1, in);
                    Tensor bias = lin.bias() == null ? null : lin.bias().value();
                    Tensor vb = lin.bias() == null ? null : v.get(index.get(bias));
                    Tensor z = LinearAlgebra.linear(a2, lin.weight().value(), bias, arena);
                    Tensor rz = LinearAlgebra.linear(a2, v.get(index.get(lin.weight().value())), vb, arena);
                    if (ra2 != null) {
                        rz = LinearAlgebra.gemm(ra2, false, lin.weight().value(), true, 1f, 1f, rz, arena);
                    }
                    steps.add(new LinearStep(lin, a2, ra2, inShape));
                    long[] outShape = inShape.clone();
                    outShape[outShape.length - 1] = z.size(1);
                    a = z.view(outShape);
                    ra = rz.view(outShape);
                }
                case ActivationLayer act -> {
                    Activation f = act.activation();
                    steps.add(new ActivationStep(f, a, ra));
                    Tensor z = a;
                    a = Activations.forward(f, z, arena);
                    ra = ra == null ? null : Activations.backward(f, z, ra, arena);
                }
                case Flatten flatten -> {
                    steps.add(new ReshapeStep(a.shape()));
                    a = a.contiguous(arena).view(flatten.outputShape(a.shape()));
                    ra = ra == null ? null : ra.contiguous(arena).view(a.shape());
                }
                default -> {
                    // Dropout in eval mode: the identity
                }
            }
        }
        if (ra == null) {
            ra = Tensor.zerosLike(arena, a);
        }

        float value = loss.forward(a, target, arena);
        Tensor g = loss.backward(arena);
        Tensor rg = LossCurvature.apply(loss, a, target, ra, arena);

        // backward: g and R{g} from the loss to the first parameter
        for (int s = steps.size() - 1; s >= 0; s--) {
            switch (steps.get(s)) {
                case LinearStep st -> {
                    Linear lin = st.layer();
                    Tensor w = lin.weight().value();
                    Tensor g2 = g.contiguous(arena).view(-1, w.size(0));
                    Tensor rg2 = rg.contiguous(arena).view(-1, w.size(0));
                    Tensor hw = LinearAlgebra.gemm(rg2, true, st.a(), false, 1f, 0f, null, arena);
                    if (st.ra() != null) {
                        hw = LinearAlgebra.gemm(g2, true, st.ra(), false, 1f, 1f, hw, arena);
                    }
                    addInto(out[index.get(w)], hw);
                    if (lin.bias() != null) {
                        addColumnSums(out[index.get(lin.bias().value())], rg2);
                    }
                    if (s > 0) {
                        Tensor vw = v.get(index.get(w));
                        Tensor rga = LinearAlgebra.gemm(rg2, false, w, false, 1f, 0f, null, arena);
                        rga = LinearAlgebra.gemm(g2, false, vw, false, 1f, 1f, rga, arena);
                        g = LinearAlgebra.gemm(g2, false, w, false, 1f, 0f, null, arena).view(st.inShape());
                        rg = rga.view(st.inShape());
                    }
                }
                case ActivationStep st -> {
                    Tensor gz = Activations.backward(st.f(), st.z(), g, arena);
                    Tensor rgz = Activations.backward(st.f(), st.z(), rg, arena);
                    if (st.rz() != null) {
                        rgz = plusCurvatureTerm(st.f(), st.z(), st.rz(), g, rgz, arena);
                    }
                    g = gz;
                    rg = rgz;
                }
                case ReshapeStep st -> {
                    g = g.contiguous(arena).view(st.inShape());
                    rg = rg.contiguous(arena).view(st.inShape());
                }
            }
        }
        return value;
    }

    /** {@code rgz + f''(z) rz g}, as a new tensor. */
    private static Tensor plusCurvatureTerm(Activation f, Tensor z, Tensor rz, Tensor g, Tensor rgz, Arena arena) {
        float[] zv = z.contiguous(arena).toFloatArray();
        float[] rzv = rz.contiguous(arena).toFloatArray();
        float[] gv = g.contiguous(arena).toFloatArray();
        float[] out = rgz.contiguous(arena).toFloatArray();
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (out[i] + SecondDerivatives.of(f, zv[i]) * rzv[i] * gv[i]);
        }
        return Tensor.of(arena, out, z.shape());
    }

    private static void addInto(double[] acc, Tensor t) {
        float[] v = t.toFloatArray();
        for (int i = 0; i < acc.length; i++) {
            acc[i] += v[i];
        }
    }

    private static void addColumnSums(double[] acc, Tensor rows) {
        float[] v = rows.toFloatArray();
        int cols = acc.length;
        for (int i = 0; i < v.length; i++) {
            acc[i % cols] += v[i];
        }
    }
}
