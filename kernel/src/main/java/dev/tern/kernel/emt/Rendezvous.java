package dev.tern.kernel.emt;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;

/**
 * Gathers every EMT of a group and runs a callback on them (VirtualBox's VMMR3EmtRendezvous).
 *
 * <h2>Protocol</h2>
 * The initiating EMT publishes the rendezvous and kicks the others out of their run slices; each EMT
 * joins when it next reaches its loop, a wait, or {@link Emt#awaitWork}. Once all have arrived the
 * callback runs according to the {@link RendezvousType}; every EMT leaves only when all callbacks are
 * done, and the initiator returns only after every EMT has left, so consecutive rendezvous never
 * overlap. With {@code stopOnError}, once a callback has returned an error (or thrown) the later
 * callbacks are skipped; without it they all run.
 *
 * <h2>Result</h2>
 * The initiator receives the statuses merged by {@link Status#merge}, in time order, together with
 * the informational statuses of any rendezvous it took part in while waiting to start its own. The
 * other EMTs keep only informational statuses ({@link Emt#takeRendezvousStatus()}). If a callback
 * threw, the initiator gets a {@link RendezvousException} instead (cause: the first throwable).
 *
 * <h2>Concurrent initiators</h2>
 * Only one outer rendezvous exists at a time. An EMT that calls {@link #run} while another EMT's
 * rendezvous is active takes part in that one as an ordinary participant, then starts its own.
 *
 * <h2>Recursion</h2>
 * A callback of a {@link RendezvousType#allowsRecursion() sequential} type may call {@link #run}: the
 * nested rendezvous gathers every EMT (the others are held in the outer one and join from there) and
 * returns into the callback. As in VirtualBox, the outer rendezvous is depth 0 and at most
 * {@link #MAX_RECURSION} nested levels are allowed; the fourth nested call returns
 * {@link Status#DEADLOCK} without running anything. {@link Status#DEADLOCK} is also returned when the
 * callback is an {@link RendezvousType#ALL_AT_ONCE} one, and when {@code run} is called from a request
 * served while its EMT is held in a rendezvous.
 *
 * <h2>Callers that are not EMTs</h2>
 * A thread that is not an EMT of this group has its call forwarded to EMT 0 through the request
 * queue (as a loop-only request) and blocks until that rendezvous completes.
 */
public final class Rendezvous {

    /** Maximum number of nested rendezvous under an outer one (VirtualBox allows 3). */
    public static final int MAX_RECURSION = 3;

    private static final Logger LOG = LoggerFactory.getLogger(Rendezvous.class);

    private final EmtGroup group;
    /** The innermost active rendezvous; guarded by the group lock, volatile for the loop fast path. */
    private volatile RendezvousSession top;

    Rendezvous(EmtGroup group) {
        this.group = group;
    }

