package dev.tern.kernel.machine;

import dev.tern.kernel.replay.ReplayDivergence;
import dev.tern.kernel.replay.ReplayJournal;
import dev.tern.kernel.replay.StateFingerprint;
import dev.tern.spi.replay.ReplayFilter;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The end of a run's journal: once the run ended, a recording gets its end record and a replay is
 * compared with its recording's end — once — or the journal is abandoned (the run failed, diverged
 * or was left early). Remembers what that found for the run's outcome and summary.
 */
final class JournalEnd {

    private final ReplayJournal journal;
    /** Completes once the journal has its end (or was abandoned). */
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    /** The divergence found at the end of a replay, if any. */
    private volatile String divergence;
    /** Why a debugger or the user left a replay early, or null. */
    private volatile String left;
    /** A replay diverged during the run: its journal gets no end comparison. */
    private volatile boolean diverged;

    JournalEnd(ReplayJournal journal) {
        this.journal = journal;
    }

    void diverged() {
        diverged = true;
    }

    void left(String why) {
        left = why;
    }

    /** A replay whose end differs from its recording's ends as {@link MachineExit.Reason#DIVERGED}. */
    MachineExit outcome(MachineExit how) {
        String d = divergence;
        return d == null ? how : new MachineExit(MachineExit.Reason.DIVERGED, 4, d);
    }

    /** The divergence, the reason the replay was left, or the journal's own summary. */
    String summary() {
        String d = divergence;
        return d != null ? d : left != null ? left : journal.summary();
    }

    void await() throws InterruptedException, ExecutionException {
        done.get();
    }

    void await(long millis) throws InterruptedException, ExecutionException, TimeoutException {
        done.get(millis, TimeUnit.MILLISECONDS);
    }

    /** On EMT 0 once the run ended {@code how}: gives the journal its end, once. */
    void give(long instructions, MachineExit how, Supplier<StateFingerprint> fingerprint) {
        synchronized (done) {
            if (done.isDone()) {
                return;
            }
            try {
                if (diverged || left != null) {
                    journal.abandon();
                } else if (journal.mode() != ReplayFilter.Mode.OFF) {
                    journal.end(instructions, how.reason() + ": " + how.detail(), fingerprint.get());
                }
            } catch (ReplayDivergence d) {
                divergence = d.getMessage();
            } catch (IOException | RuntimeException e) {
                divergence = "the replay log could not be finished: " + e;
            } finally {
                done.complete(null);
            }
        }
    }

    /** Closes the journal without an end, if it has none yet (the machine failed or closes). */
    void abandon() {
        synchronized (done) {
            if (!done.isDone()) {
                journal.abandon();
                done.complete(null);
            }
        }
    }
}
