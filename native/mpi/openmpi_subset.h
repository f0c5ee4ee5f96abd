/*
 * The subset of Open MPI's mpi.h (4.x, Debian's libopenmpi3) that Panamax binds.
 * bindings/src/main/java/dev/panamax/bindings/mpi/OpenMpi.java is generated from it in jextract's
 * shape; ../regenerate-bindings.sh regenerates it from the installed mpi.h where jextract is there.
 *
 * Open MPI's handles are pointers: MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM... are the addresses of the
 * exported objects below (OMPI_PREDEFINED_GLOBAL), MPI_IN_PLACE is (void *) 1 and
 * MPI_STATUS_IGNORE is a null pointer.
 */
#ifndef PANAMAX_OPENMPI_SUBSET_H
#define PANAMAX_OPENMPI_SUBSET_H

typedef struct ompi_communicator_t *MPI_Comm;
typedef struct ompi_datatype_t *MPI_Datatype;
typedef struct ompi_op_t *MPI_Op;
typedef struct ompi_request_t *MPI_Request;
typedef struct ompi_status_public_t MPI_Status;

extern struct ompi_predefined_communicator_t ompi_mpi_comm_world;
extern struct ompi_predefined_datatype_t ompi_mpi_float;
extern struct ompi_predefined_datatype_t ompi_mpi_double;
extern struct ompi_predefined_op_t ompi_mpi_op_sum;

#define MPI_SUCCESS 0
#define MPI_MAX_ERROR_STRING 256
#define MPI_MAX_LIBRARY_VERSION_STRING 256
#define MPI_IN_PLACE ((void *) 1)
#define MPI_STATUS_IGNORE ((MPI_Status *) 0)
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
