package dev.tern.kernel.clock;

import dev.tern.kernel.trace.TimerFireEvent;
import dev.tern.spi.clock.Timer;
import dev.tern.spi.clock.VirtualClock;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * The machine's virtual clock. Guest time is {@code instructions × nanosPerInstruction + warp}:
 * it advances only as the boot vCPU retires instructions, and jumps forward ({@link #warpTo}) while
 * every vCPU is halted, so a replay of the same instruction stream sees identical times.
 *
 * <p>Timers fire from {@link #fireExpired()}, which the Machine calls on its event path between
 * instruction slices. Order is deterministic: earliest deadline first, equal deadlines in the order
 * they were armed (re-arming a timer at the deadline it has keeps its place). Arming, cancelling and reading timers is thread-safe (devices arm them from vCPU
 * threads).
 */
public final class MachineClock implements VirtualClock {

    /** Bound on firings in one {@link #fireExpired()} call: beyond it a timer is re-arming itself in the past forever. */
    public static final int MAX_FIRINGS_PER_CALL = 1_000_000;

    private final LongSupplier instructions;
    private final long nanosPerInstruction;
    private volatile long warpNanos;

    private final Object lock = new Object();
    private final Map<String, ClockTimer> timers = new LinkedHashMap<>();
    private final TreeSet<ClockTimer> armed = new TreeSet<>(
            Comparator.comparingLong((ClockTimer t) -> t.deadline).thenComparingLong(t -> t.armOrder));
    private long armCounter;
    private volatile Runnable earlierDeadlineListener = () -> { };

    /**
     * @param instructions the live retired-instruction count guest time derives from
     * @param nanosPerInstruction virtual nanoseconds per instruction, at least 1
     */
    public MachineClock(LongSupplier instructions, long nanosPerInstruction) {
        this.instructions = Objects.requireNonNull(instructions, "instructions");
        if (nanosPerInstruction < 1) {
            throw new IllegalArgumentException("nanosPerInstruction must be >= 1, was " + nanosPerInstruction);
        }
        this.nanosPerInstruction = nanosPerInstruction;
    }

    @Override
    public long nanos() {
        return instructions.getAsLong() * nanosPerInstruction + warpNanos;
    }

    /** Virtual nanoseconds per retired instruction. */
    public long nanosPerInstruction() {
        return nanosPerInstruction;
    }

    /** How far {@link #warpTo} has moved time beyond what instructions account for. */
    public long warpNanos() {
        return warpNanos;
    }

    /**
     * Jumps time forward to {@code nanos} (the Machine does this, with every vCPU halted, to the next
     * deadline). Never goes backwards: an earlier target is ignored.
     */
    public void warpTo(long nanos) {
        synchronized (lock) {
            long now = nanos();
            if (nanos > now) {
                warpNanos += nanos - now;
            }
        }
    }

    @Override
    public Timer newTimer(String name, Runnable callback) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(callback, "callback");
        synchronized (lock) {
            if (timers.containsKey(name)) {
                throw new IllegalArgumentException("a timer named '" + name + "' already exists on this clock");
            }
            ClockTimer t = new ClockTimer(name, callback);
            timers.put(name, t);
            return t;
        }
    }

    /** The earliest armed deadline, or {@link Long#MAX_VALUE} if no timer is armed. */
    public long nextDeadline() {
        synchronized (lock) {
            return armed.isEmpty() ? Long.MAX_VALUE : armed.first().deadline;
        }
    }

    /**
     * Registers what to call when arming a timer makes {@link #nextDeadline()} earlier — the run
     * loop uses it to cut a running instruction slice short. Called on the arming thread, outside
     * the clock's lock; must be quick.
     */
    public void onEarlierDeadline(Runnable listener) {
        earlierDeadlineListener = Objects.requireNonNull(listener, "listener");
    }

    /**
     * How many instructions the run loop may execute before {@code deadlineNanos} is reached: the
     * ceiling of the remaining time over the instruction period, and at least 1 so a loop always
     * progresses.
     */
    public long instructionsUntil(long deadlineNanos) {
        long remaining = deadlineNanos - nanos();
        if (remaining <= 0) {
            return 1;
        }
        long n = remaining / nanosPerInstruction;
        return remaining % nanosPerInstruction == 0 ? n : n + 1;
    }

    /**
     * Fires every timer whose deadline is at or before the current time, earliest first (ties in
     * arming order). A callback may re-arm any timer; one re-armed at or before the time this call
     * started with fires within this call.
     *
     * @return how many callbacks ran
     * @throws IllegalStateException after {@link #MAX_FIRINGS_PER_CALL} firings, naming the timer
     */
    public int fireExpired() {
        long now = nanos();
        int fired = 0;
        while (true) {
            ClockTimer t;
            long deadline;
            synchronized (lock) {
                if (armed.isEmpty() || armed.first().deadline > now) {
                    return fired;
                }
                t = armed.pollFirst();
                deadline = t.deadline;
                t.deadline = -1;
            }
            if (++fired > MAX_FIRINGS_PER_CALL) {
                throw new IllegalStateException("timer '" + t.name + "' fired more than " + MAX_FIRINGS_PER_CALL
                        + " times at virtual time " + now + "ns: a callback keeps re-arming in the past");
            }
            run(t, deadline, now);
        }
    }

    private static void run(ClockTimer t, long deadline, long now) {
        TimerFireEvent event = new TimerFireEvent();
        event.begin();
        t.callback.run();
        event.end();
        if (event.shouldCommit()) {
            event.timer = t.name;
            event.deadline = deadline;
            event.virtualNanos = now;
            event.commit();
        }
    }

    /** The {@code "clock"} saved-state section of this clock. */
    public ClockSection stateSection() {
        return new ClockSection(this);
    }

    ClockState capture() {
        synchronized (lock) {
            List<ClockState.ArmedTimer> list = new ArrayList<>();
            for (ClockTimer t : armed) {
                list.add(new ClockState.ArmedTimer(t.name, t.deadline));
            }
            return new ClockState(warpNanos, list);
        }
    }

    boolean hasTimer(String name) {
        synchronized (lock) {
            return timers.containsKey(name);
        }
    }

    /** Replaces warp and every timer's arming with {@code state}; timers it omits end disarmed. */
    void restore(ClockState state) {
        synchronized (lock) {
            for (ClockTimer t : armed) {
                t.deadline = -1;
            }
            armed.clear();
            warpNanos = state.warpNanos();
            for (ClockState.ArmedTimer a : state.timers()) {
                ClockTimer t = timers.get(a.name());
                if (t == null) {
                    throw new IllegalArgumentException("unknown timer '" + a.name() + "' in clock state");
                }
                armLocked(t, a.deadline());
            }
        }
    }

    private void armLocked(ClockTimer t, long deadline) {
        if (t.deadline >= 0) {
            armed.remove(t);
        }
        t.deadline = deadline;
        t.armOrder = armCounter++;
        armed.add(t);
    }

    /** A timer of this clock; its fields are guarded by the clock's lock. */
    private final class ClockTimer implements Timer {
        final String name;
        final Runnable callback;
        long deadline = -1;
        long armOrder;

        ClockTimer(String name, Runnable callback) {
            this.name = name;
            this.callback = callback;
        }

        @Override
        public void armAt(long deadlineNanos) {
            if (deadlineNanos < 0) {
                throw new IllegalArgumentException("timer '" + name + "': negative deadline " + deadlineNanos);
            }
            boolean earlier;
            synchronized (lock) {
                if (deadline == deadlineNanos) {
                    // Already armed there: keep its place among equal deadlines. A device that re-arms
                    // its timer on load (after the clock section restored the firing order) must not
                    // move it behind a tie, or the loaded machine would fire ties in another order.
                    return;
                }
                long before = armed.isEmpty() ? Long.MAX_VALUE : armed.first().deadline;
                armLocked(this, deadlineNanos);
                earlier = deadlineNanos < before;
            }
            if (earlier) {
                earlierDeadlineListener.run();
            }
        }

        @Override
        public void cancel() {
            synchronized (lock) {
                if (deadline >= 0) {
                    armed.remove(this);
                    deadline = -1;
                }
            }
        }

        @Override
        public long deadline() {
            synchronized (lock) {
                return deadline;
            }
        }

        @Override
        public String toString() {
            return "Timer[" + name + ", deadline " + deadline() + "]";
        }
    }
}
