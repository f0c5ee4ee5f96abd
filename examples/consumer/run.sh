#!/usr/bin/env bash
# Builds this consumer against the installed Panamax artifacts, then runs it on the class path and
# on the module path. Needs `./mvnw install` in the Panamax checkout first (.ci/run does both).
set -euo pipefail
cd "$(dirname "$0")"
../../mvnw -B -q package
flags="--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
# shellcheck disable=SC2086
"$JAVA_HOME/bin/java" $flags -cp "target/panamax-consumer-1.0.jar:target/lib/*" dev.panamax.example.Main
# shellcheck disable=SC2086
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=dev.panamax.bindings \
    --module-path "target/panamax-consumer-1.0.jar:target/lib" -m dev.panamax.example/dev.panamax.example.Main
