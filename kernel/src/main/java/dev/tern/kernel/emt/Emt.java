package dev.tern.kernel.emt;

import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.function.BooleanSupplier;

/**
 * An emulation thread: the one platform thread that runs one vCPU.
 *
 * <p>Its loop takes part in any pending {@link Rendezvous}, runs the pending {@link EmtRequests}
 * addressed to it (or to {@link EmtRequests#ANY}), then calls {@link EmtBody#step} once, until the
 * group closes. Requests and rendezvous callbacks therefore normally run at a step boundary, where the
 * body holds no half-done state; the exceptions are the waits documented on {@link EmtRequests#call}
 * and {@link Rendezvous}.
 *
 * <p>If the body throws, the throwable is given to the group's {@link EmtFailureHandler} and the body
 * is never stepped again, but the thread keeps taking part in rendezvous and serving requests until
 * the group closes: a dead EMT would otherwise make every later rendezvous of the group hang.
 */
public final class Emt {

    private static final ThreadLocal<Emt> CURRENT = new ThreadLocal<>();

    private final EmtGroup group;
    private final int id;
    private final Thread thread;
    private final Condition wake;

    // All fields below are guarded by the group lock, except failure (read by other threads).
    private boolean kickPending;
    private int heldStatus = Status.SUCCESS;
    private volatile Throwable failure;
    /** The session whose callback this thread is running right now, or null. */
    RendezvousSession runningIn;
    /** How many sessions this EMT has joined and not yet left (nested ones count separately). */
    private int sessionDepth;

    Emt(EmtGroup group, int id, EmtBody body) {
        this.group = group;
        this.id = id;
        this.wake = group.lock.newCondition();
        this.thread = Thread.ofPlatform()
                .name(group.name() + "-emt-" + id)
                .daemon(true)
                .unstarted(() -> loop(body));
    }

    /** The EMT running on the calling thread, or null if the caller is not an EMT. */
    public static Emt current() {
        return CURRENT.get();
    }

    /** The vCPU id, 0..size-1. */
    public int id() {
        return id;
    }

    /** The platform thread of this EMT. */
    public Thread thread() {
        return thread;
    }

    /** The group this EMT belongs to. */
    public EmtGroup group() {
        return group;
    }

    /** The throwable that stopped this EMT's body, if any. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * Makes this EMT leave its current run slice (through the group's kick action) and return early
     * from {@link #awaitWork}. Any thread may call it.
     */
    public void kick() {
        group.lock.lock();
        try {
            kickPending = true;
            wake.signal();
        } finally {
            group.lock.unlock();
        }
        group.kickVcpu(id);
    }

    /**
     * Idles the body until there is work for this EMT or {@code timeoutNanos} elapse. Work means a
     * {@link #kick()}, a rendezvous to take part in, a request to serve, or the group closing. Only
     * this EMT's own thread may call it; the body should return from its step when it returns true.
     * A kick is consumed only here, so one that arrived while the body was busy makes the next call
     * return at once: an early return the body re-checks, instead of a lost wake-up.
     *
     * @return true if work is pending, false on timeout
     */
    public boolean awaitWork(long timeoutNanos) throws InterruptedException {
        requireOwnThread("awaitWork");
        group.lock.lock();
        try {
            long remaining = timeoutNanos;
            while (!hasWork()) {
                if (remaining <= 0) {
                    return false;
                }
                remaining = wake.awaitNanos(remaining);
            }
            kickPending = false;
            return true;
        } finally {
            group.lock.unlock();
        }
    }

    /**
     * Returns, and clears, the informational status merged from the rendezvous this EMT took part in
     * without initiating them (VirtualBox hands it to the EM loop, e.g. {@link Status#EM_SUSPEND}).
     * Errors are never included: they belong to the initiator.
     */
    public int takeRendezvousStatus() {
        group.lock.lock();
        try {
            int status = heldStatus;
            heldStatus = Status.SUCCESS;
            return status;
        } finally {
            group.lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "EMT " + group.name() + "#" + id;
    }

    void start() {
        thread.start();
    }

    /** Wakes this EMT if it waits; the group lock must be held. */
    void signalLocked() {
        wake.signal();
    }

    /** Wakes this EMT if it waits; takes the group lock. */
    void signal() {
        group.lock.lock();
        try {
            wake.signal();
        } finally {
            group.lock.unlock();
        }
    }

    void holdStatus(int status) {
        heldStatus = Status.mergeInformational(heldStatus, status);
    }

    int sessionDepth() {
        return sessionDepth;
    }

    void enterSession() {
        sessionDepth++;
    }

    void leaveSession() {
        sessionDepth--;
    }

    /**
     * Blocks this EMT, with the group lock held on entry and exit, until {@code ready} holds. While
     * waiting it takes part in any rendezvous it has not joined yet and serves requests that may run
     * inside a wait, because the EMT it waits for may need exactly that to make progress.
     *
     * @return the informational statuses merged from the rendezvous joined while waiting
     */
    int waitUntil(BooleanSupplier ready) {
        int info = Status.SUCCESS;
        while (!ready.getAsBoolean()) {
            group.ensureOpen(this + " waiting");
            RendezvousSession joinable = group.rendezvous().joinable(this);
            if (joinable != null) {
                info = Status.mergeInformational(info, group.rendezvous().participate(this, joinable));
                continue;
            }
            EmtRequest<?> request = group.requests().pollInWait(this);
            if (request != null) {
                runRequestInWait(request);
                continue;
            }
            wake.awaitUninterruptibly();
        }
        return info;
    }

    private void runRequestInWait(EmtRequest<?> request) {
        // A request run here is not part of the callback this thread may be in: it must not be able
        // to nest a rendezvous under it (see Rendezvous: refused with DEADLOCK).
        RendezvousSession saved = runningIn;
        runningIn = null;
        group.unlockForUserCode();
        try {
            request.run();
        } finally {
            group.lock.lock();
            runningIn = saved;
        }
    }

    private boolean hasWork() {
        return kickPending
                || group.isClosing()
                || group.rendezvous().joinable(this) != null
                || group.requests().hasPending(this);
    }

    private void requireOwnThread(String what) {
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException(what + " of " + this + " called from foreign thread "
                    + Thread.currentThread().getName());
        }
    }

    private void loop(EmtBody body) {
        CURRENT.set(this);
        try {
            while (!group.isClosing()) {
                serveLoopWork();
                if (group.isClosing()) {
                    break;
                }
                if (failure == null) {
                    step(body);
                } else {
                    awaitWork(Long.MAX_VALUE);
                }
            }
        } catch (EmtGroupClosedException closed) {
            // The group closed while this EMT waited for others: leaving is the intended outcome.
        } catch (Throwable internal) {
            failure = internal;
            group.reportFailure(this, internal);
        } finally {
            CURRENT.remove();
        }
    }

    private void serveLoopWork() {
        group.rendezvous().serveIfPending(this);
        EmtRequest<?> request;
        while (!group.isClosing() && (request = group.requests().pollAtLoop(this)) != null) {
            request.run();
            group.rendezvous().serveIfPending(this);
        }
    }

    private void step(EmtBody body) {
        try {
            body.step(this);
        } catch (Throwable error) {
            if (group.isClosing() && error instanceof EmtGroupClosedException closed) {
                throw closed;
            }
            failure = error;
            group.reportFailure(this, error);
        }
    }
}
