#!/usr/bin/env python3
"""Live migration, one Tern build against another (before/after a change), as scripts/qemu-compare.sh
runs Tern's side: the same guest, harness and measures (total time, Tern's own downtime, and the
guest-stopped time from the source's QMP STOP to the destination's QMP RESUME; RAM bytes sent and
dirty-log syncs as `info migrate` reports them), N runs of each
build, alternating A/B then B/A so that a slow spell on the host does not always hit one build.

    python3 scripts/migration_ab.py --a ../other-checkout/tern --b ./tern [--runs 5]
        [--workload dirty-writer|rewrite-64m]

Each --a/--b is a checkout's ./tern launcher (built on first use: run it once before timing).
Prints every run, then median [min-max] per build, with the switch-over's pause by phase as `info
migrate` reports it (a build that reports whole milliseconds shows whole milliseconds). Standard
library only.
"""

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import qemu_compare as qc  # noqa: E402  (the harness this compares with)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--a", required=True, help="build A's tern launcher")
    p.add_argument("--b", required=True, help="build B's tern launcher")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--workload", choices=sorted(qc.WORKLOAD_XBZRLE), default="dirty-writer")
    p.add_argument("--warmup", type=float, default=1.0, help="seconds the guest runs before migrating")
    p.add_argument("--timeout", type=int, default=30, help="seconds before a migration is given up")
    a = p.parse_args()
    if a.runs < 1:
        p.error("--runs must be positive")
    for launcher in (a.a, a.b):
        if not Path(launcher).is_file():
            p.error("%s: no such launcher" % launcher)
    case = qc.Case(a.workload, qc.WORKLOAD_XBZRLE[a.workload], 0, 256, 300, 128 << 20)
    results = {"A": [], "B": []}
    for i in range(a.runs):
        order = (("A", a.a), ("B", a.b)) if i % 2 == 0 else (("B", a.b), ("A", a.a))
        for name, launcher in order:
            args = argparse.Namespace(tern=launcher, start_timeout=60, warmup=a.warmup, timeout=a.timeout)
            r = qc.run_tern(args, case, Path(tempfile.mkdtemp(prefix="migration-ab-")))
            print("%s run %d: %s total=%s ms downtime=%s ms stopped=%s ms sent=%s MiB syncs=%s %s" % (
                name, i + 1, "ok" if r.completed else "FAIL", r.total_ms, r.downtime_ms,
                "%.1f" % r.gap_ms if r.gap_ms is not None else None,
                "%.1f" % (r.bytes / 2**20) if r.bytes is not None else None, r.rounds, r.note), flush=True)
            phases = r.extra.get("phases") or {}
            if phases:
                print("    pause phases ms: %s; destination apply %s ms" % (
                    " ".join("%s=%.2f" % kv for kv in sorted(phases.items())), r.extra.get("apply")), flush=True)
            results[name].append(r)
    for name, launcher in (("A", a.a), ("B", a.b)):
        done = [r for r in results[name] if r.completed]
        print("%s (%s): %d/%d completed; total %s ms, downtime %s ms, guest stopped %s ms, sent %s MiB,"
              " dirty syncs %s" % (
                  name, launcher, len(done), a.runs,
                  qc.spread([r.total_ms for r in done], str), qc.spread([r.downtime_ms for r in done], str),
                  qc.spread([r.gap_ms for r in done], lambda v: "%.0f" % v),
                  qc.spread([r.bytes / 2**20 if r.bytes is not None else None for r in done], lambda v: "%.1f" % v),
                  qc.spread([r.rounds for r in done], str)))
        names = sorted({k for r in done for k in (r.extra.get("phases") or {})})
        if names:
            print("    pause phases ms: %s" % "; ".join("%s %s" % (k, qc.spread(
                [(r.extra.get("phases") or {}).get(k) for r in done], lambda v: "%.2f" % v)) for k in names))


if __name__ == "__main__":
    main()
