package dev.panamax.nn.distributed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.panamax.nn.io.SafeTensors;
import dev.panamax.nn.layers.Sequential;
import dev.panamax.nn.tensor.Tensor;

/**
 * Data-parallel training against one process: {@code mpirun -np 2} on this machine (loopback,
 * shared memory) must end with the weights one process reaches on the concatenated batches.
 *
 * <p>Tolerance: the two differ only in the order of float32 sums (each rank's mean over 16 rows,
 * then the mean of the two, against one mean over 32), about 1 ulp per gradient element per
 * step, which the optimizer carries on: after 6 Adam steps (MLP) and 4 SGD-momentum steps
 * (LeNet-5) the largest {@code |w2 - w1| / (1 + |w1|)} measured 2.9e-8. The test allows
 * {@code 1e-6}: summing the gradients without dividing by the ranks is off by 5e-5 even under
 * Adam, which is nearly blind to a gradient's scale, and by 4e-4 under SGD. With synchronized
 * batch norm ("bn-sync") the running statistics are compared too; a batch norm left local
 * (each rank normalising its 16 rows) is off by more than 1e-3.
 */
class DataParallelTest {

    private static final double TOLERANCE = 1e-6;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "lenet5", "bn-sync"})
    void twoProcessesEqualOneOnTheConcatenatedBatch(String model) throws Exception {
        compareWithOneProcess(model, new Launcher(mpirun(), List.of()));
    }

    /** The same with MPICH (integer handles), where Debian's mpich is installed beside Open MPI. */
    @Test
    void mpichTrainsAsOpenMpiDoes() throws Exception {
        Path lib = Path.of("/usr/lib/x86_64-linux-gnu/libmpich.so.12");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/mpirun.mpich")) && Files.exists(lib),
                "MPICH is not installed (Debian: apt-get install mpich); CI tests Open MPI only");
        Launcher mpich = new Launcher("/usr/bin/mpirun.mpich", List.of("-Dpanamax.mpi=" + lib));
        Result r = launch(mpich, List.of("bindings"), 120);
        assertThat(r.exit).as("output:%n%s", r.output).isZero();
        assertThat(r.output).contains("rank 0: bindings ok", "rank 1: bindings ok");
        compareWithOneProcess("lenet5", mpich);
    }

    private void compareWithOneProcess(String model, Launcher launcher) throws Exception {
        int steps = model.equals("mlp") ? 6 : 4;
        Path out = dir.resolve(model);
        Result r = launch(launcher, List.of(model, Integer.toString(steps), out.toString()), 180);
        assertThat(r.exit).as("mpirun exit status; output:%n%s", r.output).isZero();
        Map<String, float[]> reference = DataParallelWorker.weights(DataParallelWorker.train(null, model, steps, -1, -1));
        try (Arena arena = Arena.ofConfined()) {
            Map<String, float[]> rank0 = DataParallelWorker.weights(read(out, 0, arena));
            Map<String, float[]> rank1 = DataParallelWorker.weights(read(out, 1, arena));
            assertThat(rank0.keySet()).containsExactlyInAnyOrderElementsOf(reference.keySet());
            for (String name : reference.keySet()) {
                assertThat(rank1.get(name)).as("rank 1's %s equals rank 0's, bit for bit", name).isEqualTo(rank0.get(name));
                float[] want = reference.get(name);
                float[] got = rank0.get(name);
                double worst = 0;
                for (int i = 0; i < want.length; i++) {
                    worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
                }
                assertThat(worst).as("%s: largest |2 processes - 1 process| / (1 + |w|)", name).isLessThanOrEqualTo(TOLERANCE);
            }
            // and training moved the weights by far more than the tolerance
            Map<String, float[]> initial = initial(model);
            double moved = 0;
            for (String name : reference.keySet()) {
                for (int i = 0; i < reference.get(name).length; i++) {
                    moved = Math.max(moved, Math.abs(reference.get(name)[i] - initial.get(name)[i]));
                }
            }
            assertThat(moved).isGreaterThan(1e-2);
        }
    }

    @Test
    void everyBindingWorksUnderMpirun() throws Exception {
        Result r = launch(new Launcher(mpirun(), List.of()), List.of("bindings"), 120);
        assertThat(r.exit).as("output:%n%s", r.output).isZero();
        assertThat(r.output).contains("rank 0: bindings ok", "rank 1: bindings ok");
    }

    @Test
    void aRankThatThrowsEndsTheJobWithinSeconds() throws Exception {
        long t0 = System.nanoTime();
        Result r = launch(new Launcher(mpirun(), List.of()), List.of("lenet5", "6", dir.resolve("failed").toString(), "1", "2"),
                120);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(r.exit).as("output:%n%s", r.output).isNotZero();
        assertThat(r.output).contains("rank 1 of 2 failed: java.lang.IllegalStateException: injected failure at step 2");
        assertThat(seconds).as("seconds to end the job (JVM start and MNIST load included)").isLessThan(60);
        assertThat(dir.resolve("failed.rank0")).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "lenet5"})
    void theSingleProcessCommunicatorTrainsExactlyAsWithoutOne(String model) throws IOException {
        Map<String, float[]> plain = DataParallelWorker.weights(DataParallelWorker.train(null, model, 3, -1, -1));
        Map<String, float[]> single = DataParallelWorker.weights(
                DataParallelWorker.train(Communicator.single(), model, 3, -1, -1));
        assertThat(single.keySet()).containsExactlyElementsOf(plain.keySet());
        plain.forEach((name, w) -> assertThat(single.get(name)).as(name).isEqualTo(w));
    }

    @Test
    void bucketsFollowBackwardOrderAndTheSizeLimit() {
        Sequential net = dev.panamax.nn.models.Models.mlp(200, 32, 3);
        // fc1 32x200 (25,600 B) + 32 (128 B), fc2 32x32 (4096 B) + 32, fc3 3x32 (384 B) + 3 (12 B): closed at >= 16 KB
        // (a quarter of the 30 KB gradient is smaller), in backward order
        try (DistributedDataParallel ddp = new DistributedDataParallel(net, Communicator.single(),
                DistributedDataParallel.Options.defaults())) {
            assertThat(ddp.buckets()).containsExactly(List.of("fc3.bias", "fc3.weight", "fc2.bias", "fc2.weight", "fc1.bias",
                    "fc1.weight"));
        }
        try (DistributedDataParallel ddp = new DistributedDataParallel(net, Communicator.single(),
                DistributedDataParallel.Options.defaults().bucketBytes(4000))) {
            assertThat(ddp.buckets()).containsExactly(List.of("fc3.bias", "fc3.weight", "fc2.bias", "fc2.weight"),
                    List.of("fc1.bias", "fc1.weight"));
        }
        assertThat(DistributedDataParallel.bucketLimit(240 << 10, 4 << 20)).isEqualTo(60 << 10);
        assertThat(DistributedDataParallel.bucketLimit(100 << 20, 4 << 20)).isEqualTo(4 << 20);
        assertThat(DistributedDataParallel.bucketLimit(8 << 10, 4 << 20)).isEqualTo(16 << 10);
    }

    @Test
    void badBuffersAreRejectedBeforeAnyCollective() {
        Communicator c = Communicator.single();
        try (Arena arena = Arena.ofConfined()) {
            var seg = arena.allocate(16);
            assertThatThrownBy(() -> c.allReduceSum(seg, 2, 3)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("buffer");
            assertThatThrownBy(() -> c.broadcast(java.lang.foreign.MemorySegment.ofArray(new float[4]), 0, 4, 0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("native memory");
            assertThatThrownBy(() -> c.broadcast(seg, 0, 4, 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("root");
        }
    }

    private static Map<String, float[]> initial(String model) throws IOException {
        return DataParallelWorker.weights(DataParallelWorker.train(null, model, 0, -1, -1));
    }

    private static Map<String, Tensor> read(Path out, int rank, Arena arena) throws IOException {
        return SafeTensors.read(Path.of(out + ".rank" + rank), arena).tensors();
    }

    /** The mpirun on the PATH; skips the test (with the reason) when there is none. */
    private static String mpirun() {
        Path found = null;
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (found == null && Files.isExecutable(Path.of(d, "mpirun"))) {
                found = Path.of(d, "mpirun");
            }
        }
        assumeTrue(found != null, "mpirun is not installed (Debian: apt-get install openmpi-bin); .ci/run installs it");
        return found.toString();
    }

    private record Result(int exit, String output) {
    }

    /** An MPI launcher and the JVM options its library needs. */
    private record Launcher(String mpirun, List<String> jvmOptions) {

        boolean openMpi() {
            return !mpirun.endsWith(".mpich");
        }
    }

    /** {@code mpirun -np 2 java ... DataParallelWorker args}, output merged, killed after {@code seconds}. */
    private Result launch(Launcher launcher, List<String> args, int seconds) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(launcher.mpirun(), "-np", "2"));
        if (launcher.openMpi()) {
            cmd.addAll(List.of("--oversubscribe", "--bind-to", "none"));
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        cmd.addAll(List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(launcher.jvmOptions());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), DataParallelWorker.class.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT", "1");       // CI containers run as root
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        pb.environment().put("OMPI_MCA_btl", "self,vader");        // this machine only: shared memory, no network
        Path log = dir.resolve("mpirun-" + System.nanoTime() + ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            throw new AssertionError("mpirun did not finish in " + seconds + " s: " + Files.readString(log));
        }
        return new Result(p.exitValue(), Files.readString(log));
    }
}
