#!/usr/bin/env python3
"""Record/replay overhead as whole processes: a plain run, a recording and a replay of that recording,
run in turn round after round (plain, record, replay, plain, record, replay ...) so that a slow spell
on the host hits every configuration alike. Measures each process's CPU (user + sys of the JVM and
its children) and wall time, takes record/plain and replay/record round by round, and prints
median [min-max] of each (docs/benchmarks.md, "Record/replay").

    python3 scripts/record_overhead.py --guest mips|linux [--runs 5] [--warmup 1] [--tern ./tern]

mips:  the MIPS benchmark ROM, 300 M instructions (checkpoint every 10 M, the default).
linux: the Debian boot to the shell prompt, 540 M instructions (the prompt is out by 538.8 M);
       needs guest/vmlinuz and guest/initrd.cpio (scripts/fetch-guest.sh).
Both warp-paced, serial output discarded, default RAM. Standard library only.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
APPEND = "console=ttyS0 nolapic noapic acpi=off cryptomgr.notests noisapnp pnpbios=off"
GUESTS = {
    "mips": (["--bios", "samples/cli/src/main/resources/dev/tern/cli/bench.rom"], 300_000_000),
    "linux": (["--kernel", "guest/vmlinuz", "--initrd", "guest/initrd.cpio", "--append", APPEND], 540_000_000),
}


def run(command):
    """Runs one process to its end; returns (cpu seconds, wall seconds). A failure stops the sitting."""
    with tempfile.TemporaryFile() as errors:
        start = time.monotonic()
        proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        errors.seek(0)
        err = errors.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("failed (%s): %s\n%s" % (os.waitstatus_to_exitcode(status), " ".join(command), err[-2000:]))
    return usage.ru_utime + usage.ru_stime, wall


def stats(values):
    return "%.3f [%.3f-%.3f]" % (statistics.median(values), min(values), max(values))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--guest", choices=sorted(GUESTS), required=True)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1, help="rounds run first and not counted")
    p.add_argument("--tern", default=str(REPO / "tern"), help="the launcher (built on first use)")
    a = p.parse_args()
    if a.runs < 1 or a.warmup < 0:
        p.error("--runs must be positive and --warmup not negative")
    boot, instructions = GUESTS[a.guest]
    base = [a.tern, "run", *boot, "--serial", "none"]
    work = Path(tempfile.mkdtemp(prefix="record-overhead-"))
    cpu = {"plain": [], "record": [], "replay": []}
    wall = {"plain": [], "record": [], "replay": []}
    print("guest %s, %d counted rounds after %d warm-up, load %s, work %s"
          % (a.guest, a.runs, a.warmup, " ".join(open("/proc/loadavg").read().split()[:3]), work), flush=True)
    for i in range(a.warmup + a.runs):
        log = str(work / ("%s-%d.rr" % (a.guest, i)))
        timed = {
            "plain": run(base + ["--pacing", "warp", "--max-instructions", str(instructions)]),
            "record": run(base + ["--pacing", "warp", "--max-instructions", str(instructions), "--record", log]),
            "replay": run(base + ["--replay", log]),
        }
        counted = i >= a.warmup
        for k, (c, w) in timed.items():
            if counted:
                cpu[k].append(c)
                wall[k].append(w)
        print("round %d%s: cpu plain %.2f record %.2f replay %.2f s; log %d bytes; load %s"
              % (i + 1, "" if counted else " (warm-up)", timed["plain"][0], timed["record"][0], timed["replay"][0],
                 os.path.getsize(log), open("/proc/loadavg").read().split()[0]), flush=True)
    ratio = lambda num, den, d: [n / m for n, m in zip(d[num], d[den])]
    print()
    for k in cpu:
        print("%-7s cpu s %s   wall s %s" % (k, stats(cpu[k]), stats(wall[k])))
    print("record/plain  cpu %s   wall %s" % (stats(ratio("record", "plain", cpu)), stats(ratio("record", "plain", wall))))
    print("replay/record cpu %s   wall %s" % (stats(ratio("replay", "record", cpu)), stats(ratio("replay", "record", wall))))


if __name__ == "__main__":
    main()
