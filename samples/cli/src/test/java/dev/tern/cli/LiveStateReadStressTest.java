package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.migration.MachineDigest;
import dev.tern.kernel.migration.MigrationSource;
import dev.tern.kernel.plugin.PluginRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reading a running machine's device and vCPU state (what a migration's setup and its warm-up do to
 * size and time the device stream) must not change the guest: a guest hammered by such reads from
 * another thread reaches exactly the state of one that never was. The x86 CPU keeps arithmetic flags
 * lazily, and a save that materialised them from a foreign thread used to corrupt them now and then.
 */
class LiveStateReadStressTest {

    private static final long AT = 30_000_000;

    private final PluginRegistry plugins = PluginRegistry.discover(getClass().getClassLoader(), List.of());

    @Test
    @Timeout(300)
    void readingStateWhileTheGuestRunsLeavesItExactlyAsAnUndisturbedRun() throws Exception {
        String undisturbed;
        try (Machine m = machine()) {
            var at = m.pauseAt(AT);
            m.start();
            at.get();
            undisturbed = MachineDigest.full(m);
        }
        try (Machine m = machine()) {
            var at = m.pauseAt(AT);
            var done = new AtomicBoolean();
            var reads = new AtomicLong();
            Thread reader = Thread.ofPlatform().name("state-reader").start(() -> {
                while (!done.get()) {
                    MigrationSource.warmUp(m, plugins);
                    reads.incrementAndGet();
                }
            });
            m.start();
            try {
                at.get();
            } finally {
                done.set(true);
                reader.join();
            }
            assertTrue(reads.get() > 0, "the reader never ran");
            assertEquals(undisturbed, MachineDigest.full(m), "the guest's state changed under " + reads.get() + " reads");
        }
    }

    private Machine machine() throws Exception {
        byte[] rom;
        try (InputStream in = getClass().getResourceAsStream("/guests/dirty-writer.rom")) {
            assertNotNull(in, "dirty-writer.rom");
            rom = in.readAllBytes();
        }
        var spec = MachineSpec.builder().ramSize(2 << 20).firmware(rom).pacing(Pacing.WARP).build();
        return Machine.create(plugins, spec);
    }
}
