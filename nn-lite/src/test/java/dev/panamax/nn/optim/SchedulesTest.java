package dev.panamax.nn.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * ExponentialLR, MultiStepLR, LinearLR, OneCycleLR, CosineAnnealingWarmRestarts, PolynomialLR and
 * ConstantLR: the rates torch.optim.lr_scheduler 1.13 gives at each step.
 */
class SchedulesTest {

    @Test
    void exponential() {
        check(Schedule.exponential(0.1, 0.9), 0.1, 0.09000000000000001, 0.08100000000000002, 0.07290000000000002, 0.06561000000000002, 0.05904900000000002, 0.05314410000000002, 0.04782969000000002, 0.043046721000000024, 0.03874204890000002, 0.03486784401000002, 0.03138105960900001, 0.028242953648100012, 0.025418658283290013, 0.022876792454961013, 0.020589113209464913, 0.01853020188851842, 0.01667718169966658, 0.015009463529699923, 0.013508517176729932);
    }

    @Test
    void multiStep() {
        check(Schedule.multiStep(0.1, new long[] {3, 7, 8}, 0.5), 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.0125, 0.0125, 0.0125, 0.0125, 0.0125, 0.0125, 0.0125, 0.0125, 0.0125, 0.0125, 0.0125, 0.0125);
    }

    @Test
    void linear() {
        check(Schedule.linear(0.1, 1.0 / 3, 1.0, 5), 0.03333333333333333, 0.04666666666666667, 0.060000000000000005, 0.07333333333333335, 0.08666666666666668, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1);
    }

    @Test
    void linearDecay() {
        check(Schedule.linear(0.1, 1.0, 0.1, 6), 0.1, 0.085, 0.07, 0.05500000000000001, 0.04000000000000001, 0.025000000000000005, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002);
    }

    @Test
    void oneCycle() {
        check(Schedule.oneCycle(0.4, 20, 0.3, 25, 1e4), 0.016000000000000014, 0.05266873708001013, 0.1486687370800101, 0.2673312629199899, 0.3633312629199899, 0.4, 0.39498560249403497, 0.38019385280538953, 0.35636647102842, 0.3246982615799052, 0.28677720071652035, 0.24450480877451572, 0.2000008, 0.1554967912254843, 0.11322439928347969, 0.0753033384200948, 0.04363512897158001, 0.019807747194610516, 0.005015997505965022, 1.6e-06);
    }

    @Test
    void oneCycleOdd() {
        check(Schedule.oneCycle(1.0, 13, 0.25, 10, 100), 0.09999999999999998, 0.47185832004988126, 0.9728616793536587, 0.985485437804313, 0.9226724477291255, 0.8164064651098909, 0.6776251410777465, 0.5206128370846529, 0.3615303767737319, 0.21675165900778773, 0.10117833967995127, 0.026706047247400833, 0.001);
    }

    @Test
    void cosineWarmRestartsGrowing() {
        check(Schedule.cosineWarmRestarts(0.1, 3, 2, 0.01), 0.1, 0.0775, 0.032500000000000015, 0.1, 0.09397114317029975, 0.0775, 0.05500000000000001, 0.032500000000000015, 0.01602885682970026, 0.1, 0.09846666218300808, 0.09397114317029975, 0.08681980515339464, 0.0775, 0.06664685702961344, 0.05500000000000001, 0.04335314297038658, 0.032500000000000015, 0.023180194846605363, 0.01602885682970026, 0.011533337816991932, 0.1, 0.09961501876182148, 0.09846666218300808, 0.0965745789630079);
    }

    @Test
    void cosineWarmRestartsEqual() {
        check(Schedule.cosineWarmRestarts(0.1, 4, 1, 0), 0.1, 0.08535533905932738, 0.05, 0.014644660940672627, 0.1, 0.08535533905932738, 0.05, 0.014644660940672627, 0.1, 0.08535533905932738, 0.05, 0.014644660940672627, 0.1, 0.08535533905932738, 0.05, 0.014644660940672627, 0.1, 0.08535533905932738, 0.05, 0.014644660940672627);
    }

