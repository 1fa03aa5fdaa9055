package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.migration.DirtyRate;
import dev.tern.kernel.migration.DirtyRateProbe;
import dev.tern.kernel.migration.MigrationConfig;
import dev.tern.kernel.migration.MigrationSource;
import dev.tern.kernel.migration.MigrationStats;
import dev.tern.kernel.migration.MigrationStatus;
import dev.tern.kernel.migration.MigrationUri;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.SnapshotStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code calc_dirty_rate}: the dirty-writer guest dirties its 128 pages, and nothing else may use the log meanwhile. */
class DirtyRateTest {

    @TempDir
    Path dir;

    private List<String> args(LiveMigrationTest live) throws Exception {
        return List.of("--bios", live.dirtyWriter().toString(), "-m", "4M", "--serial", "none", "--pacing", "warp",
                "--max-instructions", "0");
    }

    @Test
    @Timeout(60)
    void theDirtyWritersPagesAreCountedAndTheLogIsHeldMeanwhile() throws Exception {
        var live = new LiveMigrationTest();
        live.dir = dir;
        try (Machine m = live.machine(args(live))) {
            m.start();
            LiveMigrationTest.runAtLeast(m, 1_000_000);
            var probe = new DirtyRateProbe(m);
            CompletableFuture<DirtyRate> rate = CompletableFuture.supplyAsync(() -> {
                try {
                    return probe.measure(DirtyRateProbe.MAX_MS);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            while (!m.memory().dirtyLog().isEnabled() && !rate.isDone()) {
                Thread.onSpinWait();
            }
            // a migration cannot take the log from under the measurement
            MigrationStats refused = new MigrationSource(m, MigrationUri.parse("file:" + dir.resolve("m.bin"))
                    .connect(live.plugins), MigrationConfig.DEFAULT, live.plugins).run();
            assertEquals(MigrationStatus.FAILED, refused.status());
            assertTrue(refused.error().contains("in use by calc_dirty_rate"), refused.error());
            long at = m.vcpus().getFirst().instructionCount();
            LiveMigrationTest.runAtLeast(m, at + 2_000_000); // every one of its pages written again
            probe.stop();
            DirtyRate r = rate.join();
            assertTrue(r.pages() >= 128 && r.pages() <= 160, "the guest writes 128 pages (plus its stack): " + r);
            assertFalse(m.memory().dirtyLog().isEnabled(), "the log is released");
        }
    }

    @Test
    @Timeout(60)
    void aPausedGuestDirtiesNothingAndTheMonitorReportsIt() throws Exception {
        var live = new LiveMigrationTest();
        live.dir = dir;
        try (Machine m = live.machine(args(live))) {
            m.start();
            LiveMigrationTest.runAtLeast(m, 1_000_000);
            m.pause();
            var mon = new Monitor(m, new SnapshotStore(dir, dev.tern.kernel.machine.SnapshotFiles.using(live.plugins)));
            new MigrationCommands(m, live.plugins, System.err).registerOn(mon);
            assertTrue(mon.execute("calc_dirty_rate 5").contains("10..60000"));
            assertTrue(mon.execute("calc_dirty_rate soon").contains("not a number"));
            assertEquals("", mon.execute("calc_dirty_rate 10"));
            String info = mon.execute("info dirty_rate");
            for (long spins = 0; !info.contains("Status: measured") && spins < 2_000_000_000L; spins++) {
                Thread.onSpinWait();
                info = mon.execute("info dirty_rate");
            }
            assertTrue(info.contains("Dirty rate: 0.0 MB/s") && info.contains("Dirty pages: 0 in"), info);
        }
    }

    @Test
    void periodsOutsideTheRangeAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new DirtyRate(1, 0));
        assertEquals(2.0, new DirtyRate(1, 500).pagesPerSecond());
    }
}
