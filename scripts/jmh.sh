#!/usr/bin/env bash
# Runs a module's JMH benchmarks (classes under src/test/java; surefire never runs them).
#   scripts/jmh.sh MODULE [JMH ARGS...]     e.g.  scripts/jmh.sh kernel DirtyLogBenchmark -f 1 -wi 3 -i 5
# Builds the module's test classes, then runs org.openjdk.jmh.Main on its test class path with JDK 25.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
module=${1:?usage: scripts/jmh.sh MODULE [JMH ARGS...]}
shift
cd "$repo"
# One reactor run, so sibling modules resolve to their fresh target/classes rather than to
# whatever (stale or missing) jars ~/.m2 holds.
mvn -q -B -pl "$module" -am test-compile dependency:build-classpath -DskipTests \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/jmh-classpath.txt
cp="$module/target/test-classes:$module/target/classes:$(cat "$module/target/jmh-classpath.txt")"
java=""
for c in "${JAVA_HOME:-}" /usr/lib/jvm/*25*; do
  if [[ -n $c && -x $c/bin/java ]]; then java=$c/bin/java; break; fi
done
[[ -n $java ]] || { echo "jmh.sh: no JDK 25 found" >&2; exit 2; }
exec "$java" --add-modules jdk.incubator.vector -cp "$cp" org.openjdk.jmh.Main "$@"
