package dev.tern.devices.apic;

import dev.tern.spi.clock.Timer;
import dev.tern.spi.clock.VirtualClock;

/**
 * The local APIC timer's counter: a 32-bit down-counter clocked by the bus clock through the divide
 * configuration register, one-shot or periodic. The count is never stored as it runs: it is derived
 * from the virtual clock and the time counting started, so reading it costs nothing and a timer is
 * armed only for the next expiry. The bus clock is {@value #BUS_HZ} Hz: one tick per virtual nanosecond.
 *
 * <p>Not thread-safe: the owning {@link LocalApic} calls it under the APIC bus's lock.
 */
final class ApicTimer {

    /** The timer's input clock before division. */
    static final long BUS_HZ = 1_000_000_000L;

    private final VirtualClock clock;
    private Timer timer;
    /** The initial count register (unsigned 32 bits). */
    private long initial;
    /** The divide configuration register, bits 0, 1 and 3. */
    private int divideConfig;
    /** Virtual time at which the count (re)started from {@link #initial}; ticks = ns / divisor after it. */
    private long start;
    private boolean counting;

    ApicTimer(VirtualClock clock) {
        this.clock = clock;
    }

    /** Creates the virtual timer; called once at realize with the expiry callback. */
    void connect(String name, Runnable onExpiry) {
        timer = clock.newTimer(name, onExpiry);
    }

    /** The divisor the divide configuration selects: 2, 4, ... 128, or 1. */
    static int divisor(int divideConfig) {
        int v = (divideConfig & 3) | ((divideConfig >> 1) & 4);
        return v == 7 ? 1 : 2 << v;
    }

    private long periodNanos() {
        return initial * divisor(divideConfig);
    }

    private long elapsedTicks(long now) {
        return (now - start) / divisor(divideConfig);
    }

    /** Writes the initial count: counting restarts from it now; 0 stops the timer. */
    void writeInitial(int count, boolean periodic) {
        initial = Integer.toUnsignedLong(count);
        start = clock.nanos();
        counting = initial != 0;
        arm(periodic);
    }

    /** Writes the divide configuration: the current count is kept and continues at the new rate. */
    void writeDivide(int value, boolean periodic) {
        long now = clock.nanos();
        long remaining = current(now, periodic);
        divideConfig = value & 0xb;
        if (counting) {
            start = now - (initial - remaining) * divisor(divideConfig);
        }
        arm(periodic);
    }

    /**
     * The LVT timer mode changed. A periodic count that turns one-shot finishes the period it is in
     * (its start moves to that period's beginning); a one-shot count that turns periodic reloads at zero.
     */
    void modeChanged(boolean periodic) {
        if (counting && !periodic) {
            long done = elapsedTicks(clock.nanos()) / initial;
            start += done * periodNanos();
        }
        arm(periodic);
    }

    int divideConfig() {
        return divideConfig;
    }

    int initialCount() {
        return (int) initial;
    }

    /** The current count register. */
    int currentCount(boolean periodic) {
        return (int) current(clock.nanos(), periodic);
    }

    private long current(long now, boolean periodic) {
        if (!counting) {
            return 0;
        }
        long elapsed = elapsedTicks(now);
        if (periodic) {
            return initial - elapsed % initial;
        }
        return Math.max(0, initial - elapsed);
    }

    /**
     * The virtual timer fired: returns whether the count reached zero now (an interrupt is due),
     * re-arming for the next period in periodic mode. Several periods elapsed at once (a clock warp)
     * give one interrupt, as a single IRR bit would.
     */
    boolean expire(boolean periodic) {
        if (!counting) {
            return false;
        }
        long now = clock.nanos();
        if (!periodic && elapsedTicks(now) < initial) {
            arm(false);
            return false;
        }
        if (!periodic) {
            counting = false;
        }
        arm(periodic);
        return true;
    }

    private void arm(boolean periodic) {
        if (timer == null) {
            return;
        }
        if (!counting) {
            timer.cancel();
            return;
        }
        long periods = periodic ? elapsedTicks(clock.nanos()) / initial + 1 : 1;
        timer.armAt(Math.max(0, start + periods * periodNanos()));
    }

    /** Stops counting and clears the registers (reset, INIT). */
    void reset() {
        initial = 0;
        divideConfig = 0;
        start = 0;
        counting = false;
        if (timer != null) {
            timer.cancel();
        }
    }

    /**
     * Saved fields: initial count, divide configuration, start time, counting. A periodic count keeps
     * the deadline the clock's section restored when that is the period end it was armed for, even
     * one already passed: a state saved between the deadline and its firing (a pause is served
     * between slices, before the timers of that point fire; with parallel vCPUs a timer may be due
     * for a whole slice) must fire that period's interrupt, as the saved machine would have, not
     * skip to the next period as arming from now would.
     */
    void load(int initialCount, int divide, long startNanos, boolean isCounting, boolean periodic) {
        initial = Integer.toUnsignedLong(initialCount);
        divideConfig = divide & 0xb;
        start = startNanos;
        counting = isCounting && initial != 0;
        if (counting && periodic && restoredPeriodEnd()) {
            return;
        }
        arm(periodic);
    }

    /** Whether the timer is armed at the end of a period of this count no later than the next one from now. */
    private boolean restoredPeriodEnd() {
        long deadline = timer == null ? -1 : timer.deadline();
        long period = periodNanos();
        if (deadline <= start || (deadline - start) % period != 0) {
            return false;
        }
        long next = start + (elapsedTicks(clock.nanos()) / initial + 1) * period;
        return deadline <= next;
    }

    long start() {
        return start;
    }

    boolean counting() {
        return counting;
    }

    void cancel() {
        if (timer != null) {
            timer.cancel();
        }
    }
}
