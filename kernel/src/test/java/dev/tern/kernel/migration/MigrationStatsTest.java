package dev.tern.kernel.migration;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

class MigrationStatsTest {

    /** The pause's phases in milliseconds with two decimals, in phase order, zeros padded. */
    @Test
    void infoMigrateShowsThePausePhasesToTheHundredthOfAMillisecond() {
        var stats = new MigrationStats(MigrationStatus.COMPLETED, 40, 1, 3, 2, 1 << 20, 0, 1 << 28, 0, 64, 0, 0, 2, 0,
                Map.of(), "", 1, 1, 1, false,
                Map.of("3-devices", 1_005L, "1-pause-and-sync", 5L, "2-last-pages", 50L, "4-await-ready", 12_345L),
                0, 0, 300_000);
        String text = stats.render();
        assertTrue(text.contains("downtime phases: {1-pause-and-sync=0.00, 2-last-pages=0.05, 3-devices=1.00, "
                + "4-await-ready=12.34}"), text);
    }
}
