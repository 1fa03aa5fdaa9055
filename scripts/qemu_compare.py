#!/usr/bin/env python3
"""Side-by-side live migration benchmark: QEMU (TCG) and Tern migrate the same Multiboot guest.

Called by scripts/qemu-compare.sh (which installs QEMU and builds the guests and Tern first).
For each case and run it starts a destination and a source of each VMM on loopback TCP, waits for
the guest's banner on the source's serial port, lets the guest run for --warmup seconds, migrates
with the same RAM size, bandwidth, downtime limit and capabilities, and records total time,
downtime, setup time, RAM bytes sent and dirty-log syncs. QEMU is driven over QMP, Tern only
through its public CLI and human monitor (never its classes), so the numbers stay comparable
while Tern's internals change. Runs alternate QEMU and Tern. Every wait has a deadline; every
process started is ended at the end of its run. Standard library only.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUESTS = ROOT / "samples" / "cli" / "guests"
LOOPBACK = "127.0.0.1"
MIB = 1 << 20


# ---------------------------------------------------------------------------------------------
# configuration


@dataclass(frozen=True)
class Case:
    """One workload at one bandwidth: what both VMMs are asked to do identically."""
    workload: str
    xbzrle: bool
    bandwidth: int  # bytes/s, 0 = unlimited
    ram_mib: int
    downtime_limit_ms: int
    xbzrle_cache: int  # bytes

    @property
    def elf(self):
        return GUESTS / (self.workload + ".elf")

    @property
    def banner(self):
        return self.workload + ": running"

    def title(self):
        bw = "unlimited" if self.bandwidth == 0 else "%d MiB/s" % (self.bandwidth // MIB)
        xb = ("XBZRLE on (cache %d MiB)" % (self.xbzrle_cache // MIB)) if self.xbzrle else "XBZRLE off"
        return "%s, %d MiB guest, tcp loopback, max-bandwidth %s, downtime-limit %d ms, %s" % (
            self.workload, self.ram_mib, bw, self.downtime_limit_ms, xb)


# XBZRLE per workload, as issue #12 specifies them
WORKLOAD_XBZRLE = {"dirty-writer": False, "rewrite-64m": True}
# bandwidths per workload when --bandwidth is not given: the three cases
DEFAULT_BANDWIDTHS = {"dirty-writer": ["unlimited"], "rewrite-64m": ["unlimited", "100M"]}


def parse_size(text):
    """'256M', '1G', '4096' -> bytes; 'unlimited' and '0' -> 0."""
    t = text.strip().lower()
    if t in ("unlimited", "0"):
        return 0
    m = re.fullmatch(r"(\d+)([kmg]?)(i?b)?", t)
    if not m:
        raise argparse.ArgumentTypeError("'%s' is not a size (e.g. 256M, 100M, unlimited)" % text)
    return int(m.group(1)) * {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[m.group(2)]


# ---------------------------------------------------------------------------------------------
# processes and waiting


class Deadline:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self):
        return max(0.0, self.end - time.monotonic())

    def passed(self):
        return time.monotonic() >= self.end


def wait_for_text(path, pattern, seconds, proc=None):
    """Polls the file until the regex matches (returns the match); None on deadline or exit of proc."""
    deadline = Deadline(seconds)
    regex = re.compile(pattern)
    while not deadline.passed():
        try:
            m = regex.search(path.read_text(errors="replace"))
            if m:
                return m
        except FileNotFoundError:
            pass
        if proc is not None and proc.poll() is not None:
            # one last look: the text may have been written just before the exit
            try:
                return regex.search(path.read_text(errors="replace"))
            except FileNotFoundError:
                return None
        time.sleep(0.02)
    return None


class Process:
    """A child VMM with its stdout/stderr in files; end() stops it for sure."""

    def __init__(self, name, argv, workdir):
        self.name = name
        self.out = workdir / (name + ".out")
        self.err = workdir / (name + ".err")
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.proc = subprocess.Popen(argv, cwd=workdir, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                         start_new_session=True)

    def alive(self):
        return self.proc.poll() is None

    def wait(self, seconds):
        try:
            self.proc.wait(timeout=seconds)
            return True
        except subprocess.TimeoutExpired:
            return False

    def end(self, grace=10.0):
        """SIGTERM, then SIGKILL after grace seconds; only this process' own session."""
        if self.alive():
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            if not self.wait(grace):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.wait(grace)

    def tail(self, lines=5):
        try:
            return " | ".join(self.err.read_text(errors="replace").strip().splitlines()[-lines:])
        except FileNotFoundError:
            return ""


