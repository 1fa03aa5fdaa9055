package dev.tern.kernel.emt;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The request queue of an {@link EmtGroup} (VirtualBox's VMR3ReqCall): work to run on the thread of a
 * given vCPU, or on whichever EMT gets to it first ({@link #ANY}).
 *
 * <p>Where requests run, in FIFO order per queue (the target's own queue before the ANY queue):
 * <ul>
 *   <li>in the EMT loop, between two body steps; submitting a request kicks the target (every EMT
 *       for ANY) so that a running slice ends and an idle {@link Emt#awaitWork} returns;</li>
 *   <li>inside the waits of an EMT: while it is held in a rendezvous, and while it waits in
 *       {@link #call} for another EMT. This is what lets a rendezvous callback, or a request, call
 *       into another vCPU without deadlocking. A request run in such a wait must not start a
 *       rendezvous (refused with {@link Status#DEADLOCK}); rendezvous forwarded from non-EMT threads
 *       are therefore queued as loop-only requests and never run there.</li>
 * </ul>
 * When the group closes, queued requests fail with {@link EmtGroupClosedException}.
 */
public final class EmtRequests {

    /** Target meaning "whichever EMT comes first" (VirtualBox's VMCPUID_ANY). */
    public static final int ANY = -1;

    private final EmtGroup group;
    private final List<ArrayDeque<EmtRequest<?>>> queues;
    private final ArrayDeque<EmtRequest<?>> anyQueue = new ArrayDeque<>();

    EmtRequests(EmtGroup group, int size) {
        this.group = group;
        this.queues = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            queues.add(new ArrayDeque<>());
        }
    }

    /**
     * Queues {@code task} for vCPU {@code vcpuId} (or {@link #ANY}) and returns at once. The future
     * completes with the task's result or, exceptionally, with what it threw.
     */
    public <T> CompletableFuture<T> submit(int vcpuId, Callable<T> task) {
        return enqueue(vcpuId, task, false);
    }

    /**
     * Runs {@code task} on vCPU {@code vcpuId} (or {@link #ANY}) and waits for its result. Called on
     * the target EMT itself (or with ANY from any EMT) it runs inline. Called on another EMT of this
     * group, that EMT keeps taking part in rendezvous and serving its own requests while it waits.
     *
     * @throws EmtRequestException wrapping what the task threw, naming the target
     * @throws EmtGroupClosedException if the group closed before the task ran
     */
    public <T> T call(int vcpuId, Callable<T> task) {
        checkTarget(vcpuId);
        Objects.requireNonNull(task, "task");
        Emt self = Emt.current();
        boolean onOurEmt = self != null && self.group() == group;
        if (onOurEmt && (vcpuId == ANY || vcpuId == self.id())) {
            return runInline(self, task);
        }
        CompletableFuture<T> future = enqueue(vcpuId, task, false);
        if (onOurEmt) {
            waitOnEmt(self, future);
        }
        return result(future, "request for " + target(vcpuId));
    }

    /** Queues a request that may only run from the target's loop (see class documentation). */
    <T> CompletableFuture<T> submitLoopOnly(int vcpuId, Callable<T> task) {
        return enqueue(vcpuId, task, true);
    }

    /** Takes the next request {@code emt} may run from its loop; lock not held. */
    EmtRequest<?> pollAtLoop(Emt emt) {
        group.lock.lock();
        try {
            EmtRequest<?> own = queues.get(emt.id()).poll();
            return own != null ? own : anyQueue.poll();
        } finally {
            group.lock.unlock();
        }
    }

    /** Takes the next request {@code emt} may run inside a wait; lock held. */
    EmtRequest<?> pollInWait(Emt emt) {
        Iterator<EmtRequest<?>> own = queues.get(emt.id()).iterator();
        while (own.hasNext()) {
            EmtRequest<?> request = own.next();
            if (!request.loopOnly()) {
                own.remove();
                return request;
            }
        }
        return anyQueue.poll();
    }

    /** Whether a request is queued for {@code emt}; lock held. */
    boolean hasPending(Emt emt) {
        return !queues.get(emt.id()).isEmpty() || !anyQueue.isEmpty();
    }

    /** Removes every queued request; lock held. The caller fails them outside the lock. */
    List<EmtRequest<?>> drain() {
        List<EmtRequest<?>> drained = new ArrayList<>(anyQueue);
        anyQueue.clear();
        for (ArrayDeque<EmtRequest<?>> queue : queues) {
            drained.addAll(queue);
            queue.clear();
        }
        return drained;
    }

    /**
     * How long a thread outside the group spins for a forwarded request before it parks. A running
     * EMT answers within one translated block (microseconds); a parked waiter would then need the
     * scheduler to run it again, which on a busy host costs milliseconds — inside a migration's
     * pause, where this wait stops the guest. Longer answers (a halted EMT's wake-up, a long
     * callback) park as before.
     */
    static final long SPIN_NANOS = 500_000;

    /** Waits outside any EMT for {@code future}, rethrowing unchecked failures as they are. */
    static <T> T awaitFromOutside(CompletableFuture<T> future, String what) {
        spinBriefly(future);
        try {
            return future.get();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + what, interrupted);
        } catch (ExecutionException failed) {
            Throwable cause = failed.getCause();
            if (cause instanceof RuntimeException unchecked) {
                throw unchecked;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new EmtRequestException(what + " failed: " + cause, cause);
        }
    }

    private static void spinBriefly(CompletableFuture<?> future) {
        long end = System.nanoTime() + SPIN_NANOS;
        while (!future.isDone() && System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }

    private <T> CompletableFuture<T> enqueue(int vcpuId, Callable<T> task, boolean loopOnly) {
        checkTarget(vcpuId);
        Objects.requireNonNull(task, "task");
        CompletableFuture<T> future = new CompletableFuture<>();
        group.lock.lock();
        try {
            if (group.isClosing()) {
                future.completeExceptionally(new EmtGroupClosedException(
                        "group " + group.name() + " is closed; request for " + target(vcpuId) + " refused"));
                return future;
            }
            EmtRequest<T> request = new EmtRequest<>(vcpuId, task, future, loopOnly);
            if (vcpuId == ANY) {
                anyQueue.add(request);
                group.signalAll();
            } else {
                queues.get(vcpuId).add(request);
                group.emt(vcpuId).signalLocked();
            }
        } finally {
            group.lock.unlock();
        }
        kickTarget(vcpuId);
        return future;
    }

    private void kickTarget(int vcpuId) {
        if (vcpuId != ANY) {
            group.kickVcpu(vcpuId);
            return;
        }
        for (int id = 0; id < group.size(); id++) {
            group.kickVcpu(id);
        }
    }

    private static void waitOnEmt(Emt self, CompletableFuture<?> future) {
        future.whenComplete((value, error) -> self.signal());
        self.group().lock.lock();
        try {
            self.holdStatus(self.waitUntil(future::isDone));
        } finally {
            self.group().lock.unlock();
        }
    }

    private static <T> T runInline(Emt self, Callable<T> task) {
        try {
            return task.call();
        } catch (EmtGroupClosedException closed) {
            throw closed;
        } catch (Exception error) {
            throw new EmtRequestException("request run inline on " + self + " failed: " + error, error);
        }
    }

    private static <T> T result(CompletableFuture<T> future, String what) {
        try {
            return future.get();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + what, interrupted);
        } catch (ExecutionException failed) {
            if (failed.getCause() instanceof EmtGroupClosedException closed) {
                throw closed;
            }
            throw new EmtRequestException(what + " failed: " + failed.getCause(), failed.getCause());
        }
    }

    private void checkTarget(int vcpuId) {
        if (vcpuId != ANY && (vcpuId < 0 || vcpuId >= group.size())) {
            throw new IllegalArgumentException("request target vCPU " + vcpuId + " out of range: group "
                    + group.name() + " has vCPUs 0.." + (group.size() - 1) + " (or ANY = -1)");
        }
    }

    private static String target(int vcpuId) {
        return vcpuId == ANY ? "any vCPU" : "vCPU " + vcpuId;
    }
}
