package dev.panamax.properties;

import static dev.panamax.properties.FuzzArgs.at;
import static dev.panamax.properties.FuzzArgs.footprint;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.panamax.kernels.optim.AdadeltaStep;
import dev.panamax.kernels.optim.AdagradStep;
import dev.panamax.kernels.optim.AdamStep;
import dev.panamax.kernels.optim.AdamaxStep;
import dev.panamax.kernels.optim.AsgdStep;
import dev.panamax.kernels.optim.NadamStep;
import dev.panamax.kernels.optim.RadamStep;
import dev.panamax.kernels.optim.RmspropStep;
import dev.panamax.kernels.optim.RpropStep;
import dev.panamax.kernels.optim.SgdStep;

/**
 * The fused optimizer steps under fuzzed lengths, offsets, segment sizes, missing state buffers,
 * step counts and hyper-parameters (0, negative, NaN among them): a refusal that writes nothing,
 * or a step that touches only the n floats of each buffer it was given. With a zero gradient, no
 * weight decay and plain SGD, the parameters must not move.
 */
class OptimizerFuzzTest {

    @FuzzTest
    void steps(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            FuzzArgs f = new FuzzArgs(data, arena);
            int kind = f.pick(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
            long n = f.dim(70);
            long pOff = f.offset();
            long gOff = f.offset();
            long aOff = f.offset();
            long bOff = f.offset();
            long cOff = f.offset();
            MemorySegment param = f.floats(footprint(pOff, n, 1));
            MemorySegment grad = f.floats(footprint(gOff, n, 1));
            MemorySegment a = f.floats(footprint(aOff, n, 1));
            MemorySegment b = f.bool() ? null : f.floats(footprint(bOff, n, 1));
            MemorySegment c = f.bool() ? null : f.floats(footprint(cOff, n, 1));
            long step = f.pick(0, 1, 2) == 0 ? f.dim(3) - 1 : f.dim(1000);
            float lr = f.scalar();
            float h1 = f.scalar();
            float h2 = f.scalar();
            float eps = f.bool() ? 1e-8f : f.scalar();
            float decay = f.bool() ? 0f : f.scalar();
            boolean flag = f.bool();
            boolean flag2 = f.bool();
            Runnable call = switch (kind) {
                case 0 -> () -> SgdStep.apply(n, param, pOff, grad, gOff, b, bOff, lr, h1, h2, flag, decay, flag2);
                case 1 -> () -> AdamStep.apply(n, param, pOff, grad, gOff, a, aOff, b, bOff, c, cOff, step, lr, h1, h2, eps, decay,
                        flag, flag2);
                case 2 -> () -> AdamaxStep.apply(n, param, pOff, grad, gOff, a, aOff, b, bOff, step, lr, h1, h2, eps, decay);
                case 3 -> () -> NadamStep.apply(n, param, pOff, grad, gOff, a, aOff, b, bOff, step, lr, h1, h1, h2, eps, decay);
                case 4 -> () -> RadamStep.apply(n, param, pOff, grad, gOff, a, aOff, b, bOff, step, lr, h1, h2, eps, decay);
                case 5 -> () -> RmspropStep.apply(n, param, pOff, grad, gOff, a, aOff, c, cOff, b, bOff, lr, h1, eps, decay, h2);
                case 6 -> () -> AdagradStep.apply(n, param, pOff, grad, gOff, a, aOff, step, lr, h1, eps, decay);
                case 7 -> () -> AdadeltaStep.apply(n, param, pOff, grad, gOff, a, aOff, b, bOff, lr, h1, eps, decay);
                case 8 -> () -> RpropStep.apply(n, param, pOff, grad, gOff, a, aOff, b, bOff, h1, h2, eps, lr);
                default -> () -> AsgdStep.apply(n, param, pOff, grad, gOff, a, aOff, lr, h1, h2, decay);
            };
            boolean plainSgd = kind == 0 && b == null && decay == 0f;
            if (plainSgd && grad != null) {
                grad.fill((byte) 0);
            }
            float[] before = param == null ? null : param.toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
            if (FuzzArgs.accepted(call, param, grad, a, b, c) && plainSgd && Float.isFinite(lr)) {
                for (long i = 0; i < n; i++) {
                    float was = before[(int) (pOff + i)];
                    if (Float.compare(at(param, pOff + i), was) != 0 && !(was == 0 && at(param, pOff + i) == 0)) {
                        throw new AssertionError("plain SGD with a zero gradient moved param[" + i + "] from " + was + " to "
                                + at(param, pOff + i) + " (lr " + lr + ")");
                    }
                }
            }
        }
    }
}
