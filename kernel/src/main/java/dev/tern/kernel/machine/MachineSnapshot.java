package dev.tern.kernel.machine;

import dev.tern.kernel.state.ConfigHeader;
import dev.tern.kernel.state.RamSection;
import dev.tern.kernel.state.SavedStateException;
import dev.tern.kernel.state.SavedStateWriter;
import dev.tern.kernel.state.SnapshotLoader;
import dev.tern.kernel.state.StateSource;
import dev.tern.kernel.vm.VmState;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Whole-machine snapshots: RAM (zero pages skipped) followed by every section of
 * {@link Machine#sections()} — vCPUs, the virtual clock, devices — in the saved-state stream
 * format ({@code docs/formats/saved-state.md}).
 *
 * <p>Both directions need a machine whose vCPUs are not running: not started yet, stopped at its
 * instruction limit, or paused. A load is verified completely before anything is applied, so a
 * refused snapshot leaves the machine as it was.
 */
public final class MachineSnapshot {

    /** The machine type recorded in (and required of) every stream. */
    public static final String MACHINE_TYPE = "pc";

    private static final long PART_BYTES = 8L << 20;

    private MachineSnapshot() {
    }

    /** Writes the machine's state to {@code out} (which stays open). */
    public static void save(Machine machine, OutputStream out) throws IOException {
        var writer = new SavedStateWriter(out, ConfigHeader.of(MACHINE_TYPE, machine.memory()));
        writer.writeLive(new RamSection(machine.memory()), PART_BYTES);
        for (var section : machine.sections()) {
            writer.writeSection(section);
        }
        writer.finish();
    }

    /** Writes the machine's state to {@code file}, atomically: a failed save leaves no partial file. */
    public static void save(Machine machine, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".part");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                save(machine, out);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Saves a machine that may be running: pauses it for the save (state SAVING) and lets it run
     * again afterwards, also when the save fails.
     */
    public static void saveLive(Machine machine, Path file) throws IOException {
        boolean wasRunning = machine.lifecycle().state() == VmState.RUNNING;
        if (wasRunning) {
            machine.pause();
        }
        boolean paused = machine.lifecycle().state() == VmState.PAUSED;
        if (paused) {
            machine.lifecycle().transition(VmState.SAVING);
        }
        try {
            save(machine, file);
        } finally {
            if (paused) {
                machine.lifecycle().transition(VmState.PAUSED);
            }
            if (wasRunning) {
                machine.resume();
            }
        }
    }

    /**
     * Loads into a machine that may be running: pauses it (state LOADING), applies the snapshot if it
     * verifies, and lets the machine run again — from the loaded state, or unchanged when refused.
     */
    public static void loadLive(Machine machine, StateSource source) throws SavedStateException {
        boolean wasRunning = machine.lifecycle().state() == VmState.RUNNING;
        if (wasRunning) {
            machine.pause();
        }
        boolean paused = machine.lifecycle().state() == VmState.PAUSED;
        if (paused) {
            machine.lifecycle().transition(VmState.LOADING);
        }
        try {
            load(machine, source);
        } finally {
            if (paused) {
                machine.lifecycle().transition(VmState.PAUSED);
            }
            if (wasRunning) {
                machine.resume();
            }
        }
    }

    /** Verifies, then applies, a snapshot to {@code machine}. */
    public static void load(Machine machine, StateSource source) throws SavedStateException {
        var loader = new SnapshotLoader(ConfigHeader.of(MACHINE_TYPE, machine.memory()));
        loader.live(new RamSection(machine.memory()));
        machine.sections().forEach(loader::section);
        loader.load(source);
    }
}
