#!/usr/bin/env bash
# Runs a main class from a module's test class path with JDK 25 (benchmarks and tools that live in
# src/test/java, e.g. MigrationBenchmark):
#   scripts/test-main.sh MODULE MAIN-CLASS [ARGS...]
#   scripts/test-main.sh samples/cli dev.tern.cli.MigrationBenchmark rewrite-64m 256M tcp on 100M
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
module=${1:?usage: scripts/test-main.sh MODULE MAIN-CLASS [ARGS...]}
main=${2:?usage: scripts/test-main.sh MODULE MAIN-CLASS [ARGS...]}
shift 2
cd "$repo"
# One reactor run, so sibling modules resolve to their fresh target/classes rather than to
# whatever (stale or missing) jars ~/.m2 holds.
mvn -q -B -pl "$module" -am test-compile dependency:build-classpath -DskipTests \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/test-main-classpath.txt
cp="$module/target/test-classes:$module/target/classes:$(cat "$module/target/test-main-classpath.txt")"
java=""
for c in "${JAVA_HOME:-}" /usr/lib/jvm/*25*; do
  if [[ -n $c && -x $c/bin/java ]]; then java=$c/bin/java; break; fi
done
[[ -n $java ]] || { echo "test-main.sh: no JDK 25 found" >&2; exit 2; }
exec "$java" -Xss8m --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -cp "$cp" "$main" "$@"
