package dev.tern.kernel.trace;

import dev.tern.kernel.clock.MachineClock;
import dev.tern.kernel.memory.DirtyLog;
import dev.tern.kernel.vm.VmLifecycle;
import dev.tern.kernel.vm.VmState;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TraceEventsTest {

    private static final List<String> NAMES = List.of(
            "dev.tern.VmStateChange", "dev.tern.Rendezvous", "dev.tern.DirtyLogSync", "dev.tern.TimerFire");

    @Test
    void kernelEmitsItsFlightRecorderEvents(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("trace.jfr");
        try (Recording recording = new Recording()) {
            for (String n : NAMES) {
                recording.enable(n).withThreshold(java.time.Duration.ZERO);
            }
            recording.start();

            VmLifecycle vm = new VmLifecycle();
            vm.transition(VmState.RUNNING);

            DirtyLog log = new DirtyLog(64 * 4096);
            log.enable();
            log.markPage(3);
            log.markPage(40);
            log.syncAndClear();

            AtomicLong instructions = new AtomicLong(100);
            MachineClock clock = new MachineClock(instructions::get, 1);
            clock.newTimer("pit", () -> { }).armAt(50);
            clock.fireExpired();

            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().startsWith("dev.tern."))
                .toList();
        RecordedEvent state = only(events, "dev.tern.VmStateChange");
        assertEquals("CREATED", state.getString("from"));
        assertEquals("RUNNING", state.getString("to"));
        assertTrue(state.getEventType().getCategoryNames().contains("Tern"));
        RecordedEvent sync = only(events, "dev.tern.DirtyLogSync");
        assertEquals(2L, sync.getLong("dirtyPages"));
        assertEquals(64L, sync.getLong("trackedPages"));
        RecordedEvent fire = only(events, "dev.tern.TimerFire");
        assertEquals("pit", fire.getString("timer"));
        assertEquals(50L, fire.getLong("deadline"));
        assertEquals(100L, fire.getLong("virtualNanos"));
    }

    private static RecordedEvent only(List<RecordedEvent> events, String name) {
        List<RecordedEvent> found = events.stream().filter(e -> e.getEventType().getName().equals(name)).toList();
        assertEquals(1, found.size(), name + " events: " + found);
        return found.getFirst();
    }
}
