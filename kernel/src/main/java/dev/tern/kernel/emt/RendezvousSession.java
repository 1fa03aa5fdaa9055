package dev.tern.kernel.emt;

import java.util.ArrayList;
import java.util.List;

/**
 * The state of one rendezvous, outer or nested. Every field is guarded by the group lock; nested
 * sessions form a stack through {@link #parent}.
 */
final class RendezvousSession {

    final RendezvousType type;
    final boolean stopOnError;
    final RendezvousCallback callback;
    final Emt caller;
    final RendezvousSession parent;
    final int depth;
    private final int size;
    private final boolean[] joined;
    private final List<Emt> arrivals;

    private int done;
    private int returned;
    private boolean gathered;
    private Emt turn;
    private int status = Status.SUCCESS;
    private Throwable failure;
    private int failedOn = -1;

    RendezvousSession(RendezvousType type, boolean stopOnError, RendezvousCallback callback, Emt caller,
                      RendezvousSession parent, int size) {
        this.type = type;
        this.stopOnError = stopOnError;
        this.callback = callback;
        this.caller = caller;
        this.parent = parent;
        this.depth = parent == null ? 0 : parent.depth + 1;
        this.size = size;
        this.joined = new boolean[size];
        this.arrivals = new ArrayList<>(size);
    }

    boolean hasJoined(Emt emt) {
        return joined[emt.id()];
    }

    /** Records the arrival of {@code emt}; returns true when it was the last one. */
    boolean arrive(Emt emt) {
        if (joined[emt.id()]) {
            throw new IllegalStateException("EMT " + emt.id() + " joined the same rendezvous twice");
        }
        joined[emt.id()] = true;
        arrivals.add(emt);
        if (arrivals.size() < size) {
            return false;
        }
        gathered = true;
        turn = turnAt(0);
        return true;
    }

    /** Whether {@code emt} runs the callback at all. */
    boolean runsOn(Emt emt) {
        return type != RendezvousType.ONCE || emt == caller;
    }

    /** Whether {@code emt} may go past the gathering point now. */
    boolean mayProceed(Emt emt) {
        return gathered && (type == RendezvousType.ALL_AT_ONCE || !runsOn(emt) || turn == emt);
    }

    boolean shouldSkipCallback() {
        return stopOnError && Status.isError(status);
    }

    /** Folds a callback's result (and what it threw, if anything) into the session status. */
    void record(Emt emt, int result, Throwable thrown) {
        status = Status.merge(status, result);
        if (thrown == null) {
            return;
        }
        if (failure == null) {
            failure = thrown;
            failedOn = emt.id();
        } else {
            failure.addSuppressed(thrown);
        }
    }

    /** Counts a finished callback turn; returns the EMT whose turn it is now, or null. */
    Emt finishTurn() {
        done++;
        turn = allDone() || type == RendezvousType.ALL_AT_ONCE ? null : turnAt(done);
        return turn;
    }

    /** The EMT whose callback turn it is (sequential types), or null. */
    Emt turn() {
        return turn;
    }

    boolean allDone() {
        return done == expectedRuns();
    }

    /** Counts an EMT leaving; returns true when it was the last one. */
    boolean leave() {
        returned++;
        return returned == size;
    }

    boolean allReturned() {
        return returned == size;
    }

    int status() {
        return status;
    }

    Throwable failure() {
        return failure;
    }

    int failedOn() {
        return failedOn;
    }

    private int expectedRuns() {
        return type == RendezvousType.ONCE ? 1 : size;
    }

    private Emt turnAt(int index) {
        return switch (type) {
            case ONCE -> caller;
            case ONE_BY_ONE -> arrivals.get(index);
            case ASCENDING -> caller.group().emt(index);
            case DESCENDING -> caller.group().emt(size - 1 - index);
            case ALL_AT_ONCE -> null;
        };
    }
}
