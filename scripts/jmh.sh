#!/usr/bin/env bash
# Runs a module's JMH benchmarks (classes under src/test/java; surefire never runs them).
#   scripts/jmh.sh MODULE [JMH ARGS...]     e.g.  scripts/jmh.sh kernel DirtyLogBenchmark -f 1 -wi 3 -i 5
set -euo pipefail
module=${1:?usage: scripts/jmh.sh MODULE [JMH ARGS...]}
shift
exec "$(dirname "${BASH_SOURCE[0]}")/test-main.sh" "$module" org.openjdk.jmh.Main "$@"
