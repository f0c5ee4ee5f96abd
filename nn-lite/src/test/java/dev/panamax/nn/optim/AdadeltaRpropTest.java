package dev.panamax.nn.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.tensor.Tensor;

/**
 * Adadelta (eight steps) and Rprop (twelve steps, its step sizes growing, shrinking at sign flips
 * and clamped at both bounds; zero gradients among them) over {@link OptimizerTrajectory}'s
 * parameter, against torch.optim 1.13 in float64, with settings of every kind and with PyTorch's
 * defaults.
 */
class AdadeltaRpropTest {

    @Test
    void adadelta() {
        OptimizerTrajectory.check(ps -> new Adadelta(ps, Adadelta.Options.defaults().lr(0.5f).rho(0.8f).eps(1e-4f)
                .weightDecay(0.01f)), 8, ADADELTA);
        OptimizerTrajectory.check(ps -> new Adadelta(ps, Adadelta.Options.defaults()), 8, ADADELTA_DEFAULT);
    }

    @Test
    void rprop() {
        OptimizerTrajectory.check(ps -> new Rprop(ps, Rprop.Options.defaults().lr(0.05f).etas(0.4f, 1.3f)
                .stepSizes(0.01f, 0.1f)), 12, RPROP);
        OptimizerTrajectory.check(ps -> new Rprop(ps, Rprop.Options.defaults()), 8, RPROP_DEFAULT);
    }

    @Test
    void stateNamesAndBadSettings() {
        try (Arena arena = Arena.ofConfined()) {
            List<Parameter> ps = List.of(new Parameter("w", Tensor.zeros(arena, 3), Tensor.zeros(arena, 3)));
            try (Rprop rprop = new Rprop(ps, Rprop.Options.defaults().lr(0.25f))) {
                assertThat(rprop.stateDict()).containsKeys("step", "w.0", "w.1");
                assertThat(rprop.stateDict().get("w.1").toFloatArray()).containsExactly(0.25f, 0.25f, 0.25f);
            }
            assertThatThrownBy(() -> new Rprop(ps, Rprop.Options.defaults().etas(1f, 1.2f)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 < eta_minus < 1 < eta_plus");
            assertThatThrownBy(() -> new Rprop(ps, Rprop.Options.defaults().stepSizes(1f, 0.1f)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("step sizes");
            assertThatThrownBy(() -> new Adadelta(ps, Adadelta.Options.defaults().rho(1.5f)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rho in [0, 1]");
        }
    }

    private static final float[] ADADELTA = new float[] {
            -1.80157497f, -1.08309707f, -0.40711501f, 0.307101847f, 0.981798267f, 1.69203706f, -1.2962906f, -0.580841176f,
            0.093520866f, 0.807542395f, 1.47809784f, -1.50179923f, -0.784766717f, -0.107335102f, 0.606805228f, 1.28157213f,
            -1.70400171f, -0.996535069f, -0.28108445f, 0.39326448f, 1.10730441f, 1.77783404f, -1.20202392f, -0.486533971f,
            0.19244517f, 0.906508835f, 1.58134651f, -1.40434533f, -0.6967797f, 0.0186712139f, 0.6930086f, 1.40706598f,
            -1.61913979f, -0.902249048f, -0.188321382f, 0.492225811f, 1.20621269f};
    private static final float[] ADADELTA_DEFAULT = new float[] {
            -1.80051489f, -1.09727067f, -0.401990878f, 0.302056583f, 0.995242894f, 1.69828682f, -1.29927221f, -0.594789691f,
            0.0981024768f, 0.802335016f, 1.49402775f, -1.50051489f, -0.797270669f, -0.101990878f, 0.602056583f, 1.29524289f,
            -1.70171318f, -0.999272209f, -0.294789691f, 0.398102477f, 1.10233502f, 1.79402775f, -1.20051489f, -0.497270669f,
            0.198009122f, 0.902056583f, 1.59524289f, -1.40171318f, -0.699272209f, 0.00521030894f, 0.698102477f, 1.40233502f,
            -1.60597225f, -0.900514887f, -0.197270669f, 0.498009122f, 1.20205658f};
    private static final float[] RPROP = new float[] {
            -1.7206f, -1.14f, -0.47f, 0.33f, 0.95f, 1.73f, -1.35f, -0.59f,
            -0.0306f, 0.8786f, 1.4006f, -1.4206f, -0.84f, -0.17f, 0.63f, 1.25f,
            -1.67f, -1.05f, -0.29f, 0.2694f, 1.1786f, 1.7006f, -1.1206f, -0.54f,
            0.13f, 0.93f, 1.55f, -1.37f, -0.75f, 0.01f, 0.5694f, 1.4786f,
            -1.6994f, -0.8206f, -0.24f, 0.43f, 1.23f};
    private static final float[] RPROP_DEFAULT = new float[] {
            -1.7825f, -1.10625f, -0.41375f, 0.30375f, 0.99125f, 1.70625f, -1.30625f, -0.5975f,
            0.075f, 0.813f, 1.481f, -1.4825f, -0.80625f, -0.11375f, 0.60375f, 1.29125f,
            -1.69375f, -1.00625f, -0.2975f, 0.375f, 1.113f, 1.781f, -1.1825f, -0.50625f,
            0.18625f, 0.90375f, 1.59125f, -1.39375f, -0.70625f, 0.0025f, 0.675f, 1.413f,
            -1.619f, -0.8825f, -0.20625f, 0.48625f, 1.20375f};
}
