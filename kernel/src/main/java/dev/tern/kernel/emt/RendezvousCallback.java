package dev.tern.kernel.emt;

/** Work done by an EMT inside a rendezvous; returns a {@link Status} code. */
@FunctionalInterface
public interface RendezvousCallback {

    /**
     * Runs on {@code emt}'s thread while every other EMT of the group is held in the rendezvous.
     *
     * @return a {@link Status} code: 0 success, negative error, positive informational
     */
    int run(Emt emt) throws Exception;
}
