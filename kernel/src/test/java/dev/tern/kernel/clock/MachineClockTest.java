package dev.tern.kernel.clock;

import dev.tern.spi.clock.Timer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MachineClockTest {

    private final AtomicLong instructions = new AtomicLong();
    private final MachineClock clock = new MachineClock(instructions::get, 10);

    @Test
    void timeDerivesFromInstructionsPlusWarp() {
        assertEquals(0, clock.nanos());
        instructions.set(5);
        assertEquals(50, clock.nanos());
        clock.warpTo(1000);
        assertEquals(1000, clock.nanos());
        assertEquals(950, clock.warpNanos());
        clock.warpTo(10);
        assertEquals(1000, clock.nanos(), "warp never goes backwards");
        instructions.set(6);
        assertEquals(1010, clock.nanos());
        assertThrows(IllegalArgumentException.class, () -> new MachineClock(instructions::get, 0));
    }

    @Test
    void instructionsUntilRoundsUpAndIsAtLeastOne() {
        instructions.set(3); // 30ns
        assertEquals(1, clock.instructionsUntil(31));
        assertEquals(1, clock.instructionsUntil(40));
        assertEquals(2, clock.instructionsUntil(41));
        assertEquals(1, clock.instructionsUntil(30));
        assertEquals(1, clock.instructionsUntil(0));
        assertEquals((Long.MAX_VALUE - 30) / 10 + 1, clock.instructionsUntil(Long.MAX_VALUE));
    }

    @Test
    void firesExpiredTimersEarliestFirstWithTiesInArmingOrder() {
        List<String> fired = new ArrayList<>();
        Timer a = clock.newTimer("a", () -> fired.add("a"));
        Timer b = clock.newTimer("b", () -> fired.add("b"));
        Timer c = clock.newTimer("c", () -> fired.add("c"));
        Timer d = clock.newTimer("d", () -> fired.add("d"));
        c.armAt(100);
        b.armAt(50);
        a.armAt(100);
        d.armAt(101);
        assertEquals(50, clock.nextDeadline());
        instructions.set(10); // 100ns
        assertEquals(3, clock.fireExpired());
        assertEquals(List.of("b", "c", "a"), fired);
        assertFalse(a.armed());
        assertEquals(101, d.deadline());
        assertEquals(0, clock.fireExpired());
        d.cancel();
        d.cancel();
        assertEquals(Long.MAX_VALUE, clock.nextDeadline());
        assertEquals(-1, d.deadline());
    }

    @Test
    void rearmingChangesPlaceAndCallbacksMayRearmIntoThePast() {
        List<String> fired = new ArrayList<>();
        AtomicInteger left = new AtomicInteger(3);
        Timer[] self = new Timer[1];
        self[0] = clock.newTimer("periodic", () -> {
            fired.add("p@" + self[0].deadline());
            if (left.decrementAndGet() > 0) {
                self[0].armAt(20); // already passed: fires again in this call
            }
        });
        Timer other = clock.newTimer("other", () -> fired.add("o"));
        other.armAt(5);
        other.armAt(500); // re-arm moves it out
        self[0].armAt(10);
        instructions.set(3);
        assertEquals(3, clock.fireExpired());
        assertEquals(List.of("p@-1", "p@-1", "p@-1"), fired);
        assertEquals(500, other.deadline());
    }

    @Test
    void runawayRearmingIsStoppedWithTheTimersName() {
        Timer[] self = new Timer[1];
        self[0] = clock.newTimer("runaway", () -> self[0].armAt(0));
        self[0].armAt(0);
        IllegalStateException e = assertThrows(IllegalStateException.class, clock::fireExpired);
        assertTrue(e.getMessage().contains("runaway"), e.getMessage());
    }

    @Test
    void earlierDeadlinesAreReported() {
        AtomicInteger kicks = new AtomicInteger();
        clock.onEarlierDeadline(kicks::incrementAndGet);
        Timer a = clock.newTimer("a", () -> { });
        Timer b = clock.newTimer("b", () -> { });
        a.armAt(100);
        b.armAt(200);
        b.armAt(50);
        a.armAt(70);
        assertEquals(2, kicks.get());
    }

    @Test
    void timerNamesAreUniqueAndDeadlinesNonNegative() {
        Timer t = clock.newTimer("pit", () -> { });
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class, () -> clock.newTimer("pit", () -> { }));
        assertTrue(dup.getMessage().contains("pit"));
        IllegalArgumentException neg = assertThrows(IllegalArgumentException.class, () -> t.armAt(-5));
        assertTrue(neg.getMessage().contains("pit"));
    }

    @Test
    void stateRoundTripRestoresWarpAndTimersInOrder() {
        List<String> fired = new ArrayList<>();
        Timer a = clock.newTimer("a", () -> fired.add("a"));
        Timer b = clock.newTimer("b", () -> fired.add("b"));
        Timer c = clock.newTimer("c", () -> fired.add("c"));
        clock.warpTo(40);
        b.armAt(100);
        a.armAt(100);
        ClockSection section = clock.stateSection();
        assertEquals("clock", section.name());
        ClockState saved = section.save();
        assertEquals(new ClockState(40, List.of(new ClockState.ArmedTimer("b", 100), new ClockState.ArmedTimer("a", 100))), saved);

        AtomicLong instr2 = new AtomicLong();
        MachineClock target = new MachineClock(instr2::get, 10);
        List<String> fired2 = new ArrayList<>();
        target.newTimer("a", () -> fired2.add("a")).armAt(1);
        target.newTimer("b", () -> fired2.add("b"));
        Timer c2 = target.newTimer("c", () -> fired2.add("c"));
        c2.armAt(5);
        ClockSection s2 = target.stateSection();
        assertTrue(s2.validate(saved).isEmpty());
        s2.load(saved);
        assertEquals(40, target.nanos());
        assertFalse(c2.armed(), "timers absent from the state end disarmed");
        instr2.set(6);
        assertEquals(2, target.fireExpired());
        assertEquals(List.of("b", "a"), fired2);
        c.cancel();
    }

    @Test
    void validateRefusesUnknownDuplicateAndNegative() {
        clock.newTimer("pit", () -> { });
        ClockSection s = clock.stateSection();
        assertEquals("clock state: unknown timer 'rtc'",
                s.validate(new ClockState(0, List.of(new ClockState.ArmedTimer("rtc", 5)))).orElseThrow());
        assertTrue(s.validate(new ClockState(0, List.of(new ClockState.ArmedTimer("pit", 5),
                new ClockState.ArmedTimer("pit", 6)))).orElseThrow().contains("twice"));
        assertTrue(s.validate(new ClockState(0, List.of(new ClockState.ArmedTimer("pit", -2)))).isPresent());
        assertTrue(s.validate(new ClockState(-1, List.of())).isPresent());
    }

    @Test
    void concurrentArmingAndFiringKeepTimersConsistent() throws Exception {
        int threads = 3;
        int perThread = 8;
        AtomicInteger firings = new AtomicInteger();
        Timer[][] owned = new Timer[threads][perThread];
        for (int t = 0; t < threads; t++) {
            for (int k = 0; k < perThread; k++) {
                owned[t][k] = clock.newTimer("t" + t + "-" + k, firings::incrementAndGet);
            }
        }
        instructions.set(100); // now = 1000ns
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Timer[] mine = owned[t];
            ts.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    for (int i = 0; i < 20_000; i++) {
                        Timer timer = mine[i % perThread];
                        switch (i % 3) {
                            case 0 -> timer.armAt(i % 2000);
                            case 1 -> timer.cancel();
                            default -> assertTrue(timer.deadline() >= -1);
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        start.await();
        for (int i = 0; i < 2_000; i++) {
            clock.fireExpired();
        }
        for (Thread t : ts) {
            t.join();
        }
        assertEquals(null, failure.get());
        int due = 0;
        long earliest = Long.MAX_VALUE;
        for (Timer[] row : owned) {
            for (Timer timer : row) {
                if (timer.armed()) {
                    earliest = Math.min(earliest, timer.deadline());
                    due += timer.deadline() <= 1000 ? 1 : 0;
                }
            }
        }
        assertEquals(earliest, clock.nextDeadline());
        int before = firings.get();
        assertEquals(due, clock.fireExpired());
        assertEquals(before + due, firings.get());
        for (Timer[] row : owned) {
            for (Timer timer : row) {
                assertTrue(!timer.armed() || timer.deadline() > 1000);
            }
        }
    }

    /**
     * A load restores the firing order (the clock section), then devices re-arm their own timers at
     * the deadlines they saved: that must not reorder equal deadlines, or a migrated machine fires its
     * ties in another order than its source (two local APIC timers at one deadline did).
     */
    @Test
    void reArmingAtTheSameDeadlineKeepsATimersPlaceAmongTies() {
        Timer a = clock.newTimer("a", () -> { });
        Timer b = clock.newTimer("b", () -> { });
        b.armAt(100);
        a.armAt(100);
        ClockState saved = clock.capture();
        assertEquals(List.of("b", "a"), saved.timers().stream().map(ClockState.ArmedTimer::name).toList());

        var loaded = new MachineClock(instructions::get, 10);
        Timer la = loaded.newTimer("a", () -> { });
        Timer lb = loaded.newTimer("b", () -> { });
        loaded.restore(saved);
        la.armAt(100); // the devices' own loads, in their order
        lb.armAt(100);
        assertEquals(saved, loaded.capture());

        la.armAt(120);
        la.armAt(100); // a real re-arm elsewhere and back goes behind the tie, as arming order says
        assertEquals(List.of("b", "a"), loaded.capture().timers().stream().map(ClockState.ArmedTimer::name).toList());
        lb.armAt(100);
        assertEquals(List.of("b", "a"), loaded.capture().timers().stream().map(ClockState.ArmedTimer::name).toList());
    }
}
