#!/usr/bin/env bash
# The soak (issue #18): the net-blk-counter guest migrated from JVM to JVM over and over, a snapshot
# saved and restored every SNAPSHOT_EVERY hops, every frame it sends checked to arrive once and in
# order and its disk to stay in step; prints each hop's total time, downtime, bytes and the source
# JVM's resident memory, then a summary. Exit status 1 on any violation. With `debian`, the Debian
# guest in ./guest (scripts/fetch-guest.sh) runs a shell loop doing the same through its stock drivers.
#   scripts/soak.sh DURATION [SNAPSHOT_EVERY [debian]]   e.g. scripts/soak.sh 3h, scripts/soak.sh 10m 5 debian
# CI runs a short version as SoakTest in mvn verify.
set -euo pipefail
[[ $# -ge 1 && $# -le 3 ]] || { echo "usage: scripts/soak.sh DURATION [SNAPSHOT_EVERY [debian]]  (DURATION like 90s, 10m, 3h)" >&2; exit 2; }
exec "$(dirname "${BASH_SOURCE[0]}")/test-main.sh" samples/cli dev.tern.cli.Soak "$@"