    /**
     * Runs {@code callback} as described in the class documentation and returns the merged status.
     *
     * @throws IllegalArgumentException for {@code stopOnError} with {@link RendezvousType#ALL_AT_ONCE},
     *                                  where "later callbacks" has no meaning
     * @throws RendezvousException      if a callback threw
     * @throws EmtGroupClosedException  if the group closed before the rendezvous completed
     */
    public int run(RendezvousType type, boolean stopOnError, RendezvousCallback callback) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(callback, "callback");
        if (stopOnError && type == RendezvousType.ALL_AT_ONCE) {
            throw new IllegalArgumentException("rendezvous of group " + group.name()
                    + ": STOP_ON_ERROR is not valid for ALL_AT_ONCE (callbacks run concurrently)");
        }
        Emt self = Emt.current();
        if (self == null || self.group() != group) {
            return forward(type, stopOnError, callback);
        }
        group.lock.lock();
        try {
            if (self.runningIn != null) {
                return nested(self, type, stopOnError, callback);
            }
            if (self.sessionDepth() > 0) {
                LOG.warn("{}: rendezvous {} refused: called from a request served inside a rendezvous",
                        self, type);
                return Status.DEADLOCK;
            }
            return outer(self, type, stopOnError, callback);
        } finally {
            group.lock.unlock();
        }
    }

    /** The rendezvous {@code emt} should join now, or null; lock held (or a racy hint without it). */
    RendezvousSession joinable(Emt emt) {
        RendezvousSession current = top;
        return current != null && !current.hasJoined(emt) ? current : null;
    }

    /** Takes part in every rendezvous pending for {@code emt}; called from its loop, lock not held. */
    void serveIfPending(Emt emt) {
        if (top == null) {
            return;
        }
        group.lock.lock();
        try {
            RendezvousSession session;
            while ((session = joinable(emt)) != null) {
                emt.holdStatus(participate(emt, session));
            }
        } finally {
            group.lock.unlock();
        }
    }

    private int forward(RendezvousType type, boolean stopOnError, RendezvousCallback callback) {
        return EmtRequests.awaitFromOutside(
                group.requests().submitLoopOnly(0, () -> run(type, stopOnError, callback)),
                type + " rendezvous forwarded to EMT 0 of group " + group.name());
    }

    private int outer(Emt self, RendezvousType type, boolean stopOnError, RendezvousCallback callback) {
        int info = self.waitUntil(() -> top == null);
        RendezvousSession session = new RendezvousSession(type, stopOnError, callback, self, null, group.size());
        EmtRendezvousEvent event = new EmtRendezvousEvent();
        event.begin();
        top = session;
        group.signalAll();
        group.unlockForUserCode();
        try {
            for (int id = 0; id < group.size(); id++) {
                if (id != self.id()) {
                    group.kickVcpu(id);
                }
            }
        } finally {
            group.lock.lock();
        }
        return complete(self, session, info, event);
    }

    private int nested(Emt self, RendezvousType type, boolean stopOnError, RendezvousCallback callback) {
        RendezvousSession parent = self.runningIn;
        if (!parent.type.allowsRecursion()) {
            LOG.warn("{}: nested {} rendezvous refused from an {} callback", self, type, parent.type);
            return Status.DEADLOCK;
        }
        if (parent.depth >= MAX_RECURSION) {
            LOG.warn("{}: nested {} rendezvous refused: depth {} exceeds {}", self, type, parent.depth + 1,
                    MAX_RECURSION);
            return Status.DEADLOCK;
        }
        if (top != parent) {
            throw new IllegalStateException(self + ": nested rendezvous from a callback of a session that"
                    + " is not the innermost one");
        }
        RendezvousSession session = new RendezvousSession(type, stopOnError, callback, self, parent, group.size());
        EmtRendezvousEvent event = new EmtRendezvousEvent();
        event.begin();
        top = session;
        group.signalAll(); // the others are all held in the parent; no kick needed
        return complete(self, session, Status.SUCCESS, event);
    }

    /** Runs the initiator's part of {@code session} and tears it down; lock held. */
    private int complete(Emt self, RendezvousSession session, int info, EmtRendezvousEvent event) {
        int merged = Status.mergeInformational(info, participate(self, session));
        merged = Status.mergeInformational(merged, self.waitUntil(session::allReturned));
        top = session.parent;
        group.signalAll();
        int status = Status.merge(merged, session.status());
        if (event.shouldCommit()) {
            event.group = group.name();
            event.type = session.type.name();
            event.vcpus = group.size();
            event.initiator = self.id();
            event.depth = session.depth;
            event.status = status;
            event.commit();
        }
        if (session.failure() != null) {
            throw new RendezvousException(session.type + " rendezvous of group " + group.name()
                    + " initiated by vCPU " + self.id() + ": callback threw on vCPU " + session.failedOn(),
                    status, session.failure());
        }
        return status;
    }

    /**
     * Takes part in {@code session} as {@code emt}: arrive, wait for the turn, run the callback, wait
     * for every callback to finish, leave. Lock held on entry and exit.
     *
     * @return informational statuses learnt; for non-initiators this includes the session's own
     */
    int participate(Emt emt, RendezvousSession session) {
        emt.enterSession();
        try {
            if (session.arrive(emt)) {
                wakeFirst(session);
            }
            int info = emt.waitUntil(() -> session.mayProceed(emt));
            if (session.runsOn(emt)) {
                takeTurn(emt, session);
            }
            info = Status.mergeInformational(info, emt.waitUntil(session::allDone));
            if (session.leave()) {
                session.caller.signalLocked();
            }
            return emt == session.caller ? info : Status.mergeInformational(info, session.status());
        } finally {
            emt.leaveSession();
        }
    }

    private void wakeFirst(RendezvousSession session) {
        // EMTs that do not run the callback first need to move only when all callbacks are done (or
        // a nested rendezvous is pushed), and both of those wake everyone anyway.
        if (session.type == RendezvousType.ALL_AT_ONCE) {
            group.signalAll();
        } else {
            session.turn().signalLocked();
        }
    }

    private void takeTurn(Emt emt, RendezvousSession session) {
        if (!session.shouldSkipCallback()) {
            runCallback(emt, session);
        }
        Emt next = session.finishTurn();
        if (session.allDone()) {
            group.signalAll();
        } else if (next != null) {
            next.signalLocked();
        }
    }

    private void runCallback(Emt emt, RendezvousSession session) {
        RendezvousSession saved = emt.runningIn;
        emt.runningIn = session;
        int result;
        Throwable thrown = null;
        group.unlockForUserCode();
        try {
            result = session.callback.run(emt);
        } catch (EmtGroupClosedException closed) {
            if (group.isClosing()) {
                throw closed;
            }
            result = Status.CALLBACK_EXCEPTION;
            thrown = closed;
        } catch (Throwable error) {
            result = Status.CALLBACK_EXCEPTION;
            thrown = error;
        } finally {
            group.lock.lock();
            emt.runningIn = saved;
        }
        session.record(emt, result, thrown);
    }
}
