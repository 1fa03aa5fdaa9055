#!/usr/bin/env bash
# Live migration, QEMU vs Tern, side by side (issue #12): the same Multiboot guest, RAM size,
# bandwidth, downtime limit and capabilities on both, N alternating runs each, one markdown table
# per case (median [min-max] of total time, downtime, setup, MiB sent, dirty-log syncs).
#
#   scripts/qemu-compare.sh [--runs N] [--workload dirty-writer|rewrite-64m|all] [--ram 256M]
#                           [--bandwidth unlimited|100M[,...]] [--downtime-limit 300] [--warmup 1]
#                           [--timeout 30] [--keep]
#
# Installs Debian's qemu-system-x86 when qemu-system-i386 is missing (nothing of QEMU is in this
# repository), rebuilds the guests when nasm is installed (the committed ELFs otherwise) and builds
# Tern through ./tern. The driver is scripts/qemu_compare.py (Python 3, standard library only).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if ! command -v qemu-system-i386 >/dev/null 2>&1; then
  echo "qemu-compare: installing qemu-system-x86 (Debian package)..." >&2
  sudo=()
  [[ "$(id -u)" == 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq qemu-system-x86 >/dev/null
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "qemu-compare: python3 is needed for the QMP/monitor driver" >&2
  exit 2
fi
if command -v nasm >/dev/null 2>&1; then
  "$root/samples/cli/guests/build.sh" >/dev/null
fi
# builds Tern on first use (or after source changes) before anything is timed
"$root/tern" --help >/dev/null

exec python3 "$root/scripts/qemu_compare.py" "$@"
