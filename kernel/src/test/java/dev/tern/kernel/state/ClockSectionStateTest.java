package dev.tern.kernel.state;

import dev.tern.kernel.clock.MachineClock;
import dev.tern.spi.SpiVersion;
import dev.tern.spi.clock.Timer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kernel's real clock section (a record holding a list of records) through the stream. */
class ClockSectionStateTest {

    private static final ConfigHeader CONFIG = new ConfigHeader("pc", 4096, SpiVersion.CURRENT, List.of());

    @Test
    void clockTimersAndWarpSurviveASnapshot() throws IOException {
        MachineClock source = new MachineClock(() -> 0, 1);
        source.newTimer("pit", () -> { }).armAt(500);
        source.newTimer("rtc", () -> { }).armAt(300);
        source.newTimer("idle", () -> { });
        source.warpTo(100);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SavedStateWriter w = new SavedStateWriter(out, CONFIG);
        w.writeSection(source.stateSection());
        w.finish();

        MachineClock target = new MachineClock(() -> 0, 1);
        Timer pit = target.newTimer("pit", () -> { });
        Timer rtc = target.newTimer("rtc", () -> { });
        Timer idle = target.newTimer("idle", () -> { });
        idle.armAt(42);
        new SnapshotLoader(CONFIG).section(target.stateSection()).load(StateSource.of(out.toByteArray()));
        assertEquals(100, target.warpNanos());
        assertEquals(500, pit.deadline());
        assertEquals(300, rtc.deadline());
        assertFalse(idle.armed());
    }

    @Test
    void aTimerUnknownToTheTargetIsRefusedByValidate() throws IOException {
        MachineClock source = new MachineClock(() -> 0, 1);
        source.newTimer("hpet", () -> { }).armAt(10);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SavedStateWriter w = new SavedStateWriter(out, CONFIG);
        w.writeSection(source.stateSection());
        w.finish();
        MachineClock target = new MachineClock(() -> 0, 1);
        SavedStateException e = assertThrows(SavedStateException.class, () -> new SnapshotLoader(CONFIG)
                .section(target.stateSection()).load(StateSource.of(out.toByteArray())));
        assertTrue(e.getMessage().startsWith("section 'clock' instance 0: state refused: clock state: unknown timer"
                + " 'hpet'"), e.getMessage());
    }
}
