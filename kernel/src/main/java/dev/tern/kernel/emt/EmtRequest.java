package dev.tern.kernel.emt;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * One queued request. {@code loopOnly} requests run only from the EMT loop, never inside a wait:
 * forwarded rendezvous are such requests, since starting a rendezvous from inside another one is a
 * deadlock.
 */
record EmtRequest<T>(int target, Callable<T> task, CompletableFuture<T> future, boolean loopOnly) {

    void run() {
        if (future.isDone()) {
            return; // cancelled by the submitter
        }
        try {
            future.complete(task.call());
        } catch (Throwable error) {
            future.completeExceptionally(error);
        }
    }
}
