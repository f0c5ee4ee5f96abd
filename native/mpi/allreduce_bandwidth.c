/*
 * The C reference for Panamax's all-reduce bandwidth (bench/mpi/run.sh): an osu_allreduce-style
 * loop, in place, float sums over MPI_COMM_WORLD. The Java loop (dev.panamax.bench.AllReduceBandwidth)
 * is the same loop through the FFM bindings, so the two print comparable lines:
 *   bytes  iterations  microseconds-per-allreduce  MB/s (bytes / time)
 * Build: mpicc -O2 -o allreduce_bandwidth allreduce_bandwidth.c
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    long max_bytes = 16L << 20;
    float *buf = aligned_alloc(64, max_bytes);
    for (long i = 0; i < max_bytes / 4; i++) {
        buf[i] = 1.0f;
    }
    for (int pass = 0; pass < 2; pass++)    /* pass 0 warms up (the JVM compiles the Java loop there) */
    for (long bytes = 4096; bytes <= max_bytes; bytes *= 4) {
        int count = (int) (bytes / 4);
        int iterations = bytes >= (1L << 20) ? 200 : 2000;
        for (int i = 0; i < iterations / 10; i++) {        /* warm-up */
            MPI_Allreduce(MPI_IN_PLACE, buf, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        }
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        for (int i = 0; i < iterations; i++) {
            MPI_Allreduce(MPI_IN_PLACE, buf, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        }
        double us = (MPI_Wtime() - t0) * 1e6 / iterations;
        if (rank == 0 && pass == 1) {
            printf("%ld %d %.2f %.1f\n", bytes, iterations, us, bytes / us);
        }
    }
    free(buf);
    MPI_Finalize();
    return 0;
}
