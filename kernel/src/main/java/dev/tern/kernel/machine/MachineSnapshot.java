package dev.tern.kernel.machine;

import dev.tern.kernel.state.ConfigHeader;
import dev.tern.kernel.ram.RamReceiver;
import dev.tern.kernel.ram.RamSender;
import dev.tern.spi.memory.GuestMemory;
import dev.tern.kernel.state.SavedStateException;
import dev.tern.kernel.state.SavedStateWriter;
import dev.tern.kernel.state.SnapshotLoader;
import dev.tern.kernel.state.StateSource;
import dev.tern.kernel.vm.VmState;

import dev.tern.kernel.progress.Progress;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Locale;

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
        save(machine, out, null);
    }

    /**
     * Writes the machine's state to {@code out} (which stays open), reporting RAM progress to
     * {@code bar} after every part (null: no progress). RAM is nearly all of a snapshot's bytes.
     */
    public static void save(Machine machine, OutputStream out, Progress bar) throws IOException {
        var presence = machine.memory().presence();
        if (presence != null && presence.missingCount() > 0) {
            // the RAM stream reads the segments directly: it would save stale copies of those pages
            throw new IOException("cannot save the machine while post-copy still fetches " + presence.missingCount()
                    + " pages of its RAM; save once the incoming migration is complete");
        }
        var writer = SavedStateWriter.overlapped(out, ConfigHeader.of(MACHINE_TYPE, machine.memory(), machine.vcpus().size()));
        var ram = RamSender.of(machine.memory());
        writer.startLive(ram);
        long total = ram.roundPages() * GuestMemory.PAGE_SIZE;
        boolean done;
        do {
            done = writer.iterateLive(ram, PART_BYTES);
            if (bar != null) {
                bar.update((ram.roundPages() - ram.remainingPages()) * GuestMemory.PAGE_SIZE, total, "");
            }
        } while (!done);
        writer.endLive(ram);
        for (var section : machine.sections()) {
            writer.writeSection(section);
        }
        writer.finish();
        if (bar != null) {
            bar.finish(String.format(Locale.ROOT, "%.1f MiB of RAM, %.1f MiB written", total / 1048576.0,
                    writer.position() / 1048576.0));
        }
    }

    /**
     * Saves a machine that may be running: pauses it for the save (state SAVING) and lets it run
     * again afterwards, also when the save fails.
     */
    public static void saveLive(Machine machine, IoAction save) throws IOException {
        boolean wasRunning = machine.lifecycle().state() == VmState.RUNNING;
        if (wasRunning) {
            machine.pause();
        }
        boolean paused = machine.lifecycle().state() == VmState.PAUSED;
        if (paused) {
            machine.lifecycle().transition(VmState.SAVING);
        }
        try {
            save.run();
        } finally {
            if (paused) {
                machine.lifecycle().transition(VmState.PAUSED);
            }
            if (wasRunning) {
                machine.resume();
            }
        }
    }

    /** A save step run with the machine paused. */
    @FunctionalInterface
    public interface IoAction {
        void run() throws IOException;
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
        var loader = new SnapshotLoader(ConfigHeader.of(MACHINE_TYPE, machine.memory(), machine.vcpus().size()));
        loader.live(RamReceiver.of(machine.memory()));
        machine.sections().forEach(loader::section);
        try {
            loader.load(source);
        } finally {
            // even a refused load may have written nothing or everything: read RAM afresh either way
            machine.ramReloaded();
        }
    }
}
