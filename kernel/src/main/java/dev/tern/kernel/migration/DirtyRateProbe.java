package dev.tern.kernel.migration;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.memory.DirtyLog;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Measures the guest's dirty rate ({@link DirtyRate}) with the machine's dirty log: claim it, sync
 * (every vCPU drops its cached write permissions, so every later write is logged), let the guest
 * run for the period, sync again and count. The log is claimed for the measurement, so it refuses
 * to run beside a migration and a migration refuses to start beside it.
 */
public final class DirtyRateProbe {

    /** Shortest and longest period (QEMU takes 1..60 s; shorter periods are useful with fast guests). */
    public static final long MIN_MS = 10;
    public static final long MAX_MS = 60_000;

    private final Machine machine;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final String owner;

    public DirtyRateProbe(Machine machine) {
        this.machine = machine;
        this.owner = "calc_dirty_rate (#" + Integer.toHexString(System.identityHashCode(this)) + ")";
    }

    /**
     * Measures over {@code periodMs}; returns early (measuring a shorter period) when
     * {@link #stop} is called.
     *
     * @throws IllegalArgumentException for a period outside {@link #MIN_MS}..{@link #MAX_MS}
     * @throws IllegalStateException when the dirty log is in use or the guest is not running
     */
    public DirtyRate measure(long periodMs) throws InterruptedException {
        if (periodMs < MIN_MS || periodMs > MAX_MS) {
            throw new IllegalArgumentException("the period must be " + MIN_MS + ".." + MAX_MS + " ms, was " + periodMs);
        }
        DirtyLog log = machine.memory().dirtyLog();
        log.claim(owner);
        try {
            machine.syncDirtyLog();
            long t0 = System.nanoTime();
            // a measuring period, not synchronisation: stop() ends it early
            stopped.await(periodMs, TimeUnit.MILLISECONDS);
            long pages = machine.syncDirtyLog().count();
            long ms = Math.max(1, (System.nanoTime() - t0) / 1_000_000);
            return new DirtyRate(pages, ms);
        } finally {
            log.release(owner);
        }
    }

    /** Ends a measurement under way early. */
    public void stop() {
        stopped.countDown();
    }
}
