#!/usr/bin/env bash
# Measures how fast a recording of the Debian guest grows (docs/benchmarks.md, "Log bytes per
# second"): boots it under `tern run --pacing realtime --record`, waits for the shell prompt (and
# types COMMAND if given, e.g. 'while :; do :; done &' for a busy guest), then prints the log's growth
# in each of WINDOWS windows of SECONDS — per host second and per second of guest time (the guest's
# /proc/uptime, typed at each window's end: on a loaded host the guest's clock runs slower than the
# host's, and an idle guest logs per tick of its own clock) — and powers the guest off.
#   scripts/replay-log-rate.sh OUT_PREFIX [WINDOWS [SECONDS [COMMAND]]]
# Writes OUT_PREFIX.rr (the log: `./tern analyze` it), .serial, .err. Environment: TERN (the
# launcher, default ./tern — point it at a copy when building in the same tree meanwhile).
# Needs guest/vmlinuz and guest/initrd.cpio (scripts/fetch-guest.sh).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$1
windows=${2:-5}
secs=${3:-60}
command=${4:-}
tern=${TERN:-$repo/tern}
append="console=ttyS0 nolapic noapic acpi=off cryptomgr.notests noisapnp pnpbios=off"

rm -f "$out.fifo" && mkfifo "$out.fifo" && : > "$out.cmds"
tail -f "$out.cmds" > "$out.fifo" &
feeder=$!
(cd "$repo" && exec "$tern" run --kernel guest/vmlinuz --initrd guest/initrd.cpio --append "$append" \
    --serial stdio --pacing realtime --record "$out.rr") < "$out.fifo" > "$out.serial" 2> "$out.err" &
vm=$!
until grep -q '/ # ' "$out.serial" 2>/dev/null; do
  kill -0 "$vm" 2>/dev/null || { echo "tern ended before the prompt; see $out.err" >&2; kill "$feeder"; exit 1; }
  sleep 1
done
[[ -n $command ]] && printf '%s\n' "$command" >> "$out.cmds"
sleep 5
uptime() { # types `cat /proc/uptime`, prints the guest's uptime in ms once it answered
  local lines
  lines=$(grep -c '' "$out.serial")
  echo 'cat /proc/uptime' >> "$out.cmds"
  until tail -n +"$lines" "$out.serial" | grep -qE '^[0-9]+\.[0-9]+ [0-9]+\.[0-9]+'; do sleep 0.2; done
  tail -n +"$lines" "$out.serial" | grep -E '^[0-9]+\.[0-9]+ [0-9]+\.[0-9]+' | head -n1 | awk '{ printf "%d", $1 * 1000 }'
}
guest=$(uptime)
prev=$(stat -c %s "$out.rr")
echo "start $(date -u +%T) log $prev bytes, guest uptime $guest ms, load $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$windows"); do
  sleep "$secs"
  size=$(stat -c %s "$out.rr")
  now=$(uptime)
  echo "window $i $(date -u +%T): $((size - prev)) bytes, $(((size - prev) / secs)) B/s host," \
       "$(((size - prev) * 1000 / (now - guest))) B/s guest ($((now - guest)) ms of guest time), load $(cut -d' ' -f1-3 /proc/loadavg)"
  prev=$size
  guest=$now
done
echo 'poweroff -f' >> "$out.cmds"
wait "$vm" || true
kill "$feeder" 2>/dev/null || true # tail ends by itself once tern closed the pipe
rm -f "$out.fifo" "$out.cmds"
