package dev.tern.kernel.monitor;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.vm.VmState;
import dev.tern.spi.replay.ReplayEvent;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The run-control operations both monitors share (status, stop, cont, reset, power-down, quit),
 * and the events that follow the machine's run state: STOP when guest code stops running, RESUME
 * when it starts again, SHUTDOWN when the run ends.
 */
public final class RunControl {

    private final Machine machine;
    private final MonitorEvents events;
    private volatile boolean quit;
    private volatile boolean hostReset;

    public RunControl(Machine machine, MonitorEvents events) {
        this.machine = machine;
        this.events = events;
        machine.lifecycle().onChange(this::stateChanged);
        machine.onReset(byHost -> events.emit("RESET", cause(!byHost, byHost ? "host-qmp-system-reset" : "guest-reset")));
    }

    private void stateChanged(VmState from, VmState to) {
        if (to == VmState.RUNNING && from != VmState.RUNNING) {
            events.emit("RESUME", Map.of());
        } else if (from == VmState.RUNNING && to != VmState.SHUTDOWN && to != VmState.FAILED) {
            events.emit("STOP", Map.of());
        }
    }

    /** The run state. */
    public RunStatus status() {
        return new RunStatus(machine.lifecycle().state());
    }

    /** Pauses a running guest; does nothing otherwise (as QEMU's {@code stop}). */
    public Reply stop() {
        if (machine.lifecycle().state() == VmState.RUNNING) {
            machine.pause();
        }
        return Reply.NONE;
    }

    /** Resumes a paused guest; a running one stays as it is, an ended one is an error. */
    public Reply cont() {
        VmState s = machine.lifecycle().state();
        if (s == VmState.SHUTDOWN || s == VmState.FAILED) {
            throw new IllegalStateException("the machine has ended (" + RunStatus.runState(s) + "); it cannot continue");
        }
        if (s == VmState.PAUSED) {
            machine.resume();
        }
        return Reply.NONE;
    }

    /**
     * Resets the machine as a recorded host input; RESET follows once it is done. Under the
     * exit-on-reset policy the reset ends the run instead (then SHUTDOWN follows).
     */
    public Reply reset() {
        hostReset = true;
        machine.hostRequest(new ReplayEvent.HostRequest(ReplayEvent.HostRequest.Kind.RESET, 0));
        return Reply.NONE;
    }

    /**
     * Presses the power button: the machine powers off as a recorded host input (Tern's guests
     * obey it at once, so SHUTDOWN follows POWERDOWN).
     */
    public Reply powerdown() {
        events.emit("POWERDOWN", Map.of());
        machine.hostRequest(new ReplayEvent.HostRequest(ReplayEvent.HostRequest.Kind.POWER_OFF, 0));
        return Reply.NONE;
    }

    /**
     * Ends the run and the VMM. A replay the user quits before the recording's end is left, not
     * compared with that end (it never got there): it ends cleanly, "left the replay at instruction N".
     */
    public Reply quit() {
        quit = true;
        if (machine.replayMode() == dev.tern.spi.replay.ReplayFilter.Mode.REPLAY) {
            machine.leaveReplay("quit from the monitor");
        } else {
            machine.stop("quit from the monitor");
        }
        return Reply.NONE;
    }

    /** Whether {@link #quit()} ran. */
    public boolean quitRequested() {
        return quit;
    }

    /** Reports the end of the run as SHUTDOWN, with QEMU's ShutdownCause for how it ended. */
    public void ended(MachineExit exit) {
        String reason = switch (exit.reason()) {
            case POWER_OFF, HALTED -> "guest-shutdown";
            case RESET, CPU_SHUTDOWN -> hostReset ? "host-qmp-system-reset" : "guest-reset";
            case HOST_STOP -> quit ? "host-qmp-quit" : "host-signal";
            case INSTRUCTION_LIMIT, REPLAY_END -> "host-signal";
            case DIVERGED, ERROR -> "host-error";
        };
        events.emit("SHUTDOWN", cause(!reason.startsWith("host"), reason));
    }

    private static Map<String, Object> cause(boolean guest, String reason) {
        var m = new LinkedHashMap<String, Object>();
        m.put("guest", guest);
        m.put("reason", reason);
        return m;
    }
}
