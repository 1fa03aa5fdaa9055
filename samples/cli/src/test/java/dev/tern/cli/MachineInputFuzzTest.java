package dev.tern.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import dev.tern.kernel.config.ConfigText;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineSnapshot;
import dev.tern.kernel.migration.MachineDigest;
import dev.tern.kernel.migration.MigrationConfig;
import dev.tern.kernel.migration.MigrationDestination;
import dev.tern.kernel.migration.MigrationException;
import dev.tern.kernel.migration.MigrationSource;
import dev.tern.kernel.migration.MigrationStatus;
import dev.tern.kernel.migration.MigrationUri;
import dev.tern.kernel.plugin.ProviderKind;
import dev.tern.kernel.state.SavedStateException;
import dev.tern.kernel.state.StateSource;
import dev.tern.kernel.vm.VmState;
import dev.tern.spi.ConfigException;
import dev.tern.spi.transport.Listener;
import dev.tern.testkit.fuzz.HostileInput;
import dev.tern.testkit.fuzz.SeedCorpus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Hostile input against a real PC machine (the demo guest's, 4 MiB, x86 CPU and the PC devices):
 * a snapshot loaded into it, an incoming migration over the file transport, a {@code --device}
 * option validated against the installed providers.
 *
 * <ul>
 *   <li>snapshot: loads, or {@link SavedStateException} and the whole machine state (RAM, vCPU,
 *       devices: {@link MachineDigest#full}) is exactly as before;</li>
 *   <li>migration: received, or {@link MigrationException} naming the peer, with the machine
 *       {@link VmState#FAILED} (never started, to be discarded);</li>
 *   <li>device option: a {@link ConfigException} naming the column, or the key and value.</li>
 * </ul>
 * Seeds: the demo guest saved at instruction 123,457 and the same machine migrated to a file (that
 * stream carries its timings, so the committed one is checked by receiving it, not byte for byte).
 */
@Isolated("Jazzer fuzz targets: one at a time in a JVM")
class MachineInputFuzzTest {

    private static final Pattern AT_BYTE = Pattern.compile("\\(at byte \\d+\\)$|section|stream");
    private static final Pattern FROM_PEER = Pattern.compile("^incoming migration from file:\\S+ failed: ");
    private static final Pattern KEY_OR_COLUMN = Pattern.compile("column \\d+|config key '");
    /** A whole snapshot of the 4 MiB guest may be read into memory once, plus the decoders' work. */
    private static final long ALLOCATION = 48 << 20;
    private static final LiveMigrationTest GUESTS = new LiveMigrationTest();
    private static final List<String> DEMO = List.of("--pacing", "warp", "-m", "4M", "--serial", "none");

    private static Machine target;
    private static String targetDigest;
    private static Path scratch;

    @AfterAll
    static void close() throws IOException {
        if (target != null) {
            target.close();
        }
        if (scratch != null) {
            Files.deleteIfExists(scratch.resolve("in.bin"));
            Files.deleteIfExists(scratch);
        }
    }

    private static Machine demo() {
        try {
            return GUESTS.machine(DEMO);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The demo guest paused at a fixed instruction, saved, and migrated to a file while paused. */
    @Test
    void seedsAreTheDemoGuest() throws Exception {
        Path dir = Files.createTempDirectory("tern-fuzz-seed");
        try (Machine m = demo()) {
            var reached = m.pauseAt(123_457);
            m.start();
            assertEquals(123_457L, reached.get());
            var snapshot = new ByteArrayOutputStream();
            MachineSnapshot.save(m, snapshot);
            SeedCorpus.check(MachineInputFuzzTest.class, "snapshot", Map.of("demo-at-123457", snapshot.toByteArray()));
            Path file = dir.resolve("m.bin");
            var stats = new MigrationSource(m, MigrationUri.parse("file:" + file).connect(GUESTS.plugins),
                    MigrationConfig.DEFAULT, GUESTS.plugins).run();
            assertEquals(MigrationStatus.COMPLETED, stats.status(), stats.error());
            byte[] migration = SeedCorpus.recorded(MachineInputFuzzTest.class, "migration", "demo-at-123457",
                    Files.readAllBytes(file));
            Files.write(file, migration);
            String digest = MachineDigest.full(m);
            try (Machine loaded = demo(); Machine received = demo()) {
                MachineSnapshot.load(loaded, StateSource.of(snapshot.toByteArray()));
                assertEquals(digest, MachineDigest.full(loaded), "the snapshot seed loads whole");
                try (Listener listener = MigrationUri.parse("file:" + file).listen(GUESTS.plugins)) {
                    new MigrationDestination(received, GUESTS.plugins).receive(listener.accept(), listener);
                }
                assertEquals(digest, MachineDigest.full(received), "the migration seed is received whole");
            }
        } finally {
            Files.deleteIfExists(dir.resolve("m.bin"));
            Files.delete(dir);
        }
    }

    @FuzzTest
    void snapshot(byte[] stream) throws IOException {
        if (target == null) {
            target = demo();
            targetDigest = MachineDigest.full(target);
        }
        Optional<SavedStateException> refused = HostileInput.parse(SavedStateException.class, AT_BYTE, ALLOCATION,
                () -> MachineSnapshot.load(target, StateSource.of(stream)));
        String now = MachineDigest.full(target);
        if (refused.isPresent()) {
            assertEquals(targetDigest, now, "a refused snapshot changed the machine: " + refused.get().getMessage());
        }
        targetDigest = now;
    }

    @FuzzTest
    void migration(byte[] wire) throws IOException {
        if (scratch == null) {
            scratch = Files.createTempDirectory("tern-fuzz");
        }
        Path file = scratch.resolve("in.bin");
        Files.write(file, wire);
        List<Machine> machines = new ArrayList<>(); // a repeated parse (see HostileInput) gets a fresh machine
        try {
            Optional<MigrationException> refused = HostileInput.parse(MigrationException.class, FROM_PEER, ALLOCATION,
                    () -> {
                        Machine m = demo();
                        machines.add(m);
                        try (Listener listener = MigrationUri.parse("file:" + file).listen(GUESTS.plugins)) {
                            new MigrationDestination(m, GUESTS.plugins).receive(listener.accept(), listener);
                        }
                    });
            assertEquals(refused.isPresent() ? VmState.FAILED : VmState.INMIGRATE, machines.getLast().lifecycle().state());
        } finally {
            machines.forEach(Machine::close);
        }
    }

    @FuzzTest
    void deviceOption(@NotNull String text) {
        HostileInput.parse(ConfigException.class, KEY_OR_COLUMN, 64L * text.length() + (256 << 10), () -> {
            ConfigText parsed = ConfigText.parse(text);
            var options = new LinkedHashMap<>(parsed.options());
            options.remove("name");
            var info = GUESTS.plugins.find(ProviderKind.DEVICE, parsed.id());
            if (info.isPresent()) {
                GUESTS.plugins.configure(info.get(), options);
            }
        });
    }
}
