package dev.panamax.nn.distributed;

import java.lang.foreign.MemorySegment;

import dev.panamax.bindings.mpi.Mpich;
import dev.panamax.bindings.mpi.MpiLibrary;
import dev.panamax.bindings.mpi.OpenMpi;

/**
 * The MPI calls the communicator makes, over MPI_COMM_WORLD, in one ABI or the other: the two
 * differ only in what a handle is (an exported object's address in Open MPI, an int in MPICH),
 * and in {@code MPI_IN_PLACE}. Each method returns MPI's error code.
 */
sealed interface MpiCalls {

    /** The calls for the library {@link MpiLibrary} found. */
    static MpiCalls forLibrary() {
        return MpiLibrary.abi() == MpiLibrary.Abi.OPEN_MPI ? new OpenMpiCalls() : new MpichCalls();
    }

    int maxErrorString();

    int maxLibraryVersion();

    int rank(MemorySegment out);

    int size(MemorySegment out);

    int allReduceFloats(MemorySegment buffer, int count);

    int allReduceDoubles(MemorySegment buffer, int count);

    int broadcastFloats(MemorySegment buffer, int count, int root);

    int barrier();

    int abort(int code);

    /** Open MPI: handles are the addresses of the library's exported objects. */
    final class OpenMpiCalls implements MpiCalls {
        private final MemorySegment world = OpenMpi.ompi_mpi_comm_world();
        private final MemorySegment floats = OpenMpi.ompi_mpi_float();
        private final MemorySegment doubles = OpenMpi.ompi_mpi_double();
        private final MemorySegment sum = OpenMpi.ompi_mpi_op_sum();

        @Override
        public int maxErrorString() {
            return OpenMpi.MPI_MAX_ERROR_STRING();
        }

        @Override
        public int maxLibraryVersion() {
            return OpenMpi.MPI_MAX_LIBRARY_VERSION_STRING();
        }

        @Override
        public int rank(MemorySegment out) {
            return OpenMpi.MPI_Comm_rank(world, out);
        }

        @Override
        public int size(MemorySegment out) {
            return OpenMpi.MPI_Comm_size(world, out);
        }

        @Override
        public int allReduceFloats(MemorySegment buffer, int count) {
            return OpenMpi.MPI_Allreduce(OpenMpi.MPI_IN_PLACE(), buffer, count, floats, sum, world);
        }

        @Override
        public int allReduceDoubles(MemorySegment buffer, int count) {
            return OpenMpi.MPI_Allreduce(OpenMpi.MPI_IN_PLACE(), buffer, count, doubles, sum, world);
        }

        @Override
        public int broadcastFloats(MemorySegment buffer, int count, int root) {
            return OpenMpi.MPI_Bcast(buffer, count, floats, root, world);
        }

        @Override
        public int barrier() {
            return OpenMpi.MPI_Barrier(world);
        }

        @Override
        public int abort(int code) {
            return OpenMpi.MPI_Abort(world, code);
        }
    }

    /** MPICH (and Intel MPI, MVAPICH): handles are int constants. */
    final class MpichCalls implements MpiCalls {

        @Override
        public int maxErrorString() {
            return Mpich.MPI_MAX_ERROR_STRING();
        }

        @Override
        public int maxLibraryVersion() {
            return Mpich.MPI_MAX_LIBRARY_VERSION_STRING();
        }

        @Override
        public int rank(MemorySegment out) {
            return Mpich.MPI_Comm_rank(Mpich.MPI_COMM_WORLD(), out);
        }

        @Override
        public int size(MemorySegment out) {
            return Mpich.MPI_Comm_size(Mpich.MPI_COMM_WORLD(), out);
        }

        @Override
        public int allReduceFloats(MemorySegment buffer, int count) {
            return Mpich.MPI_Allreduce(Mpich.MPI_IN_PLACE(), buffer, count, Mpich.MPI_FLOAT(), Mpich.MPI_SUM(),
                    Mpich.MPI_COMM_WORLD());
        }

        @Override
        public int allReduceDoubles(MemorySegment buffer, int count) {
            return Mpich.MPI_Allreduce(Mpich.MPI_IN_PLACE(), buffer, count, Mpich.MPI_DOUBLE(), Mpich.MPI_SUM(),
                    Mpich.MPI_COMM_WORLD());
        }

        @Override
        public int broadcastFloats(MemorySegment buffer, int count, int root) {
            return Mpich.MPI_Bcast(buffer, count, Mpich.MPI_FLOAT(), root, Mpich.MPI_COMM_WORLD());
        }

        @Override
        public int barrier() {
            return Mpich.MPI_Barrier(Mpich.MPI_COMM_WORLD());
        }

        @Override
        public int abort(int code) {
            return Mpich.MPI_Abort(Mpich.MPI_COMM_WORLD(), code);
        }
    }
}
