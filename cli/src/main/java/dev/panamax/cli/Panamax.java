package dev.panamax.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.panamax.bindings.NativeLibrary;
import dev.panamax.bindings.mpi.MpiLibrary;
import dev.panamax.bindings.openblas.Cblas;
import dev.panamax.bindings.openblas.OpenBlasLibrary;
import dev.panamax.kernels.backend.Backend;
import dev.panamax.kernels.CpuCore;
import dev.panamax.kernels.FloatLanes;
import dev.panamax.kernels.gemm.GemmBlocking;
import dev.panamax.cli.conformance.ConformanceRunner;

/** The command line behind {@code bin/panamax}. */
public final class Panamax {

    static final String USAGE = """
            usage: bin/panamax <command> [arguments]

            commands:
              info                 JDK, CPU, vector shape and the native backends found
              conformance DIR...   run every golden case under the folders (symbolic links followed); ends
                                   with 'N passed, N failed, N skipped' (exit 1 if any failed, 2 if none found)
              demo [options]       train LeNet-5 on the bundled MNIST digits (demo --help for more)
              predict [options]    a trained model's outputs for a file of samples (predict --help)
              eval [options]       a trained model's accuracy or R² on labelled data (eval --help)
              bench [JMH options]  run the JMH benchmarks (e.g. bench Softmax -f 1)
              --help               this text
            """;

    private Panamax() {
    }

    public static void main(String[] args) throws IOException {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command; returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        if (args.length == 0) {
            err.print(USAGE);
            return 2;
        }
        switch (args[0]) {
            case "--help", "-h", "help" -> {
                out.print(USAGE);
                return 0;
            }
            case "info" -> {
                info(out);
                return 0;
            }
            case "conformance" -> {
                if (args.length < 2) {
                    err.println("conformance needs at least one folder of golden cases");
                    err.print(USAGE);
                    return 2;
                }
                List<Path> roots = new ArrayList<>();
                for (int i = 1; i < args.length; i++) {
                    Path p = Path.of(args[i]);
                    if (!Files.isDirectory(p)) {
                        err.println("not a folder: " + p);
                        return 2;
                    }
                    roots.add(p);
                }
                if (ConformanceRunner.findCases(roots).isEmpty()) {
                    err.println("no golden case (a folder holding case.json) under " + roots);
                    return 2;
                }
                ConformanceRunner.Summary s = new ConformanceRunner(out).run(roots);
                return s.failed() > 0 ? 1 : 0;
            }
            case "demo" -> {
                String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
                if (rest.length == 1 && (rest[0].equals("--help") || rest[0].equals("-h"))) {
                    out.print(Demo.USAGE);
                    return 0;
                }
                Demo.Options o = Demo.parse(rest, err);
                if (o == null) {
                    err.print(Demo.USAGE);
                    return 2;
                }
                return Demo.run(o, out);
            }
            case "predict", "eval" -> {
                String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
                boolean predict = args[0].equals("predict");
                if (rest.length == 1 && (rest[0].equals("--help") || rest[0].equals("-h"))) {
                    out.print(predict ? Predict.USAGE : Evaluate.USAGE);
                    return 0;
                }
                try {
                    return predict ? Predict.run(rest, out, err) : Evaluate.run(rest, out, err);
                } catch (IllegalArgumentException | IOException e) {
                    err.println(args[0] + ": " + e.getMessage());
                    return 1;
                }
            }
            default -> {
                err.println("unknown command: " + args[0]);
                err.print(USAGE);
                return 2;
            }
        }
    }

    private static void info(PrintStream out) {
        out.println("Panamax");
        out.println("  JDK:      " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ", "
                + System.getProperty("java.home") + ")");
        out.println("  CPU:      " + CpuCore.current() + ", " + Runtime.getRuntime().availableProcessors() + " cores available");
        out.println("  threads:  " + Integer.getInteger("panamax.threads", Runtime.getRuntime().availableProcessors())
                + " (set with -Dpanamax.threads=N)");
        out.println("  vectors:  " + FloatLanes.SPECIES + ", " + FloatLanes.LANES + " float lanes");
        out.println("  SGEMM:    " + GemmBlocking.current().describe());
        out.println("  backends: java (always)");
        blas(out);
        report(out, "CUDA runtime", NativeLibrary.find("CUDA runtime", "panamax.cudart", "PANAMAX_CUDART",
                List.of("libcudart.so.13", "libcudart.so.12", "libcudart.so")));
        mpi(out);
    }

    /** Where MPI was found and which ABI it speaks; MPI is not initialised for this. */
    private static void mpi(PrintStream out) {
        MpiLibrary.find().ifPresentOrElse(
                l -> out.println("  MPI:      " + l.location() + " (from " + l.source() + "), "
                        + (MpiLibrary.abi() == MpiLibrary.Abi.OPEN_MPI ? "Open MPI" : "MPICH") + " ABI; "
                        + "data-parallel with mpirun -np N bin/panamax demo --distributed"),
                () -> out.println("  MPI:      none found (-Dpanamax.mpi, PANAMAX_MPI, libmpi.so.40/.12); training runs in "
                        + "one process"));
    }

    private static void blas(PrintStream out) {
        Optional<NativeLibrary> lib = OpenBlasLibrary.find();
        if (lib.isEmpty()) {
            out.println("  BLAS:     none found (explicit path, system library, Maven artifact); GEMM runs in Java");
            return;
        }
        NativeLibrary l = lib.get();
        String core = Backend.blasCore();
        String threads = core == null ? "?" : Integer.toString(Cblas.openblas_get_num_threads());
        if (core == null) {
            core = "unknown core";
        }
        out.println("  BLAS:     " + l.location() + " (from " + l.source() + "), core " + core + ", " + threads
                + " threads; backend policy " + Backend.configured().name().toLowerCase(java.util.Locale.ROOT)
                + (Backend.blasHasSmallKernels() ? " (small products to BLAS)" : " (all products in Java)"));
    }

    private static void report(PrintStream out, String name, Optional<NativeLibrary> lib) {
        // Discovery only: the kernels call no native library yet, so a found library is reported, not used.
        lib.ifPresentOrElse(
                l -> out.println("  " + l.name() + ": found " + l.location() + " (" + l.source() + "); not used by any kernel yet"),
                () -> out.println("  " + name + ": none found"));
    }

}
