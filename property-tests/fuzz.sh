#!/usr/bin/env bash
# Coverage-guided fuzzing of one target or all of them, outside `./mvnw verify`.
#
#   property-tests/fuzz.sh [DURATION] [Class#method ...]
#
# DURATION is Jazzer's (e.g. 5m, 90s; default 2m) per target; FUZZ_RUNS=N also stops a target
# after N inputs, whichever comes first. Without targets every @FuzzTest runs in turn. New coverage goes to property-tests/.cifuzz-corpus/ (ignored by git); a finding
# is written to the target's FuzzTestInputs/ folder under src/test/resources, where it stays as a
# regression input once fixed. Each target's line of the summary gives the inputs tried
# ("Done N runs in S second(s)", libFuzzer's count) and whether it ended with a finding.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-2m}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in property-tests/src/test/java/dev/panamax/properties/*FuzzTest.java; do
    class=$(basename "$f" .java)
    for m in $(grep -A1 '@FuzzTest' "$f" | grep -oE 'void [a-zA-Z0-9]+' | cut -d' ' -f2); do
      targets+=("$class#$m")
    done
  done
fi
if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
./mvnw -B -q install -DskipTests -pl bindings,kernels,nn-lite
mkdir -p property-tests/target/fuzz
summary=property-tests/target/fuzz/summary.txt
: > "$summary"
for t in "${targets[@]}"; do
  log="property-tests/target/fuzz/${t//#/.}.log"
  # instrument Panamax itself for coverage (its modules come from jars when built alone), not the
  # tests: their reference loops would only slow every input down. JUnit's 30 s template timeout
  # would also stop the fuzzing run as a whole; Jazzer still reads it as its per-input limit.
  JAZZER_FUZZ=1 ./mvnw -B test -pl property-tests -Dtest="$t" -Dsurefire.failIfNoSpecifiedTests=false \
      -Djunit.jupiter.execution.timeout.mode=disabled \
      -Djazzer.max_duration="$duration" ${FUZZ_RUNS:+-Djazzer.max_executions=$FUZZ_RUNS} \
      -Djazzer.instrumentation_includes='dev.panamax.kernels.**:dev.panamax.nn.**' > "$log" 2>&1 && status=ok || status=FINDING
  runs=$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 || true)
  echo "$t: $status, ${runs:-no run count (see $log)}" | tee -a "$summary"
done
