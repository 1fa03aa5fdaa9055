package dev.tern.kernel.gdb;

import dev.tern.kernel.machine.DebugStop;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.ReplayTimeline;
import dev.tern.kernel.state.SavedStateException;
import dev.tern.spi.cpu.DebugAccess;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The machine as a GDB session drives it: vCPU 0's {@link DebugAccess}, the breakpoint and
 * watchpoint sets, running and stepping (each run's end is one {@link Halt}), and — in a replay
 * with a {@link ReplayTimeline} — reverse stepping and continuing.
 *
 * <p>Called from the session's thread only, and except for {@link #interrupt()} only while the
 * machine is paused.
 */
final class DebugTarget {

    private final Machine machine;
    private final DebugAccess cpu;
    private final ReplayTimeline timeline;
    private final Set<Long> software = new LinkedHashSet<>();
    private final Set<Long> hardware = new LinkedHashSet<>();
    private final Map<Long, DebugAccess.Watchpoint> watches = new LinkedHashMap<>();
    /** The end of the run in progress; completed by the first stop, hold point or exit. */
    private volatile CompletableFuture<Halt> current = CompletableFuture.completedFuture(new Halt.Stopped(Halt.Cause.STEP));
    /**
     * GDB's Ctrl-C came during the current run. A reverse-continue checks it between its phases
     * too: loading a snapshot is not a run, and resuming clears the machine's own stop request.
     */
    private volatile boolean interrupted;

    /** A reverse-continue was interrupted: the machine is paused at an exact point of the replay. */
    private static final class Interrupted extends Exception {
        Interrupted() {
            super(null, null, false, false);
        }
    }

    /**
     * @param timeline the replay's history, or null when the run cannot go back
     * @throws IllegalArgumentException when the CPU offers no debugging
     */
    DebugTarget(Machine machine, ReplayTimeline timeline) {
        this.machine = machine;
        this.cpu = machine.vcpus().getFirst().debug();
        if (cpu == null) {
            throw new IllegalArgumentException("CPU '" + machine.spec().cpu() + "' offers no debugger access");
        }
        this.timeline = timeline;
        machine.onDebugStop(this::stopped);
        machine.exitStage().thenAccept(exit -> current.complete(new Halt.Exited(exit)));
    }

    /** A debugger attaches: a running machine (an earlier debugger detached, or it has not reached its first stop yet) is stopped first. */
    void haltIfRunning() throws InterruptedException {
        // the future is in place before the state is read: a stop in between completes it
        var f = new CompletableFuture<Halt>();
        current = f;
        if (machine.lifecycle().state() != dev.tern.kernel.vm.VmState.RUNNING) {
            return;
        }
        machine.requestDebugStop();
        try {
            f.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    DebugAccess cpu() {
        return cpu;
    }

    boolean canReverse() {
        return timeline != null;
    }

    long instructions() {
        return machine.vcpus().getFirst().instructionCount();
    }

    /** On EMT 0, the machine paused. */
    private void stopped(DebugStop why) {
        current.complete(switch (why) {
            case DebugStop.Interrupted i -> new Halt.Stopped(Halt.Cause.INTERRUPT);
            case DebugStop.ReplayEnd e -> new Halt.Stopped(Halt.Cause.HISTORY_END);
            case DebugStop.CpuEvent e -> classify(e.address());
        });
    }

    private Halt.Stopped classify(long pc) {
        var hit = cpu.takeWatchHit();
        if (hit.isPresent()) {
            long a = hit.getAsLong();
            var w = watches.values().stream()
                    .filter(x -> Long.compareUnsigned(a - x.address(), x.length()) < 0).findFirst();
            var access = w.map(DebugAccess.Watchpoint::access).orElse(DebugAccess.Access.WRITE);
            return new Halt.Stopped(switch (access) {
                case WRITE -> Halt.Cause.WATCH;
                case READ -> Halt.Cause.READ_WATCH;
                case ACCESS -> Halt.Cause.ACCESS_WATCH;
            }, w.map(DebugAccess.Watchpoint::address).orElse(a));
        }
        return new Halt.Stopped(software.contains(pc) || !hardware.contains(pc)
                ? Halt.Cause.SOFTWARE_BREAKPOINT : Halt.Cause.HARDWARE_BREAKPOINT);
    }

    /** Lets the machine run until a stop; the returned future completes with it. */
    CompletableFuture<Halt> resume() {
        var f = new CompletableFuture<Halt>();
        current = f;
        // a step that ended otherwise (Ctrl-C, the end of the replay) left its hold point behind
        machine.cancelPauseAt();
        machine.resume();
        return f;
    }

    /**
     * Runs exactly one instruction (a watchpoint it hits is reported as the step's end: both happen
     * after the instruction).
     */
    CompletableFuture<Halt> step() {
        var f = new CompletableFuture<Halt>();
        current = f;
        machine.pauseAt(instructions() + 1).thenRun(() -> f.complete(new Halt.Stopped(Halt.Cause.STEP)));
        machine.resume();
        return f;
    }

    /** GDB's Ctrl-C while running (forward, or replaying forward for a reverse-stepi or reverse-continue). */
    void interrupt() {
        interrupted = true;
        machine.requestDebugStop();
    }

    /** A new run starts: a Ctrl-C from before it is spent. */
    void clearInterrupt() {
        interrupted = false;
    }

    void kill() {
        if (timeline != null) {
            machine.leaveReplay("killed by the debugger");
        } else {
            machine.stop("killed by the debugger");
        }
    }

    /** Removes every breakpoint and watchpoint and lets the machine run on without a debugger. */
    void detach() {
        software.clear();
        hardware.clear();
        watches.clear();
        apply();
        machine.onDebugStop(null);
        if (current.isDone() && machine.lifecycle().state() == dev.tern.kernel.vm.VmState.PAUSED) {
            machine.resume();
        }
    }

    // ---------------------------------------------------------------- breakpoints

    /** Z/z type 0-4 at {@code address} of {@code kind} (a watch length); false when the type is unknown. */
    boolean setStop(int type, long address, int kind, boolean insert) {
        switch (type) {
            case 0 -> edit(software, address, insert);
            case 1 -> edit(hardware, address, insert);
            case 2, 3, 4 -> {
                if (insert) {
                    watches.put(address, new DebugAccess.Watchpoint(address, kind, switch (type) {
                        case 2 -> DebugAccess.Access.WRITE;
                        case 3 -> DebugAccess.Access.READ;
                        default -> DebugAccess.Access.ACCESS;
                    }));
                } else {
                    watches.remove(address);
                }
            }
            default -> {
                return false;
            }
        }
        apply();
        return true;
    }

    private static void edit(Set<Long> set, long address, boolean insert) {
        if (insert) {
            set.add(address);
        } else {
            set.remove(address);
        }
    }

    private void apply() {
        var all = new LinkedHashSet<Long>(software);
        all.addAll(hardware);
        cpu.setBreakpoints(all.stream().mapToLong(Long::longValue).toArray());
        cpu.setWatchpoints(List.copyOf(watches.values()));
    }

    /** Runs {@code body} with every breakpoint and watchpoint off. */
    private <T> T unarmed(Checked<T> body) throws Exception {
        cpu.setBreakpoints(new long[0]);
        cpu.setWatchpoints(List.of());
        try {
            return body.run();
        } finally {
            apply();
        }
    }

    @FunctionalInterface
    private interface Checked<T> {
        T run() throws Exception;
    }

    // ---------------------------------------------------------------- reverse execution

    /**
     * Goes back one instruction: the state before the last instruction retired. That loads the
     * nearest earlier snapshot and replays up to the wanted count, which from a far snapshot takes
     * long: GDB's Ctrl-C stops it where the replay is, as for a reverse-continue.
     */
    Halt reverseStep() throws Exception {
        long now = instructions();
        long point = now == 0 ? -1 : timeline.pointAtOrBefore(now - 1);
        if (point < 0) {
            return new Halt.Stopped(Halt.Cause.HISTORY_BEGIN);
        }
        try {
            return unarmed(() -> {
                checkInterrupt();
                timeline.restore(point);
                // nothing is armed, so the only stops are the wanted count and an interrupt
                countStops(now - 1, Integer.MAX_VALUE);
                return new Halt.Stopped(Halt.Cause.STEP);
            });
        } catch (Interrupted i) {
            machine.cancelPauseAt();
            return new Halt.Stopped(Halt.Cause.INTERRUPT);
        }
    }

    /**
     * Goes back to the last breakpoint or watchpoint stop before the current instruction count:
     * replays each snapshot interval before it (latest first) with the stops armed, counting them,
     * then replays the interval with the last stop again to exactly that stop. With none in the
     * whole history it stops at the history's start.
     */
    Halt reverseContinue() throws Exception {
        try {
            return reverseContinueArmed();
        } catch (Interrupted i) {
            // paused where the forward replay was: an exact, earlier point of the recording
            machine.cancelPauseAt();
            return new Halt.Stopped(Halt.Cause.INTERRUPT);
        }
    }

    private Halt reverseContinueArmed() throws Exception {
        long hi = instructions();
        while (hi > 0) {
            long point = timeline.pointAtOrBefore(hi - 1);
            if (point < 0) {
                break;
            }
            checkInterrupt();
            timeline.restore(point);
            int hits = countStops(hi, Integer.MAX_VALUE).size();
            if (hits > 0) {
                checkInterrupt();
                timeline.restore(point);
                var stops = countStops(hi, hits);
                return stops.getLast();
            }
            hi = point;
        }
        long first = timeline.pointAtOrBefore(Long.MAX_VALUE) < 0 ? -1 : timeline.points()[0];
        if (first >= 0 && instructions() != first) {
            timeline.restore(first);
        }
        return new Halt.Stopped(Halt.Cause.HISTORY_BEGIN);
    }

    private void checkInterrupt() throws Interrupted {
        if (interrupted) {
            throw new Interrupted();
        }
    }

    /**
     * Replays from the paused machine towards instruction {@code end}, stopping at each breakpoint
     * or watchpoint, until {@code limit} stops were seen (the machine stays paused at the last) or
     * {@code end} is reached (paused there). Returns the stops seen.
     */
    private List<Halt.Stopped> countStops(long end, int limit) throws InterruptedException, SavedStateException, Interrupted {
        var seen = new ArrayList<Halt.Stopped>();
        var reached = machine.pauseAt(end);
        // the hold point ends whichever run reaches it
        reached.thenRun(() -> current.complete(new Halt.Stopped(Halt.Cause.STEP)));
        while (true) {
            Halt h;
            try {
                var f = new CompletableFuture<Halt>();
                current = f;
                checkInterrupt();
                machine.resume();
                h = f.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
            if (h instanceof Halt.Stopped i && (i.cause() == Halt.Cause.INTERRUPT || interrupted)) {
                throw new Interrupted();
            }
            if (reached.isDone() || !(h instanceof Halt.Stopped s)
                    || s.cause() == Halt.Cause.HISTORY_END || s.cause() == Halt.Cause.STEP) {
                return seen;
            }
            seen.add(s);
            if (seen.size() == limit) {
                machine.cancelPauseAt();
                return seen;
            }
        }
    }
}
