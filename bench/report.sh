#!/bin/sh
# The benchmark report: runs JMH suites, then writes bench/report/REPORT.md and a chart
# (bench/report/ratios.png) with the CPU, every workload's figure and, beside it, the reference
# taken in the same sitting and the ratio of the times.
#
# Usage: bench/report.sh [--quick] [--avx2] [--reference FILE]... [SUITE...] [-- JMH options...]
#   SUITE       JMH benchmark classes (default: FmaPeakBench GemmBench ConvBench InferenceBench TrainingStepBench
#               RnnBench AttentionBench; a full run takes hours, name the ones you need)
#   --quick     one fork, each suite's own warm-up (its @Warmup: 3 to 10 iterations of 1 s, as long as
#               its kernels take to reach their compiled form) and 3 measured iterations of 1 s
#               (default: 10 warm-up, the longest any suite declares, and 5 measured)
#   --avx2      the 8-lane path: forks run with -XX:UseAVX=2 (256-bit vectors; JMH's -jvmArgsPrepend) and
#               OpenBLAS is held to its AVX2 kernels (OPENBLAS_CORETYPE=Haswell). Without it OpenBLAS
#               chooses its kernels itself (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset), as
#               ../shared/bench/pytorch/run.sh lets it for PyTorch; the report names the kernels it ran
#   --reference the output of ../shared/bench/pytorch/run.sh taken in the same sitting (PyTorch's
#               times); OpenBLAS is GemmBench's own impl=blas rows
#   -- ...      passed to JMH for every suite, e.g. -- -p threads=1
#   SUITE_OPTS  JMH options for one suite only, from the environment: GemmBench_OPTS="-p impl=java,blas"
# Each suite runs in a JMH invocation of its own (bench/report/jmh-SUITE.json).
# Example: ../shared/bench/pytorch/run.sh 5 LeNet > /tmp/torch.txt
#          bench/report.sh --quick --reference /tmp/torch.txt InferenceBench TrainingStepBench
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
out="$here/bench/report"
# Never fewer warm-up iterations than a suite declares: a LeNet-5 training step reaches its compiled
# form after 8-10 s, and three warm-up iterations (an earlier --quick) measured it at 10.2, 3.0 and 2.5 ms
# against 2.5 once warm.
jmh_opts="-f 1 -wi 10 -i 5 -w 1 -r 1"
refs=""
suites=""
avx2=""
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) jmh_opts="-f 1 -i 3 -r 1" ;;
        --avx2) avx2=1 ;;
        --reference) shift; refs="$refs --reference $(CDPATH= cd -- "$(dirname -- "$1")" && pwd)/$(basename -- "$1")" ;;
        --) shift; break ;;
        -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) suites="$suites $1" ;;
    esac
    shift
done
[ -n "$suites" ] || suites="FmaPeakBench GemmBench ConvBench InferenceBench TrainingStepBench RnnBench AttentionBench"
unset OPENBLAS_L2_SIZE
if [ -n "$avx2" ]; then
    export OPENBLAS_CORETYPE=Haswell
    jmh_opts="$jmh_opts -jvmArgsPrepend -XX:UseAVX=2"
else
    unset OPENBLAS_CORETYPE
fi
mkdir -p "$out"
results=""
for suite in $suites; do
    eval "extra=\${${suite}_OPTS:-}"
    # shellcheck disable=SC2086
    "$here/bin/panamax" bench "$suite\." $jmh_opts -prof gc -rf json -rff "$out/jmh-$suite.json" $extra "$@"
    results="$results --jmh $out/jmh-$suite.json"
done
. "$here/bin/find-jdk.sh"
JAVA_HOME=$(find_jdk)
# shellcheck disable=SC2086
"$JAVA_HOME/bin/java" -Djava.awt.headless=true --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp "$here/bench/target/benchmarks.jar" \
    dev.panamax.bench.report.BenchReport $results --out "$out" $refs
