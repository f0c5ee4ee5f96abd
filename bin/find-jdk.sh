# Sourced by bin/panamax and the benchmark scripts: find_jdk prints the home of a JDK >= 25
# ($JAVA_HOME, the java on the PATH, then /usr/lib/jvm), or fails.

java_major() {
    # prints the feature version of the java at $1/bin/java, or nothing
    "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
}

find_jdk() {
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
        v=$(java_major "$JAVA_HOME")
        if [ -n "$v" ] && [ "$v" -ge 25 ]; then echo "$JAVA_HOME"; return 0; fi
    fi
    if command -v java >/dev/null 2>&1; then
        home=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.home = //p')
        if [ -n "$home" ]; then
            v=$(java_major "$home")
            if [ -n "$v" ] && [ "$v" -ge 25 ]; then echo "$home"; return 0; fi
        fi
    fi
    for cand in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25* /usr/lib/jvm/*; do
        if [ -x "$cand/bin/java" ]; then
            v=$(java_major "$cand")
            if [ -n "$v" ] && [ "$v" -ge 25 ]; then echo "$cand"; return 0; fi
        fi
    done
    return 1
}
