package dev.tern.kernel.monitor;

import dev.tern.kernel.vm.VmState;

import java.util.LinkedHashMap;
import java.util.Locale;

/** {@code info status} / {@code query-status}: the machine's run state. */
public record RunStatus(VmState state) implements Reply {

    @Override
    public String human() {
        return "VM status: " + state.name().toLowerCase(Locale.ROOT) + "\n";
    }

    @Override
    public Object qmp() {
        var m = new LinkedHashMap<String, Object>();
        m.put("status", runState(state));
        m.put("singlestep", false);
        m.put("running", state == VmState.RUNNING);
        return m;
    }

    /** QEMU's RunState name for {@code state}. */
    public static String runState(VmState state) {
        return switch (state) {
            case CREATED -> "prelaunch";
            case INMIGRATE -> "inmigrate";
            case LOADING -> "restore-vm";
            case RUNNING -> "running";
            case PAUSED -> "paused";
            case SAVING -> "save-vm";
            case MIGRATING -> "finish-migrate";
            case POSTMIGRATE -> "postmigrate";
            case SHUTDOWN -> "shutdown";
            case FAILED -> "internal-error";
        };
    }
}
