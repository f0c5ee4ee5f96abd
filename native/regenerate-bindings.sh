#!/bin/sh
# Regenerates the CBLAS bindings from cblas_subset.h with jextract (https://jdk.java.net/jextract),
# where it is installed. The committed Cblas.java is in the shape this produces, trimmed to one
# class and renamed; regenerate into a scratch folder and compare before replacing it.
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
out=${1:-"$here/../target/jextract"}
command -v jextract >/dev/null 2>&1 || { echo "jextract is not installed; nothing regenerated" >&2; exit 1; }
mkdir -p "$out"
jextract --output "$out" \
    --target-package dev.panamax.bindings.openblas \
    --header-class-name Cblas \
    --include-function cblas_sgemm --include-function cblas_sgemv --include-function cblas_saxpy \
    --include-function cblas_sdot --include-function cblas_snrm2 --include-function cblas_sscal \
    --include-function openblas_get_config --include-function openblas_get_corename \
    --include-function openblas_set_num_threads --include-function openblas_get_num_threads \
    --include-constant CblasRowMajor --include-constant CblasColMajor \
    --include-constant CblasNoTrans --include-constant CblasTrans \
    "$here/cblas_subset.h"
echo "generated under $out/dev/panamax/bindings/openblas"

# MPI: from the installed mpi.h of each ABI where it is there (Open MPI: Debian's libopenmpi-dev;
# MPICH: libmpich-dev). The committed Mpi.java holds the functions both share, OpenMpi.java and
# Mpich.java those that take handles; compare the generated classes against them.
mpi_functions="--include-function MPI_Init_thread --include-function MPI_Initialized --include-function MPI_Finalize \
    --include-function MPI_Comm_rank --include-function MPI_Comm_size --include-function MPI_Allreduce \
    --include-function MPI_Iallreduce --include-function MPI_Wait --include-function MPI_Test --include-function MPI_Bcast \
    --include-function MPI_Barrier --include-function MPI_Abort --include-function MPI_Error_string \
    --include-function MPI_Get_library_version"
for abi in openmpi:OpenMpi mpich:Mpich; do
    dir=/usr/include/x86_64-linux-gnu/${abi%%:*}
    [ -f "$dir/mpi.h" ] || { echo "no $dir/mpi.h: ${abi##*:} not regenerated" >&2; continue; }
    # shellcheck disable=SC2086
    jextract --output "$out" --target-package dev.panamax.bindings.mpi --header-class-name "${abi##*:}" \
        $mpi_functions --include-var ompi_mpi_comm_world --include-var ompi_mpi_float --include-var ompi_mpi_double \
        --include-var ompi_mpi_op_sum -I "$dir" "$dir/mpi.h"
    echo "generated ${abi##*:} under $out/dev/panamax/bindings/mpi (subset: native/mpi/${abi%%:*}_subset.h)"
done
