/*
 * The subset of MPICH's mpi.h (3.x/4.x; the same ABI as Intel MPI and MVAPICH) that Panamax binds.
 * bindings/src/main/java/dev/panamax/bindings/mpi/Mpich.java is generated from it in jextract's
 * shape; ../regenerate-bindings.sh regenerates it from the installed mpi.h where jextract is there.
 *
 * MPICH's handles are integers: MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM are the constants below,
 * MPI_IN_PLACE is (void *) -1 and MPI_STATUS_IGNORE is (MPI_Status *) 1.
 */
#ifndef PANAMAX_MPICH_SUBSET_H
#define PANAMAX_MPICH_SUBSET_H

typedef int MPI_Comm;
typedef int MPI_Datatype;
typedef int MPI_Op;
typedef int MPI_Request;
typedef struct MPI_Status MPI_Status;

#define MPI_COMM_WORLD ((MPI_Comm) 0x44000000)
#define MPI_FLOAT ((MPI_Datatype) 0x4c00040a)
#define MPI_DOUBLE ((MPI_Datatype) 0x4c00080b)
#define MPI_SUM ((MPI_Op) 0x58000003)
#define MPI_SUCCESS 0
#define MPI_MAX_ERROR_STRING 512
#define MPI_MAX_LIBRARY_VERSION_STRING 8192
#define MPI_IN_PLACE ((void *) -1)
#define MPI_STATUS_IGNORE ((MPI_Status *) 1)
enum { MPI_THREAD_SINGLE, MPI_THREAD_FUNNELED, MPI_THREAD_SERIALIZED, MPI_THREAD_MULTIPLE };

int MPI_Init_thread(int *argc, char ***argv, int required, int *provided);
int MPI_Initialized(int *flag);
int MPI_Finalize(void);
int MPI_Comm_rank(MPI_Comm comm, int *rank);
int MPI_Comm_size(MPI_Comm comm, int *size);
int MPI_Allreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm);
int MPI_Iallreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm,
                   MPI_Request *request);
int MPI_Wait(MPI_Request *request, MPI_Status *status);
int MPI_Test(MPI_Request *request, int *flag, MPI_Status *status);
int MPI_Bcast(void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm);
int MPI_Barrier(MPI_Comm comm);
int MPI_Abort(MPI_Comm comm, int errorcode);
int MPI_Error_string(int errorcode, char *string, int *resultlen);
int MPI_Get_library_version(char *version, int *resultlen);

#endif
