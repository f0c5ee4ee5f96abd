package dev.panamax.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;

import dev.panamax.kernels.parallel.WorkerPool;
import dev.panamax.nn.distributed.Communicator;
import dev.panamax.nn.distributed.DistributedDataParallel;

/**
 * {@code mpirun -np P bin/panamax demo --distributed}: the demo as one rank of a data-parallel
 * job. Each process trains on its shard of every global batch of {@code --batch} rows with
 * {@code cores / local processes} threads; rank 0 alone prints, writes and checks the
 * checkpoint. A rank that fails ends the whole job with its rank and the reason.
 */
final class DistributedDemo {

    private DistributedDemo() {
    }

    static int run(Demo.Options o, PrintStream out) throws IOException {
        if (!Communicator.launchedByMpirun()) {
            out.println("--distributed: not started by mpirun, so training in one process "
                    + "(for two: mpirun -np 2 bin/panamax demo --distributed)");
            if (o.threads() > 0) {
                WorkerPool.setThreads(o.threads());
            }
            return Demo.run(o, Communicator.single(), out);
        }
        Communicator comm = Communicator.mpi();
        try {
            WorkerPool.setThreads(o.threads() > 0 ? o.threads()
                    : Math.max(1, Runtime.getRuntime().availableProcessors() / comm.localSize()));
            if (o.batch() % comm.size() != 0) {
                throw new IllegalArgumentException("--batch " + o.batch() + " does not split evenly over " + comm.size()
                        + " processes");
            }
            PrintStream shown = comm.rank() == 0 ? out : new PrintStream(OutputStream.nullOutputStream());
            shown.printf("data-parallel over %s: %d thread(s) per process, global batch %d = %d processes x %d%n",
                    comm.describe(), WorkerPool.threads(), o.batch(), comm.size(), o.batch() / comm.size());
            int status = Demo.run(o, comm, shown);
            comm.barrier();                               // the others wait while rank 0 checks the checkpoint
            comm.close();
            return status;
        } catch (Throwable t) {
            comm.abort(t.toString());
            throw t;
        }
    }

    /** What gradient averaging cost, after training (nothing for one process). */
    static void report(DistributedDataParallel ddp, PrintStream out) {
        if (ddp == null) {
            return;
        }
        DistributedDataParallel.Statistics s = ddp.statistics();
        double steps = Math.max(1, s.steps());
        out.printf("gradient all-reduce: %d bucket(s), %.0f KB per step, %.3f ms per step from start to end, %.3f ms "
                        + "waited after backward (%.0f %% hidden by backward)%n", ddp.buckets().size(), s.bytesPerStep() / 1024.0,
                s.reduceNanos() / steps / 1e6, s.exposedNanos() / steps / 1e6, 100 * s.hiddenFraction());
    }
}
