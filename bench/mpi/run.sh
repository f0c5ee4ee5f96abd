#!/bin/sh
# Data-parallel benchmarks on this machine, in one sitting (issue: MPI data-parallel training):
#  1. all-reduce bandwidth: the C loop of native/mpi/allreduce_bandwidth.c (mpicc) against the same
#     loop in Java through the FFM bindings, and through the Communicator (the communication thread);
#  2. a training step: 1 process x all cores against NP processes x (cores / NP) threads, with the
#     all-reduce time, its share of the step and the part backward hid.
# Usage: [REPS=3] bench/mpi/run.sh [NP (2)] [MODEL (lenet5|mlp)]. Needs Open MPI or MPICH with mpicc.
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
reps=${REPS:-3}
echo "all-reduce, in place, float sums over $np processes (rank 0's time per call; median MB/s of $reps runs each,"
echo "the five loops interleaved)"
for mode in c bindings communicator async nonblocking; do : > "$out/$mode.txt"; done
i=0
while [ "$i" -lt "$reps" ]; do
    $run "$out/allreduce_bandwidth" >> "$out/c.txt"
    for mode in bindings communicator async nonblocking; do
        # shellcheck disable=SC2086
        $run $java dev.panamax.bench.AllReduceBandwidth "$mode" >> "$out/$mode.txt"
    done
    i=$((i + 1))
done
median() {   # FILE: "bytes median-MB/s" per size, from lines "bytes iterations us MB/s"
    sort -n -k1,1 -k4,4 "$1" | awk '{ v[$1] = v[$1] " " $4; n[$1]++ }
        END { for (b in v) { split(substr(v[b], 2), a, " "); print b, a[int((n[b] + 1) / 2)] } }' | sort -n
}
for mode in c bindings communicator async nonblocking; do median "$out/$mode.txt" > "$out/$mode.median"; done
echo "MB/s: C = MPI_Allreduce from C; FFM = the same through the bindings; Comm. = Communicator.allReduceSum;"
echo "async = allReduceSumAsync + await (the gradient buckets' path); Iallreduce = MPI_Iallreduce + MPI_Wait (bindings)"
printf '%10s %9s %9s %9s %9s %10s %7s %7s\n' bytes C FFM Comm. async Iallreduce FFM/C async/C
paste -d ' ' "$out/c.median" "$out/bindings.median" "$out/communicator.median" "$out/async.median" \
    "$out/nonblocking.median" | awk '{
    printf "%10d %9.0f %9.0f %9.0f %9.0f %10.0f %7.3f %7.3f\n", $1, $2, $4, $6, $8, $10, $4 / $2, $8 / $2 }'
echo
echo "training step, $model, global batch 64 ($reps runs of each, interleaved)"
i=0
while [ "$i" -lt "$reps" ]; do
    # shellcheck disable=SC2086
    $java dev.panamax.bench.DataParallelStepBench "$model" --threads "$(nproc)"
    # shellcheck disable=SC2086
    $run $java dev.panamax.bench.DataParallelStepBench "$model"
    i=$((i + 1))
done
