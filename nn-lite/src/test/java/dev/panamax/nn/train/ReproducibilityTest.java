package dev.panamax.nn.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.panamax.nn.curvature.Hessians;
import dev.panamax.nn.layers.Init;
import dev.panamax.nn.layers.Sequential;
import dev.panamax.nn.losses.CrossEntropyLoss;
import dev.panamax.nn.models.Models;
import dev.panamax.nn.optim.Adam;
import dev.panamax.nn.optim.Optimizer;
import dev.panamax.nn.optim.Parameter;
import dev.panamax.nn.tensor.StepArena;
import dev.panamax.nn.tensor.Tensor;

/**
 * The same training gives the same weights, bit for bit, whether its kernels run interpreted or
 * compiled: the first run of a fresh JVM against later ones. (With reduceLanes(ADD), whose lane
 * order C2 changes, every later run differed from the first.)
 */
class ReproducibilityTest {

    private static float[] train(String kind) {
        Init.manualSeed(5);
        boolean lenet = kind.equals("lenet5");
        Sequential m = lenet ? Models.lenet5() : Models.resnetBlockClassifier(4, 10, 0.1f, 1e-5f);
        try (Arena arena = Arena.ofConfined(); StepArena step = new StepArena();
             Optimizer opt = Adam.adamW(m.parameters(), Adam.Options.adamW())) {
            SplittableRandom r = new SplittableRandom(3);
            float[] v = new float[lenet ? 8 * 784 : 8 * 4 * 64];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextGaussian();
            }
            Tensor x = lenet ? Tensor.of(arena, v, 8, 1, 28, 28) : Tensor.of(arena, v, 8, 4, 8, 8);
            Tensor y = Tensor.ofLongs(arena, new long[] {0, 1, 2, 3, 4, 5, 6, 7}, 8);
            CrossEntropyLoss loss = new CrossEntropyLoss();
            for (int s = 0; s < 120; s++) {
                step.reset();
                opt.zeroGrad();
                loss.forward(m.forward(x, step), y, step);
                m.backward(loss.backward(step), step);
                opt.step();
            }
            return Hessians.flatten(m.parameters().stream().map(Parameter::value).toList());
        }
    }

    @Test
    void coldAndCompiledKernelsTrainTheSameWeights() {
        for (String kind : new String[] {"lenet5", "resnet block"}) {
            float[] cold = train(kind);
            for (int run = 1; run <= 3; run++) {
                assertThat(train(kind)).as("%s, run %d against the first", kind, run).containsExactly(cold);
            }
        }
    }
}
