package dev.tern.kernel.vm;

import dev.tern.kernel.trace.VmStateChangeEvent;
import dev.tern.spi.Registration;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;

import static dev.tern.kernel.vm.VmState.CREATED;
import static dev.tern.kernel.vm.VmState.FAILED;
import static dev.tern.kernel.vm.VmState.INMIGRATE;
import static dev.tern.kernel.vm.VmState.LOADING;
import static dev.tern.kernel.vm.VmState.MIGRATING;
import static dev.tern.kernel.vm.VmState.PAUSED;
import static dev.tern.kernel.vm.VmState.POSTMIGRATE;
import static dev.tern.kernel.vm.VmState.RUNNING;
import static dev.tern.kernel.vm.VmState.SAVING;
import static dev.tern.kernel.vm.VmState.SHUTDOWN;

/**
 * The VM's current {@link VmState} and the only way to change it: every change is checked against
 * an explicit table, announced to listeners and recorded as a {@code dev.tern.VmStateChange}
 * flight-recorder event.
 *
 * <p>Listeners run outside the state lock, on the changing thread, and see changes in the order
 * they happened even when several threads change state: whichever thread is delivering drains a
 * queue of changes in order. A listener may itself request a change; it is delivered after the
 * current one has reached every listener. A listener's exception does not stop the others; the
 * first one is rethrown to the thread that delivered the change, after the change took effect.
 */
public final class VmLifecycle {

    private static final Map<VmState, Set<VmState>> ALLOWED = buildTable();

    private record Change(VmState from, VmState to) { }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Change> pending = new ArrayDeque<>();
    private final ReentrantLock delivery = new ReentrantLock();
    private final CopyOnWriteArrayList<BiConsumer<VmState, VmState>> listeners = new CopyOnWriteArrayList<>();
    private VmState state = CREATED;

    private static Map<VmState, Set<VmState>> buildTable() {
        EnumMap<VmState, Set<VmState>> t = new EnumMap<>(VmState.class);
        t.put(CREATED, EnumSet.of(INMIGRATE, LOADING, RUNNING, PAUSED, SHUTDOWN, FAILED));
        t.put(INMIGRATE, EnumSet.of(RUNNING, PAUSED, SHUTDOWN, FAILED));
        t.put(LOADING, EnumSet.of(RUNNING, PAUSED, SHUTDOWN, FAILED));
        t.put(RUNNING, EnumSet.of(PAUSED, SAVING, MIGRATING, SHUTDOWN, FAILED));
        t.put(PAUSED, EnumSet.of(RUNNING, LOADING, SAVING, MIGRATING, SHUTDOWN, FAILED));
        t.put(SAVING, EnumSet.of(RUNNING, PAUSED, SHUTDOWN, FAILED));
        // A failed or cancelled migration resumes the guest on the source.
        t.put(MIGRATING, EnumSet.of(POSTMIGRATE, RUNNING, PAUSED, SHUTDOWN, FAILED));
        t.put(POSTMIGRATE, EnumSet.of(RUNNING, PAUSED, SHUTDOWN, FAILED));
        t.put(SHUTDOWN, EnumSet.noneOf(VmState.class));
        t.put(FAILED, EnumSet.of(SHUTDOWN));
        for (VmState s : VmState.values()) {
            t.put(s, Collections.unmodifiableSet(t.get(s)));
        }
        return Collections.unmodifiableMap(t);
    }

    /** The transition table: for each state, the states it may change to. */
    public static Map<VmState, Set<VmState>> allowedTransitions() {
        return ALLOWED;
    }

    /** Whether {@code from → to} is in the table. */
    public static boolean isAllowed(VmState from, VmState to) {
        return ALLOWED.get(from).contains(to);
    }

    /** The current state. */
    public VmState state() {
        lock.lock();
        try {
            return state;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Changes to {@code to} from whatever the state is.
     *
     * @return the state left
     * @throws IllegalVmStateTransition if the table does not allow it
     */
    public VmState transition(VmState to) {
        Objects.requireNonNull(to, "to");
        VmState from;
        lock.lock();
        try {
            from = state;
            apply(from, to);
        } finally {
            lock.unlock();
        }
        deliver();
        return from;
    }

    /**
     * Changes from {@code from} to {@code to} only if the state is still {@code from}.
     *
     * @return false if the state was something else (nothing changed)
     * @throws IllegalVmStateTransition if the state is {@code from} but the table forbids {@code to}
     */
    public boolean compareAndTransition(VmState from, VmState to) {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        lock.lock();
        try {
            if (state != from) {
                return false;
            }
            apply(from, to);
        } finally {
            lock.unlock();
        }
        deliver();
        return true;
    }

    /** Calls {@code listener(from, to)} after every change until the registration is closed. */
    public Registration onChange(BiConsumer<VmState, VmState> listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /**
     * Waits until the state is one of {@code targets}.
     *
     * @return the state found
     * @throws InterruptedException if interrupted while waiting
     */
    public VmState awaitState(Set<VmState> targets) throws InterruptedException {
        checkTargets(targets);
        lock.lock();
        try {
            while (!targets.contains(state)) {
                changed.await();
            }
            return state;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits at most {@code timeout} until the state is one of {@code targets}.
     *
     * @return whether such a state was reached
     */
    public boolean awaitState(Set<VmState> targets, long timeout, TimeUnit unit) throws InterruptedException {
        checkTargets(targets);
        long nanos = unit.toNanos(timeout);
        lock.lock();
        try {
            while (!targets.contains(state)) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = changed.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private static void checkTargets(Set<VmState> targets) {
        if (Objects.requireNonNull(targets, "targets").isEmpty()) {
            throw new IllegalArgumentException("awaitState needs at least one target state");
        }
    }

    /** Changes state under the lock and queues the change for listeners. */
    private void apply(VmState from, VmState to) {
        if (!isAllowed(from, to)) {
            throw new IllegalVmStateTransition(from, to);
        }
        state = to;
        pending.addLast(new Change(from, to));
        changed.signalAll();
    }

    private void deliver() {
        if (delivery.isHeldByCurrentThread()) {
            return; // a listener changed state: the outer delivery loop picks the change up in order
        }
        RuntimeException failure = null;
        delivery.lock();
        try {
            Change c;
            while ((c = nextPending()) != null) {
                record(c);
                failure = tellListeners(c, failure);
            }
        } finally {
            delivery.unlock();
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** One failing listener must not keep the others from hearing of the change. */
    private RuntimeException tellListeners(Change c, RuntimeException failure) {
        for (BiConsumer<VmState, VmState> l : listeners) {
            try {
                l.accept(c.from(), c.to());
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        return failure;
    }

    private Change nextPending() {
        lock.lock();
        try {
            return pending.pollFirst();
        } finally {
            lock.unlock();
        }
    }

    private static void record(Change c) {
        VmStateChangeEvent event = new VmStateChangeEvent();
        if (event.shouldCommit()) {
            event.from = c.from().name();
            event.to = c.to().name();
            event.commit();
        }
    }
}
