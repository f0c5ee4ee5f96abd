#!/bin/sh
# Data-parallel benchmarks on this machine, in one sitting (issue: MPI data-parallel training):
#  1. all-reduce bandwidth: the C loop of native/mpi/allreduce_bandwidth.c (mpicc) against the same
#     loop in Java through the FFM bindings, and through the Communicator (the communication thread);
#  2. a training step: 1 process x all cores against NP processes x (cores / NP) threads, with the
#     all-reduce time, its share of the step and the part backward hid.
# Usage: bench/mpi/run.sh [NP (2)] [MODEL (lenet5|mlp)]. Needs Open MPI or MPICH with mpicc.
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")/../.." && pwd)
np=${1:-2}
model=${2:-lenet5}
command -v mpirun >/dev/null 2>&1 || { echo "mpirun not found (Debian: apt-get install openmpi-bin libopenmpi-dev)" >&2; exit 1; }
command -v mpicc >/dev/null 2>&1 || { echo "mpicc not found (Debian: apt-get install libopenmpi-dev)" >&2; exit 1; }
if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
"$here/bin/panamax" info >/dev/null                      # builds the jars if needed
[ -f "$here/bench/target/benchmarks.jar" ] || (cd "$here" && ./mvnw -q -B -DskipTests package)
. "$here/bin/find-jdk.sh"
JAVA_HOME=$(find_jdk) || { echo "no JDK 25 or newer found: set JAVA_HOME" >&2; exit 1; }
out="$here/bench/target/mpi"
mkdir -p "$out"
mpicc -O2 -o "$out/allreduce_bandwidth" "$here/native/mpi/allreduce_bandwidth.c"
java="$JAVA_HOME/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp $here/bench/target/benchmarks.jar"
run="mpirun -np $np --bind-to none"

echo "CPU: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores; $(mpirun --version 2>&1 | head -n 1)"
echo
echo "all-reduce, in place, float sums over $np processes (rank 0's time per call)"
$run "$out/allreduce_bandwidth" > "$out/c.txt"
# shellcheck disable=SC2086
$run $java dev.panamax.bench.AllReduceBandwidth bindings > "$out/java-bindings.txt"
# shellcheck disable=SC2086
$run $java dev.panamax.bench.AllReduceBandwidth communicator > "$out/java-communicator.txt"
printf '%10s %12s %12s %12s %10s %10s\n' bytes "C MB/s" "FFM MB/s" "Comm. MB/s" "FFM/C" "Comm./C"
paste -d ' ' "$out/c.txt" "$out/java-bindings.txt" "$out/java-communicator.txt" | awk '{
    printf "%10d %12.1f %12.1f %12.1f %10.3f %10.3f\n", $1, $4, $8, $12, $8 / $4, $12 / $4 }'
echo
echo "training step, $model, global batch 64"
# shellcheck disable=SC2086
$java dev.panamax.bench.DataParallelStepBench "$model" --threads "$(nproc)"
# shellcheck disable=SC2086
$run $java dev.panamax.bench.DataParallelStepBench "$model"