    /** CyclicLR with cycle_momentum=False, every mode, against torch.optim.lr_scheduler 1.13 (14 steps each). */
    @Test
    void cyclic() {
        check(Schedule.cyclic(0.01, 0.1, 3, 2, Schedule.CycleMode.TRIANGULAR, 1), 0.01, 0.039999999999999994,
                0.06999999999999999, 0.09999999999999999, 0.055, 0.01, 0.04000000000000003, 0.06999999999999999,
                0.09999999999999999, 0.05500000000000005, 0.01, 0.04000000000000003, 0.06999999999999999, 0.09999999999999999);
        check(Schedule.cyclic(0.01, 0.1, 2, 2, Schedule.CycleMode.TRIANGULAR2, 1), 0.01, 0.05500000000000001, 0.1,
                0.05500000000000001, 0.01, 0.0325, 0.05500000000000001, 0.0325, 0.01, 0.02125, 0.0325, 0.02125, 0.01, 0.015625);
        check(Schedule.cyclic(0.01, 0.1, 4, 4, Schedule.CycleMode.EXP_RANGE, 0.9), 0.01, 0.030250000000000006,
                0.046450000000000005, 0.05920750000000001, 0.06904900000000001, 0.04985807500000001, 0.033914845000000006,
                0.020761680250000004, 0.01, 0.018716961002500004, 0.025690529804500005, 0.031182215236075006,
                0.035418658283290015, 0.027157594341220753);
        assertThatThrownBy(() -> Schedule.cyclic(0.01, 0.1, 0, 2, Schedule.CycleMode.TRIANGULAR, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stepsUp > 0");
    }

    @Test
    void polynomial() {
        check(Schedule.polynomial(0.1, 6, 2), 0.1, 0.06944444444444446, 0.04444444444444447, 0.02500000000000001, 0.011111111111111117, 0.0027777777777777775, 0.0, 0.0, 0.0, 0.0);
    }

    @Test
    void constantFactor() {
        check(Schedule.constantFactor(0.1, 0.25, 4), 0.025, 0.025, 0.025, 0.025, 0.1, 0.1, 0.1, 0.1);
    }

    @Test
    void badArgumentsAreRefused() {
        assertThatThrownBy(() -> Schedule.cosineWarmRestarts(0.1, 0, 2, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("t0 > 0");
        assertThatThrownBy(() -> Schedule.polynomial(0.1, 5, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("power");
        assertThatThrownBy(() -> Schedule.constantFactor(0.1, 1.5, 5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("factor in [0, 1]");
        assertThatThrownBy(() -> Schedule.multiStep(0.1, new long[] {5, 3}, 0.5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("increase");
        assertThatThrownBy(() -> Schedule.oneCycle(0.1, 10, 1.5, 25, 1e4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Schedule.oneCycle(0.1, 10, 0.1, 25, 1e4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("after step 0");
        Schedule cycle = Schedule.oneCycle(0.4, 20, 0.3, 25, 1e4);
        assertThat(cycle.at(25)).isEqualTo(cycle.at(19));
    }

    @Test
    void multiplicative() {
        Schedule s = Schedule.multiplicative(0.1, t -> t % 3 != 0 ? 0.95 : 1.1);
        double[] torch = {0.1, 0.095, 0.09025, 0.099275, 0.09431125, 0.08959568749999999, 0.09855525625, 0.0936274934375,
            0.088946118765625, 0.09784073064218751, 0.09294869411007813, 0.08830125940457421, 0.09713138534503164,
            0.09227481607778006, 0.08766107527389105, 0.09642718280128017, 0.09160582366121615, 0.08702553247815534,
            0.09572808572597089, 0.09094168143967234};
        for (int step = 0; step < torch.length; step++) {
            assertThat(s.at(step)).as("step %d", step).isEqualTo(torch[step]);     // PyTorch's multiplications, in its order
        }
        assertThat(s.at(7)).isEqualTo(torch[7]);             // back to an earlier step: computed again from the start
        assertThat(s.at(19)).isEqualTo(torch[19]);
    }

    private static void check(Schedule schedule, double... rates) {
        for (int step = 0; step < rates.length; step++) {
            assertThat(schedule.at(step)).as("step %d", step).isCloseTo(rates[step], within(1e-12 + 1e-9 * rates[step]));
        }
    }
}
