package dev.tern.kernel.emt;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * The emulation threads of one machine: one {@link Emt} per vCPU, their {@link Rendezvous} and their
 * {@link EmtRequests} queue.
 *
 * <p>All coordination state of the group is guarded by one lock; each EMT waits on its own
 * condition of it, so a state change wakes exactly the EMTs it concerns.
 *
 * <p>The kick action receives a vCPU id and must make that vCPU leave its run slice soon (the Machine
 * maps it to {@code Vcpu.requestExit()}). It is called without the group lock held, from any thread,
 * and must not block.
 */
public final class EmtGroup implements AutoCloseable {

    /** Upper bound on vCPUs per group, a sanity limit for configuration errors. */
    public static final int MAX_VCPUS = 1024;

    private static final Logger LOG = LoggerFactory.getLogger(EmtGroup.class);

    final ReentrantLock lock = new ReentrantLock();
    private final String name;
    private final IntConsumer kick;
    private final EmtFailureHandler failureHandler;
    private final List<Emt> emts;
    private final Rendezvous rendezvous;
    private final EmtRequests requests;
    private volatile boolean closing;
    private boolean started;

    /** Creates the group; body failures are logged. Threads start with {@link #start()}. */
    public EmtGroup(String name, int vcpuCount, EmtBody body, IntConsumer kick) {
        this(name, vcpuCount, body, kick, EmtGroup::logFailure);
    }

    /** Creates the group; body failures go to {@code failureHandler}. */
    public EmtGroup(String name, int vcpuCount, EmtBody body, IntConsumer kick, EmtFailureHandler failureHandler) {
        this.name = Objects.requireNonNull(name, "name");
        if (vcpuCount < 1 || vcpuCount > MAX_VCPUS) {
            throw new IllegalArgumentException("EMT group " + name + ": vcpuCount " + vcpuCount
                    + " out of range 1.." + MAX_VCPUS);
        }
        Objects.requireNonNull(body, "body");
        this.kick = Objects.requireNonNull(kick, "kick");
        this.failureHandler = Objects.requireNonNull(failureHandler, "failureHandler");
        Emt[] created = new Emt[vcpuCount];
        for (int id = 0; id < vcpuCount; id++) {
            created[id] = new Emt(this, id, body);
        }
        this.emts = List.of(created);
        this.rendezvous = new Rendezvous(this);
        this.requests = new EmtRequests(this, vcpuCount);
    }

    /** Starts every EMT thread. */
    public void start() {
        lock.lock();
        try {
            if (closing) {
                throw new IllegalStateException("EMT group " + name + " is closed; cannot start");
            }
            if (started) {
                throw new IllegalStateException("EMT group " + name + " already started");
            }
            started = true;
        } finally {
            lock.unlock();
        }
        emts.forEach(Emt::start);
    }

    /** The group name (used in thread names and messages). */
    public String name() {
        return name;
    }

    /** Number of vCPUs. */
    public int size() {
        return emts.size();
    }

    /** The EMT of vCPU {@code id}. */
    public Emt emt(int id) {
        if (id < 0 || id >= emts.size()) {
            throw new IllegalArgumentException("EMT group " + name + ": vCPU " + id + " out of range 0.."
                    + (emts.size() - 1));
        }
        return emts.get(id);
    }

    /** The rendezvous facility of this group. */
    public Rendezvous rendezvous() {
        return rendezvous;
    }

    /** The request queue of this group. */
    public EmtRequests requests() {
        return requests;
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosing() {
        return closing;
    }

    /**
     * Stops every EMT and waits for their threads to end. Queued requests fail with
     * {@link EmtGroupClosedException}; EMTs held in a rendezvous leave it the same way. Bodies are
     * kicked and must return for this to finish. Idempotent; when called on one of the group's own
     * EMTs, that thread is not waited for.
     */
    @Override
    public void close() {
        List<EmtRequest<?>> dropped;
        lock.lock();
        try {
            closing = true;
            dropped = requests.drain();
            signalAll();
        } finally {
            lock.unlock();
        }
        for (EmtRequest<?> request : dropped) {
            request.future().completeExceptionally(new EmtGroupClosedException(
                    "EMT group " + name + " closed before the request for vCPU " + request.target() + " ran"));
        }
        for (int id = 0; id < emts.size(); id++) {
            kickVcpu(id);
        }
        joinAll();
    }

    private void joinAll() {
        boolean interrupted = false;
        for (Emt emt : emts) {
            Thread thread = emt.thread();
            while (thread != Thread.currentThread() && thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Wakes every EMT; lock held. */
    void signalAll() {
        for (Emt emt : emts) {
            emt.signalLocked();
        }
    }

    void ensureOpen(String what) {
        if (closing) {
            throw new EmtGroupClosedException("EMT group " + name + " closed: " + what + " abandoned");
        }
    }

    /** Releases the lock before running code that is not ours; it must be held exactly once. */
    void unlockForUserCode() {
        if (lock.getHoldCount() != 1) {
            throw new IllegalStateException("EMT group " + name + ": lock held " + lock.getHoldCount()
                    + " times before running user code");
        }
        lock.unlock();
    }

    void kickVcpu(int id) {
        try {
            kick.accept(id);
        } catch (RuntimeException e) {
            LOG.error("EMT group {}: kick action failed for vCPU {}", name, id, e);
        }
    }

    void reportFailure(Emt emt, Throwable error) {
        try {
            failureHandler.failed(emt, error);
        } catch (RuntimeException handlerError) {
            handlerError.addSuppressed(error);
            LOG.error("{}: failure handler threw while reporting a body failure", emt, handlerError);
        }
    }

    private static void logFailure(Emt emt, Throwable error) {
        LOG.error("{}: body failed; it will not be stepped again", emt, error);
    }
}