def free_port():
    """A port free on the loopback now (QEMU's -incoming needs a number up front)."""
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# results


@dataclass
class Result:
    vmm: str
    completed: bool = False
    total_ms: float = None
    downtime_ms: float = None
    gap_ms: float = None  # guest-visible downtime: source's STOP event to destination's RESUME event
    setup_ms: float = None
    bytes: int = None
    rounds: int = None
    note: str = ""
    extra: dict = field(default_factory=dict)


class MigrationFailed(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# QEMU over QMP


class Qmp:
    """A QMP client on a unix socket: greeting, qmp_capabilities, then commands; events are kept."""

    def __init__(self, path, seconds):
        deadline = Deadline(seconds)
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.settimeout(max(0.1, deadline.left()))
                self.sock.connect(str(path))
                break
            except (FileNotFoundError, ConnectionRefusedError):
                self.sock.close()
                if deadline.passed():
                    raise MigrationFailed("QMP socket %s did not come up" % path)
                time.sleep(0.02)
        self.sock.settimeout(30)
        self.buf = b""
        self.events = []
        self._read()  # greeting
        self.execute("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise MigrationFailed("QMP connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def execute(self, command, arguments=None):
        msg = {"execute": command}
        if arguments is not None:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._read()
            if "event" in reply:
                self.events.append(reply)
                continue
            if "error" in reply:
                raise MigrationFailed("QMP %s: %s" % (command, reply["error"].get("desc", reply["error"])))
            return reply.get("return")

    def event_time(self, name, seconds):
        """The timestamp (seconds since the epoch) of the first event called name, waiting for it."""
        deadline = Deadline(seconds)
        while True:
            for e in self.events:
                if e.get("event") == name:
                    ts = e.get("timestamp", {})
                    return ts.get("seconds", 0) + ts.get("microseconds", 0) / 1e6
            if deadline.passed():
                raise MigrationFailed("no %s event within %d s" % (name, seconds))
            self.sock.settimeout(max(0.1, deadline.left()))
            try:
                reply = self._read()
            except socket.timeout:
                continue
            finally:
                self.sock.settimeout(30)
            if "event" in reply:
                self.events.append(reply)

    def close(self):
        self.sock.close()


def guest_gap_ms(qsrc, qdst):
    """Guest-visible downtime as a client sees it on both VMMs alike: from the source's STOP event to
    the destination's RESUME event (QMP timestamps: the host's wall clock, microseconds). QEMU's own
    'downtime' ends when the source has sent the last byte, before the destination has loaded it;
    Tern's ends when the destination has loaded everything and said READY. This one ends for both
    when the guest runs again."""
    return (qdst.event_time("RESUME", 10) - qsrc.event_time("STOP", 10)) * 1000


def qemu_argv(args, case, name, workdir):
    return [args.qemu, "-nodefaults", "-machine", "pc", "-accel", "tcg", "-m", str(case.ram_mib), "-mem-prealloc",
            "-kernel", str(case.elf), "-display", "none", "-serial", "file:" + str(workdir / (name + ".serial")),
            "-monitor", "none", "-qmp", "unix:%s,server=on,wait=off" % (workdir / (name + ".qmp")), "-no-reboot"]


def run_qemu(args, case, workdir):
    port = free_port()
    dst = Process("qemu-dst", qemu_argv(args, case, "qemu-dst", workdir)
                  + ["-incoming", "tcp:%s:%d" % (LOOPBACK, port)], workdir)
    src = Process("qemu-src", qemu_argv(args, case, "qemu-src", workdir), workdir)
    qsrc = qdst = None
    r = Result("QEMU")
    try:
        qdst = Qmp(workdir / "qemu-dst.qmp", args.start_timeout)
        qsrc = Qmp(workdir / "qemu-src.qmp", args.start_timeout)
        if not wait_for_text(workdir / "qemu-src.serial", re.escape(case.banner), args.start_timeout, src.proc):
            raise MigrationFailed("source guest printed no banner: " + src.tail())
        time.sleep(args.warmup)  # the workload: the guest dirties memory for this long before migrating
        qsrc.execute("migrate-set-capabilities",
                     {"capabilities": [{"capability": "xbzrle", "state": case.xbzrle}]})
        # QEMU has no "unlimited": a bandwidth far above what loopback carries stands for it
        bandwidth = case.bandwidth if case.bandwidth else 1 << 40
        qsrc.execute("migrate-set-parameters", {"max-bandwidth": bandwidth,
                                                "downtime-limit": case.downtime_limit_ms,
                                                "xbzrle-cache-size": case.xbzrle_cache})
        qsrc.execute("migrate", {"uri": "tcp:%s:%d" % (LOOPBACK, port)})
        deadline = Deadline(args.timeout)
        info = {}
        while not deadline.passed():
            info = qsrc.execute("query-migrate")
            if info.get("status") in ("completed", "failed", "cancelled"):
                break
            time.sleep(0.01)
        status = info.get("status")
        if status not in ("completed", "failed", "cancelled"):
            qsrc.execute("migrate_cancel")
            r.note = "no convergence in %d s (cancelled)" % args.timeout
        elif status != "completed":
            r.note = "%s: %s" % (status, info.get("error-desc", ""))
        else:
            # the source completes when it has sent everything; the destination may still be loading
            running = None
            confirm = Deadline(30)
            while not confirm.passed():
                running = qdst.execute("query-status").get("status")
                if running != "inmigrate":
                    break
                time.sleep(0.01)
            r.completed = running == "running"
            if not r.completed:
                r.note = "destination is %s after completion" % running
            else:
                r.gap_ms = guest_gap_ms(qsrc, qdst)
        ram = info.get("ram", {})
        r.total_ms = info.get("total-time")
        r.downtime_ms = info.get("downtime") if status == "completed" else None
        r.setup_ms = info.get("setup-time")
        r.bytes = ram.get("transferred")
        r.rounds = ram.get("dirty-sync-count")
        r.extra = {"xbzrle-cache": info.get("xbzrle-cache", {})}
    except (MigrationFailed, OSError, ValueError) as e:
        r.note = str(e)
    finally:
        for q in (qsrc, qdst):
            if q is not None:
                try:
                    q.execute("quit")
                except (MigrationFailed, OSError, ValueError):
                    pass
                q.close()
        for p in (src, dst):
            if not p.wait(10):
                p.end()
    return r


# ---------------------------------------------------------------------------------------------
# Tern over its CLI and human monitor


class TernMonitor:
    """The human monitor on TCP: a greeting, then '(tern) ' before every command."""

    PROMPT = b"(tern) "

    def __init__(self, port, seconds):
        self.sock = socket.create_connection((LOOPBACK, port), timeout=seconds)
        self.sock.settimeout(30)
        self.buf = b""
        self._until_prompt()

    def _until_prompt(self):
        while not self.buf.endswith(self.PROMPT):
            chunk = self.sock.recv(65536)
            if not chunk:
                raise MigrationFailed("Tern monitor closed the connection")
            self.buf += chunk
        out, self.buf = self.buf[:-len(self.PROMPT)], b""
        return out.decode(errors="replace")

    def command(self, line):
        self.sock.sendall(line.encode() + b"\n")
        out = self._until_prompt()
        if out.startswith("Error:"):
            raise MigrationFailed("Tern monitor '%s': %s" % (line, out.strip()))
        return out

    def quit(self):
        """'quit' stops the machine; the monitor closes the connection instead of prompting."""
        try:
            self.sock.sendall(b"quit\n")
            self.sock.settimeout(10)
            while self.sock.recv(65536):
                pass
        except OSError:
            pass
        self.sock.close()


def tern_argv(args, case, name, workdir):
    return [str(args.tern), "run", "--kernel", str(case.elf), "-m", "%dM" % case.ram_mib,
            "--serial", "file:" + str(workdir / (name + ".serial"))]


def parse_info_migrate(text):
    def num(key, unit=""):
        m = re.search(r"^%s: (\d+)%s" % (re.escape(key), unit), text, re.M)
        return int(m.group(1)) if m else None

    status = re.search(r"^Migration status: (\S+)", text, re.M)
    return {"status": status.group(1) if status else None, "total": num("total time", " ms"),
            "downtime": num("downtime", " ms"), "setup": num("setup", " ms"),
            "kbytes": num("transferred ram", " kbytes"), "syncs": num("dirty sync count"),
            "iterations": num("iterations"), "error": (re.search(r"^error: (.*)$", text, re.M) or [None, ""])[1],
            "apply": num("destination apply", " ms"), "phases": pause_phases(text)}


def pause_phases(text):
    """Tern's `downtime phases: {1-pause-and-sync=0.41, ...}` as {phase: ms}; {} when absent."""
    m = re.search(r"^downtime phases: \{(.*)\}$", text, re.M)
    return {k: float(v) for k, v in re.findall(r"([\w-]+)=([\d.]+)", m.group(1))} if m else {}


def run_tern(args, case, workdir):
    # QMP on both ends only for the STOP and RESUME events (guest_gap_ms); the destination defers its
    # incoming address so that its QMP is up before the migration, as QEMU's is
    dst = Process("tern-dst", tern_argv(args, case, "tern-dst", workdir)
                  + ["--incoming", "defer", "--qmp", "unix:%s,server" % (workdir / "tern-dst.qmp")], workdir)
    src = Process("tern-src", tern_argv(args, case, "tern-src", workdir)
                  + ["--monitor", "tcp:%s:0" % LOOPBACK, "--qmp", "unix:%s,server" % (workdir / "tern-src.qmp")],
                  workdir)
    mon = qsrc = qdst = None
    r = Result("Tern")
    try:
        qdst = Qmp(workdir / "tern-dst.qmp", args.start_timeout)
        qdst.execute("migrate-incoming", {"uri": "tcp:%s:0" % LOOPBACK})
        qsrc = Qmp(workdir / "tern-src.qmp", args.start_timeout)
        # port 0 everywhere: each process reports the port it bound, so no two runs can collide
        d = wait_for_text(dst.err, r"waiting for an incoming migration on tcp:[\d.]+:(\d+)", args.start_timeout,
                          dst.proc)
        if not d:
            raise MigrationFailed("destination did not listen: " + dst.tail())
        m = wait_for_text(src.err, r"monitor listening on [\d.]+:(\d+)", args.start_timeout, src.proc)
        if not m:
            raise MigrationFailed("source monitor did not listen: " + src.tail())
        mon = TernMonitor(int(m.group(1)), args.start_timeout)
        if not wait_for_text(workdir / "tern-src.serial", re.escape(case.banner), args.start_timeout, src.proc):
            raise MigrationFailed("source guest printed no banner: " + src.tail())
        time.sleep(args.warmup)  # the workload: the guest dirties memory for this long before migrating
        mon.command("migrate_set_capability xbzrle %s" % ("on" if case.xbzrle else "off"))
        mon.command("migrate_set_parameter max-bandwidth %d" % case.bandwidth)
        mon.command("migrate_set_parameter downtime-limit %d" % case.downtime_limit_ms)
        mon.command("migrate_set_parameter xbzrle-cache-size %d" % case.xbzrle_cache)
        # Tern gives up by itself after this long (the guest runs on); QEMU is cancelled at the same time
        mon.command("migrate_set_parameter timeout %d" % (args.timeout * 1000))
        mon.command("migrate -d tcp:%s:%s" % (LOOPBACK, d.group(1)))
        deadline = Deadline(args.timeout + 10)
        info = {}
        while not deadline.passed():
            text = mon.command("info migrate")
            info = parse_info_migrate(text)
            if info["status"] is None:
                # the monitor's output changed shape: stop at once rather than poll until the deadline
                raise MigrationFailed("no 'Migration status:' line in info migrate: " + text.strip()[:200])
            if info["status"] in ("completed", "failed", "cancelled"):
                break
            time.sleep(0.01)
        status = info.get("status")
        if status not in ("completed", "failed", "cancelled"):
            mon.command("migrate_cancel")
            r.note = "no end in %d s (cancelled)" % (args.timeout + 10)
        elif status != "completed":
            r.note = "%s: %s" % (status, info.get("error", ""))
        else:
            r.completed = bool(wait_for_text(dst.err, r"incoming migration complete", 30, dst.proc)) and dst.alive()
            if not r.completed:
                r.note = "destination did not confirm: " + dst.tail()
            else:
                r.gap_ms = guest_gap_ms(qsrc, qdst)
        r.total_ms = info.get("total")
        r.downtime_ms = info.get("downtime") if status == "completed" else None
        r.setup_ms = info.get("setup")
        r.bytes = info["kbytes"] * 1024 if info.get("kbytes") is not None else None
        r.rounds = info.get("syncs")
        r.extra = {"iterations": info.get("iterations"), "phases": info.get("phases", {}), "apply": info.get("apply")}
    except (MigrationFailed, OSError) as e:
        r.note = str(e)
    finally:
        for q in (qsrc, qdst):
            if q is not None:
                q.close()
        if mon is not None:
            mon.quit()
        if not src.wait(10):
            src.end()
        dst.end()
    return r


# ---------------------------------------------------------------------------------------------
# table


def spread(values, fmt):
    vals = [v for v in values if v is not None]
    if not vals:
        return "—"
    med = statistics.median(vals)
    if len(vals) == 1:
        return fmt(med)
    return "%s [%s–%s]" % (fmt(med), fmt(min(vals)), fmt(max(vals)))


def median(values):
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def ratio(a, b):
    return "—" if a is None or b in (None, 0) else "%.1f×" % (a / b)


def table(case, qemu, tern, qemu_version):
    def ms(v):
        return "%d" % round(v)

    def mib(v):
        return "%.1f" % (v / MIB)

    def n(v):
        return "%g" % v

    rows = []
    for label, results in (("QEMU %s TCG" % qemu_version, qemu), ("Tern", tern)):
        ok = [r for r in results if r.completed]
        rows.append("| %s | %s | %s | %s | %s | %s | %s | %d/%d |" % (
            label, spread([r.total_ms for r in ok], ms), spread([r.downtime_ms for r in ok], ms),
            spread([r.gap_ms for r in ok], ms),
            spread([r.setup_ms for r in ok], ms), spread([r.bytes for r in ok], mib),
            spread([r.rounds for r in ok], n), len(ok), len(results)))
    q = [r for r in qemu if r.completed]
    t = [r for r in tern if r.completed]
    rows.append("| Tern / QEMU (medians) | %s | %s | %s | %s | %s | %s | |" % tuple(
        ratio(median([getattr(r, a) for r in t]), median([getattr(r, a) for r in q]))
        for a in ("total_ms", "downtime_ms", "gap_ms", "setup_ms", "bytes", "rounds")))
    head = ["**%s**" % case.title(), "",
            "| VMM | total ms | downtime ms (as the VMM reports it) | guest stopped ms (source STOP to destination "
            "RESUME) | setup ms | MiB sent | rounds (dirty syncs) | completed |",
            "|---|---|---|---|---|---|---|---|"]
    notes = ["- %s run %d: %s%s" % (r.vmm, i + 1, r.note, "" if r.bytes is None else
                                    " (%s ms, %.1f MiB sent, %s dirty syncs by then)" % (r.total_ms, r.bytes / MIB, r.rounds))
             for res in (qemu, tern) for i, r in enumerate(res) if r.note]
    return "\n".join(head + rows + ([""] + notes if notes else []))


def load_average():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


# ---------------------------------------------------------------------------------------------


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5, help="repetitions per VMM and case (default 5)")
    p.add_argument("--workload", choices=["dirty-writer", "rewrite-64m", "all"], default="all")
    p.add_argument("--ram", type=parse_size, default=parse_size("256M"), help="guest RAM (default 256M)")
    p.add_argument("--bandwidth", help="max-bandwidth: unlimited or a size per second like 100M; a comma list "
                   "runs each (default: the issue's cases: dirty-writer unlimited; rewrite-64m unlimited,100M)")
    p.add_argument("--downtime-limit", type=int, default=300, help="ms (default 300)")
    p.add_argument("--xbzrle-cache", type=parse_size, default=parse_size("128M"), help="default 128M")
    p.add_argument("--warmup", type=float, default=1.0, help="seconds the guest runs before migrating (default 1)")
    p.add_argument("--timeout", type=int, default=30, help="seconds before a migration is given up (default 30)")
    p.add_argument("--start-timeout", type=int, default=60, help="seconds a VMM may take to come up (default 60)")
    p.add_argument("--qemu", default="qemu-system-i386")
    p.add_argument("--tern", default=str(ROOT / "tern"))
    p.add_argument("--keep", action="store_true", help="keep the per-run logs (printed at the end)")
    args = p.parse_args()
    if args.runs < 1 or args.warmup < 0 or args.timeout < 1:
        p.error("--runs and --timeout must be positive, --warmup not negative")
    if args.ram % MIB:
        p.error("--ram must be a whole number of MiB")
    if shutil.which(args.qemu) is None:
        p.error("%s not found (scripts/qemu-compare.sh installs it)" % args.qemu)

    workloads = ["dirty-writer", "rewrite-64m"] if args.workload == "all" else [args.workload]
    cases = []
    for w in workloads:
        for bw in (args.bandwidth.split(",") if args.bandwidth else DEFAULT_BANDWIDTHS[w]):
            cases.append(Case(w, WORKLOAD_XBZRLE[w], parse_size(bw), args.ram // MIB, args.downtime_limit,
                              args.xbzrle_cache))
    for c in cases:
        if not c.elf.is_file():
            p.error("%s missing (samples/cli/guests/build.sh builds it)" % c.elf)

    qemu_version = re.search(r"version (\d+\.\d+)", subprocess.run([args.qemu, "--version"], capture_output=True,
                                                                  text=True, timeout=30).stdout)
    qemu_version = qemu_version.group(1) if qemu_version else "?"
    started = time.time()
    loads = [load_average()]
    workroot = Path(tempfile.mkdtemp(prefix="qemu-compare-"))
    tables = []
    try:
        for case in cases:
            qemu, tern = [], []
            for i in range(args.runs):
                # alternate which VMM goes first, so a slow spell on the host does not always hit one
                order = [("QEMU", run_qemu, qemu), ("Tern", run_tern, tern)]
                if i % 2:
                    order.reverse()
                for name, run, results in order:
                    workdir = workroot / ("%s-%s-%d-%s" % (case.workload, case.bandwidth, i + 1, name))
                    workdir.mkdir()
                    r = run(args, case, workdir)
                    results.append(r)
                    loads.append(load_average())
                    print("%s %-4s run %d: %s total=%s ms downtime=%s ms stopped=%s ms setup=%s ms sent=%s rounds=%s %s" % (
                        case.workload + "@" + ("unlimited" if not case.bandwidth else "%dM" % (case.bandwidth // MIB)),
                        name, i + 1, "ok " if r.completed else "FAIL", r.total_ms, r.downtime_ms,
                        None if r.gap_ms is None else "%.1f" % r.gap_ms, r.setup_ms,
                        "%.1fMiB" % (r.bytes / MIB) if r.bytes is not None else None, r.rounds, r.note),
                        file=sys.stderr, flush=True)
            tables.append(table(case, qemu, tern, qemu_version))
    finally:
        if args.keep:
            print("logs kept in %s" % workroot, file=sys.stderr)
        else:
            shutil.rmtree(workroot, ignore_errors=True)
    minutes = (time.time() - started) / 60
    print("Host: %d CPUs (%s); 1-min load average %.1f-%.1f during the runs; %.1f minutes; QEMU %s, %s." % (
        os.cpu_count(), cpu_model(), min(loads), max(loads), minutes, qemu_version, "runs alternate QEMU/Tern"))
    print("Command: scripts/qemu-compare.sh " + " ".join(sys.argv[1:]))
    print()
    print("\n\n".join(tables))


if __name__ == "__main__":
    main()
