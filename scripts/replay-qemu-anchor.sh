#!/usr/bin/env bash
# The anchor for Tern's record/replay figures (docs/benchmarks.md, "Record/replay"): boots the Debian
# guest on Tern and on QEMU (qemu-system-i386, its own -kernel/-initrd loader, -icount shift=auto as
# its record/replay needs), each without and with recording, and prints side by side
#   - the time from process start to the shell prompt, and its ratio recording / not recording
#     (the record overhead as a user sees it: a boot is mostly CPU-bound work);
#   - how fast the recording grows once the guest idles at the prompt (bytes per host second over
#     SECONDS, from 5 s after the prompt).
# Runs go in turn (Tern plain, Tern record, QEMU plain, QEMU record) RUNS times; each figure is
# printed as median [min-max]. Tern runs with --pacing realtime (a recording's use case), QEMU with
# -icount shift=auto (rr=record needs icount); both 128 MiB, serial only, no network or disk.
#   scripts/replay-qemu-anchor.sh [RUNS [SECONDS]]          e.g. scripts/replay-qemu-anchor.sh 5 30
# Environment: TERN (the launcher, default ./tern), OUT (work directory, default a new temporary one),
# PROMPT_LIMIT (seconds to wait for the prompt, default 600). A boot that panics or never prompts
# stops the script with its serial log named: no figure is made from an incomplete set.
# Needs guest/vmlinuz and guest/initrd.cpio (scripts/fetch-guest.sh) and qemu-system-i386.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-5}
secs=${2:-30}
tern=${TERN:-$repo/tern}
out=${OUT:-$(mktemp -d)}
PROMPT_LIMIT=${PROMPT_LIMIT:-600}
append="console=ttyS0 nolapic noapic acpi=off cryptomgr.notests noisapnp pnpbios=off"
command -v qemu-system-i386 >/dev/null || { echo "qemu-system-i386 is needed" >&2; exit 2; }
[[ -f $repo/guest/vmlinuz ]] || { echo "guest/vmlinuz is missing: scripts/fetch-guest.sh" >&2; exit 2; }

# boot ENGINE MODE RUN: prints "SECONDS_TO_PROMPT BYTES_PER_SECOND" (the rate 0 when not recording)
boot() {
  local engine=$1 mode=$2 run=$3 serial="$out/$1-$2-$3.serial" log="$out/$1-$2-$3.rr" pid start now
  : > "$serial"
  rm -f "$log"
  start=$(date +%s%N)
  if [[ $engine == tern ]]; then
    local rec=()
    [[ $mode == record ]] && rec=(--record "$log")
    (cd "$repo" && exec "$tern" run --kernel guest/vmlinuz --initrd guest/initrd.cpio --append "$append" \
        --serial "file:$serial" --pacing realtime "${rec[@]}") > "$out/$1-$2-$3.err" 2>&1 &
  else
    local icount=shift=auto
    [[ $mode == record ]] && icount="shift=auto,rr=record,rrfile=$log"
    qemu-system-i386 -m 128M -kernel "$repo/guest/vmlinuz" -initrd "$repo/guest/initrd.cpio" -append "$append" \
        -display none -serial "file:$serial" -monitor none -net none -icount "$icount" > "$out/$1-$2-$3.err" 2>&1 &
  fi
  pid=$!
  local waited=0
  until grep -q '/ # ' "$serial" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { echo "$engine ended before the prompt; see $out/$1-$2-$3.err" >&2; exit 1; }
    # a guest that panicked (seen once on QEMU with -icount shift=auto at load 14) never prompts
    if grep -q 'Kernel panic' "$serial" || (( waited > PROMPT_LIMIT * 5 )); then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      echo "$engine $mode run $run: no prompt ($(grep -m1 -o 'Kernel panic.*' "$serial" || echo "none after $PROMPT_LIMIT s")); see $serial" >&2
      exit 1
    fi
    sleep 0.2
    waited=$((waited + 1))
  done
  now=$(date +%s%N)
  local rate=0
  if [[ $mode == record ]]; then
    sleep 5
    local s1 s2
    s1=$(stat -c %s "$log")
    sleep "$secs"
    s2=$(stat -c %s "$log")
    rate=$(((s2 - s1) / secs))
  fi
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "$(( (now - start) / 1000000 )) $rate"
}

# stats "v1 v2 ...": median [min-max]
stats() {
  tr ' ' '\n' <<< "$1" | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.6g [%.6g-%.6g]", m, v[1], v[NR] }'
}

declare -A prompt rate ratio
echo "runs: $runs, idle window: $secs s, work directory: $out, start $(date -u +%T), load $(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq "$runs"); do
  for engine in tern qemu; do
    line=$(boot "$engine" plain "$run") || exit 1
    read -r p0 _ <<< "$line"
    line=$(boot "$engine" record "$run") || exit 1
    read -r p1 r1 <<< "$line"
    prompt[$engine-plain]+=" $(awk -v a="$p0" 'BEGIN { printf "%.2f", a / 1000 }')"
    prompt[$engine-record]+=" $(awk -v a="$p1" 'BEGIN { printf "%.2f", a / 1000 }')"
    ratio[$engine]+=" $(awk -v a="$p1" -v b="$p0" 'BEGIN { printf "%.3f", a / b }')"
    rate[$engine]+=" $r1"
    echo "run $run $engine: prompt after $p0 ms plain, $p1 ms recording; idle log $r1 B/s; load $(cut -d' ' -f1-3 /proc/loadavg)"
  done
done
echo
printf '%-34s %-28s %-28s\n' "median [range] of $runs runs" "Tern" "QEMU $(qemu-system-i386 --version | head -n1 | awk '{ print $4 }')"
printf '%-34s %-28s %-28s\n' "s to prompt, not recording" "$(stats "${prompt[tern-plain]}")" "$(stats "${prompt[qemu-plain]}")"
printf '%-34s %-28s %-28s\n' "s to prompt, recording" "$(stats "${prompt[tern-record]}")" "$(stats "${prompt[qemu-record]}")"
printf '%-34s %-28s %-28s\n' "record overhead (ratio per run)" "$(stats "${ratio[tern]}")" "$(stats "${ratio[qemu]}")"
printf '%-34s %-28s %-28s\n' "idle log, bytes per host second" "$(stats "${rate[tern]}")" "$(stats "${rate[qemu]}")"
