package dev.tern.kernel.machine;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Where a run stops by itself for the host, on EMT 0 between slices: an exact instruction count
 * ({@link Machine#pauseAt}) and a debugger's break ({@link Machine#requestDebugStop}), each
 * reported to whoever waits for it once the machine is paused there.
 */
final class StopPoints {

    private record HoldPoint(long instructions, CompletableFuture<Long> reached) {
    }

    /** Pauses the machine on EMT 0 after this slice, without a rendezvous. */
    private final Runnable pauseHere;
    /** Told of every stop for the debugger, on EMT 0 with the machine paused (null: no debugger). */
    private volatile Consumer<DebugStop> debugListener;
    /** A debugger asked for a stop and vCPU 0 has not stopped since. */
    private volatile boolean debugBreak;
    /** A pending {@link Machine#pauseAt} point: the instruction count and who waits for it. */
    private volatile HoldPoint holdPoint;

    StopPoints(Runnable pauseHere) {
        this.pauseHere = pauseHere;
    }

    /** Sets the hold point at {@code instructions} (the machine is at {@code now}). */
    CompletableFuture<Long> holdAt(long instructions, long now) {
        if (instructions < now) {
            throw new IllegalArgumentException("vCPU 0 is already at instruction " + now + ", past " + instructions);
        }
        var hold = new HoldPoint(instructions, new CompletableFuture<>());
        holdPoint = hold;
        return hold.reached();
    }

    void cancelHold() {
        HoldPoint hold = holdPoint;
        holdPoint = null;
        if (hold != null) {
            hold.reached().cancel(false);
        }
    }

    /** On EMT 0 between slices: pauses here if the hold point is reached. */
    boolean holdIfReached(long count) {
        HoldPoint hold = holdPoint;
        if (hold == null || count < hold.instructions()) {
            return false;
        }
        holdPoint = null;
        pauseHere.run();
        hold.reached().complete(count);
        return true;
    }

    /** The pending hold point, or -1. */
    long holdPointInstructions() {
        HoldPoint hold = holdPoint;
        return hold == null ? -1 : hold.instructions();
    }

    /** The run ended before the hold point: its waiter hears why. */
    void runEnded(MachineExit how) {
        HoldPoint hold = holdPoint;
        if (hold != null) {
            hold.reached().completeExceptionally(new IllegalStateException("the run ended before instruction "
                    + hold.instructions() + ": " + how.detail()));
        }
    }

    void onDebugStop(Consumer<DebugStop> listener) {
        debugListener = listener;
    }

    void requestBreak() {
        debugBreak = true;
    }

    void dropBreak() {
        debugBreak = false;
    }

    boolean breakRequested() {
        return debugBreak;
    }

    boolean hasDebugger() {
        return debugListener != null;
    }

    /** On EMT 0: pauses for the debugger (also completing a hold point reached here) and tells it why. */
    void stopForDebugger(long count, DebugStop why) {
        debugBreak = false;
        if (!holdIfReached(count)) {
            pauseHere.run();
        }
        Consumer<DebugStop> listener = debugListener;
        if (listener != null) {
            listener.accept(why);
        }
    }
}
