package dev.panamax.nn.data;

import java.lang.foreign.Arena;
import java.util.Map;

import dev.panamax.nn.tensor.Tensor;

/**
 * A fit/transform step over a data matrix {@code [N, F]}, as scikit-learn's transformers:
 * {@link #fit} learns from training data, {@link #transform} applies what was learned to any
 * data. {@link #state()} is what a checkpoint saves; {@link #restore} rebuilds the fitted step.
 */
public interface Preprocessor {

    /** Learns from {@code x [N, F]}; returns this. */
    Preprocessor fit(Tensor x);

    /** Applies the fitted step to {@code x [N, F]}, as a new tensor. */
    Tensor transform(Tensor x, Arena arena);

    /** {@code fit(x)} then {@code transform(x)}. */
    default Tensor fitTransform(Tensor x, Arena arena) {
        return fit(x).transform(x, arena);
    }

    /** The fitted state, as named arrays; {@code "type"} holds the kind's code. */
    Map<String, double[]> state();

    /** A fitted step from its {@link #state()}. */
    static Preprocessor restore(Map<String, double[]> state) {
        double[] type = state.get("type");
        if (type == null || type.length != 1) {
            throw new IllegalArgumentException("preprocessing state without a type");
        }
        return switch ((int) type[0]) {
            case Standardizer.TYPE -> Standardizer.restore(state);
            case Whitening.TYPE -> Whitening.restore(state);
            case Pca.TYPE -> Pca.restore(state);
            case Imputer.TYPE -> Imputer.restore(state);
            case OutlierClipper.TYPE -> OutlierClipper.restore(state);
            default -> throw new IllegalArgumentException("unknown preprocessing type " + type[0]);
        };
    }
}
