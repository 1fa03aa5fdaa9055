package dev.tern.kernel.migration;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.ram.PageSet;
import dev.tern.kernel.memory.DirtyPages;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Auto-converge: slows a guest that dirties memory faster than the link carries it by holding all
 * vCPUs stopped for {@code percentage} % of every {@link #PERIOD_NANOS}.
 *
 * <p>The machine offers one way to stop every vCPU from outside without changing its run state: the
 * dirty-log sync rendezvous. So each stop is a sync that waits inside the rendezvous; the pages it
 * harvests are kept and handed to the migration with its own next sync ({@link #drainInto}), so no
 * dirty page is lost to the throttle.
 */
final class VcpuThrottle {

    /** One throttle cycle, as QEMU's CPU throttle timeslice. */
    static final long PERIOD_NANOS = 10_000_000;
    /** The most the guest is slowed: it must keep some time to run. */
    static final int MAX_PERCENTAGE = 99;

    private final Machine machine;
    private final PageSet harvested;
    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile int percentage;
    private Thread thread;

    VcpuThrottle(Machine machine, long pageCount) {
        this.machine = machine;
        this.harvested = new PageSet(pageCount);
    }

    /** The current throttle, 0 when the guest runs at full speed. */
    int percentage() {
        return percentage;
    }

    /** Starts throttling at {@code initial} % or raises the throttle by {@code increment} %. */
    synchronized void raise(int initial, int increment) {
        percentage = percentage == 0 ? initial : Math.min(MAX_PERCENTAGE, percentage + increment);
        if (thread == null) {
            thread = Thread.ofPlatform().name("tern-migration-throttle").daemon().start(this::run);
        }
    }

    /** Adds the pages harvested by throttle stops since the last call to {@code into}. */
    void drainInto(PageSet into) {
        synchronized (harvested) {
            into.addAll(harvested);
            harvested.clear();
        }
    }

    /** Stops throttling and waits until no throttle stop is in progress. */
    void close() throws InterruptedException {
        Thread t;
        synchronized (this) {
            stop.countDown();
            t = thread;
        }
        if (t != null) {
            t.join();
        }
        percentage = 0;
    }

    private void run() {
        try {
            while (stop.getCount() > 0) {
                long stopped = PERIOD_NANOS * percentage / 100;
                DirtyPages pages = machine.syncDirtyLog(p -> holdStopped(stopped));
                synchronized (harvested) {
                    harvested.addAll(pages);
                }
                // rate control, not synchronisation: close() ends the wait at once
                stop.await(PERIOD_NANOS - stopped, TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void holdStopped(long nanos) {
        try {
            stop.await(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
