package dev.tern.x86;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The NMI, INIT and startup-IPI inputs of one vCPU: a local APIC posts them from any thread, the
 * vCPU takes them at an instruction boundary. Each input is one pending bit, as on the processor's
 * pins: a second NMI before the first was taken is one NMI.
 */
final class ApicEvents {

    static final int NMI = 1, INIT = 2, SIPI = 4;

    private final AtomicInteger pending = new AtomicInteger();
    private volatile int sipiVector;

    void post(int event, int vector) {
        if (event == SIPI) {
            sipiVector = vector & 0xff;
        }
        pending.getAndUpdate(p -> p | event);
    }

    /** Whether an event can be taken now; a lone NMI waits while NMIs are blocked. */
    boolean due(boolean nmiBlocked) {
        int p = pending.get();
        return p != 0 && (!nmiBlocked || (p & ~NMI) != 0);
    }

    /** The pending events, now no longer pending. */
    int take() {
        return pending.getAndSet(0);
    }

    /** The vector of the last startup IPI. */
    int sipiVector() {
        return sipiVector;
    }

    void clear() {
        pending.set(0);
    }

    /** The pending events, still pending (saved state). */
    int peek() {
        return pending.get();
    }

    /** Restores saved pending events and the last startup vector. */
    void restore(int events, int vector) {
        sipiVector = vector & 0xff;
        pending.set(events & (NMI | INIT | SIPI));
    }
}
