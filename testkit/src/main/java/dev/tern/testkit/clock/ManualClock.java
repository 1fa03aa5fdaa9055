package dev.tern.testkit.clock;

import dev.tern.spi.clock.Timer;
import dev.tern.spi.clock.VirtualClock;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A virtual clock that moves only when a test advances it. Timers due on the way fire in deadline
 * order (ties in arming order), each seeing the clock at its own deadline, as the machine's event
 * thread would run them.
 */
public final class ManualClock implements VirtualClock {

    /** Firings allowed in one advance before it is declared a timer storm (a device re-arming in the past). */
    public static final int MAX_FIRINGS_PER_ADVANCE = 1_000_000;

    private final List<ManualTimer> timers = new ArrayList<>();
    private long now;
    private long armSequence;

    @Override
    public synchronized long nanos() {
        return now;
    }

    @Override
    public synchronized Timer newTimer(String name, Runnable callback) {
        ManualTimer t = new ManualTimer(Objects.requireNonNull(name, "name"), Objects.requireNonNull(callback, "callback"));
        timers.add(t);
        return t;
    }

    /** Advances by {@code deltaNanos}, firing due timers. */
    public void advance(long deltaNanos) {
        if (deltaNanos < 0) {
            throw new IllegalArgumentException("cannot advance the clock by a negative " + deltaNanos + " ns");
        }
        advanceTo(Math.addExact(nanos(), deltaNanos));
    }

    /**
     * Advances to {@code target}, firing due timers in order.
     *
     * @throws IllegalStateException when more than {@link #MAX_FIRINGS_PER_ADVANCE} timers fire
     */
    public void advanceTo(long target) {
        synchronized (this) {
            if (target < now) {
                throw new IllegalArgumentException("cannot move the clock back from " + now + " to " + target);
            }
        }
        int firings = 0;
        while (true) {
            ManualTimer due;
            synchronized (this) {
                due = timers.stream().filter(t -> t.deadline >= 0 && t.deadline <= target)
                        .min(Comparator.comparingLong((ManualTimer t) -> t.deadline).thenComparingLong(t -> t.sequence))
                        .orElse(null);
                if (due == null) {
                    now = target;
                    return;
                }
                now = Math.max(now, due.deadline);
                due.deadline = -1;
            }
            if (++firings > MAX_FIRINGS_PER_ADVANCE) {
                throw new IllegalStateException("timer storm: more than " + MAX_FIRINGS_PER_ADVANCE
                        + " firings in one advance, last '" + due.name + "'");
            }
            due.callback.run();
        }
    }

    /** The earliest armed deadline, or -1. */
    public synchronized long nextDeadline() {
        return timers.stream().mapToLong(t -> t.deadline).filter(d -> d >= 0).min().orElse(-1);
    }

    /** How many timers are armed now. */
    public synchronized int armedTimers() {
        return (int) timers.stream().filter(t -> t.deadline >= 0).count();
    }

    private final class ManualTimer implements Timer {
        private final String name;
        private final Runnable callback;
        private long deadline = -1;
        private long sequence;

        ManualTimer(String name, Runnable callback) {
            this.name = name;
            this.callback = callback;
        }

        @Override
        public void armAt(long deadlineNanos) {
            if (deadlineNanos < 0) {
                throw new IllegalArgumentException("timer '" + name + "': negative deadline " + deadlineNanos);
            }
            synchronized (ManualClock.this) {
                deadline = deadlineNanos;
                sequence = armSequence++;
            }
        }

        @Override
        public void cancel() {
            synchronized (ManualClock.this) {
                deadline = -1;
            }
        }

        @Override
        public long deadline() {
            synchronized (ManualClock.this) {
                return deadline;
            }
        }
    }
}
