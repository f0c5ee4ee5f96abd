package dev.panamax.nn.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.tensor.Tensor;

/**
 * ASGD over {@link OptimizerTrajectory}'s parameter against torch.optim 1.13 in float64: ten steps
 * with a strong decay, weight decay and averaging from step 3 (the parameter, its average, eta and
 * mu), and eight with PyTorch's defaults (no averaging yet: the average is the parameter).
 */
class AsgdTest {

    @Test
    void trajectoryAverageAndRates() {
        Asgd.Options settings = Asgd.Options.defaults().lr(0.1f).lambd(0.05f).alpha(0.6f).t0(3).weightDecay(0.02f);
        OptimizerTrajectory.check(ps -> new Asgd(ps, settings), 10, ASGD);
        try (Arena arena = Arena.ofConfined()) {
            Tensor value = OptimizerTrajectory.start(arena);
            Tensor grad = Tensor.zeros(arena, 37);
            Parameter p = new Parameter("p", value, grad);
            try (Asgd opt = new Asgd(List.of(p), settings)) {
                for (int s = 0; s < 10; s++) {
                    OptimizerTrajectory.gradient(grad, s);
                    opt.step();
                }
                float[] average = opt.average(p).toFloatArray();
                for (int i = 0; i < 37; i++) {
                    assertThat(average[i]).as("average %d", i).isCloseTo(ASGD_AVERAGE[i],
                            within(3e-6f * Math.max(1f, Math.abs(ASGD_AVERAGE[i]))));
                }
                assertThat(opt.eta()).isCloseTo(0.09711502371571275f, within(1e-8f));
                assertThat(opt.mu()).isCloseTo(1f / 7, within(1e-8f));
                Map<String, Tensor> saved = opt.stateDict();
                assertThat(saved).containsKeys("step", "p.0", "eta", "mu");
                try (Asgd resumed = new Asgd(List.of(new Parameter("p", Tensor.zeros(arena, 37), Tensor.zeros(arena, 37))),
                        settings)) {
                    resumed.loadStateDict(saved);
                    assertThat(resumed.eta()).isEqualTo(opt.eta());
                    assertThat(resumed.mu()).isEqualTo(opt.mu());
                }
            }
        }
    }

    @Test
    void defaults() {
        OptimizerTrajectory.check(ps -> new Asgd(ps, Asgd.Options.defaults()), 8, ASGD_DEFAULT);
        try (Arena arena = Arena.ofConfined()) {
            Parameter p = new Parameter("w", Tensor.zeros(arena, 3), Tensor.zeros(arena, 3));
            assertThatThrownBy(() -> new Asgd(List.of(p), Asgd.Options.defaults().lr(-1f)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lr and weight_decay >= 0");
            try (Asgd opt = new Asgd(List.of(p), Asgd.Options.defaults())) {
                Parameter other = new Parameter("v", Tensor.zeros(arena, 3), Tensor.zeros(arena, 3));
                assertThatThrownBy(() -> opt.average(other)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("'v'");
            }
        }
    }

    private static final float[] ASGD = new float[] {
            -1.61031225f, -1.10071931f, -0.323283642f, 0.184229709f, 0.959575368f, 1.46498829f, -1.21398789f, -0.441802064f,
            0.0720022209f, 0.842103251f, 1.35381232f, -1.33040326f, -0.82081031f, -0.0433746464f, 0.464138705f, 1.23948436f,
            -1.70731367f, -0.934078895f, -0.161893068f, 0.351911217f, 1.12201225f, 1.63372132f, -1.05049426f, -0.540901314f,
            0.23653435f, 0.744047701f, 1.51939336f, -1.42740467f, -0.6541699f, 0.118015928f, 0.631820213f, 1.40192124f,
            -1.53858064f, -0.770585265f, -0.260992318f, 0.516443345f, 1.0239567f};
    private static final float[] ASGD_AVERAGE = new float[] {
            -1.61351218f, -1.01213309f, -0.366202504f, 0.233060834f, 0.876865075f, 1.5649852f, -1.21440475f, -0.437055119f,
            0.0318483732f, 0.807076957f, 1.31932172f, -1.3287364f, -0.727357305f, -0.0814267214f, 0.517836617f, 1.16164086f,
            -1.66247367f, -0.929628965f, -0.152279336f, 0.316624156f, 1.09185274f, 1.60409751f, -1.04396061f, -0.442581522f,
            0.203349061f, 0.802612399f, 1.44641664f, -1.37769789f, -0.644853183f, 0.132496447f, 0.601399938f, 1.37662852f,
            -1.62336136f, -0.759184832f, -0.15780574f, 0.488124844f, 1.08738818f};
    private static final float[] ASGD_DEFAULT = new float[] {
            -1.79998562f, -1.08999126f, -0.407496754f, 0.302497599f, 0.984992089f, 1.69498643f, -1.29498963f, -0.584995295f,
            0.0974992294f, 0.807493554f, 1.48998807f, -1.49998802f, -0.789993658f, -0.107499154f, 0.602495199f, 1.28498969f,
            -1.70498637f, -0.994992034f, -0.284997695f, 0.397496829f, 1.10749115f, 1.78998567f, -1.19999042f, -0.489996058f,
            0.192498446f, 0.902492799f, 1.58498729f, -1.40498877f, -0.694994434f, 0.014999905f, 0.697494429f, 1.40748875f,
            -1.60998714f, -0.899992824f, -0.189998458f, 0.492496046f, 1.2024904f};
}
