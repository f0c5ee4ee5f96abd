package dev.panamax.nn.optim;

import java.util.Arrays;

import dev.panamax.nn.tensor.DType;
import dev.panamax.nn.tensor.Tensor;

/**
 * A trainable tensor and its gradient, both contiguous float32 of one shape, named as in a
 * PyTorch {@code state_dict} ({@code "fc1.weight"}).
 *
 * @param name  the parameter's name
 * @param value the parameter, updated in place by optimizers
 * @param grad  its gradient, read by optimizers and scaled in place by clipping
 */
public record Parameter(String name, Tensor value, Tensor grad) {

    /** Checks that value and gradient are contiguous float32 tensors of one shape. */
    public Parameter {
        if (!Arrays.equals(value.shape(), grad.shape())) {
            throw new IllegalArgumentException("parameter " + name + ": gradient shape " + Arrays.toString(grad.shape())
                    + " differs from the value's " + Arrays.toString(value.shape()));
        }
        if (value.dtype() != DType.FLOAT32 || grad.dtype() != DType.FLOAT32 || !value.isContiguous() || !grad.isContiguous()) {
            throw new IllegalArgumentException("parameter " + name + ": value and gradient must be contiguous float32");
        }
    }

    /** Elements. */
    public long numel() {
        return value.numel();
    }
}
