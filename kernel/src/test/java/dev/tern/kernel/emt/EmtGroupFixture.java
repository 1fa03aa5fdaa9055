package dev.tern.kernel.emt;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

/** A started EMT group for tests, with an idle (awaitWork) or a spinning vCPU simulation. */
final class EmtGroupFixture implements AutoCloseable {

    final EmtGroup group;
    final AtomicIntegerArray kicks;

    private EmtGroupFixture(int vcpus, boolean spinning, EmtFailureHandler handler) {
        this.kicks = new AtomicIntegerArray(vcpus);
        EmtBody body = spinning ? this::spinUntilKicked : EmtGroupFixture::idle;
        this.group = new EmtGroup("test", vcpus, body, id -> kicks.set(id, 1), handler);
        group.start();
    }

    /** vCPUs that idle in awaitWork (a halted guest). */
    static EmtGroupFixture idle(int vcpus) {
        return new EmtGroupFixture(vcpus, false, (emt, error) -> { });
    }

    /** vCPUs that spin like a run slice until their kick flag is raised; nothing else stops them. */
    static EmtGroupFixture spinning(int vcpus) {
        return new EmtGroupFixture(vcpus, true, (emt, error) -> { });
    }

    static EmtGroupFixture idle(int vcpus, EmtFailureHandler handler) {
        return new EmtGroupFixture(vcpus, false, handler);
    }

    Rendezvous rendezvous() {
        return group.rendezvous();
    }

    EmtRequests requests() {
        return group.requests();
    }

    /** Runs a rendezvous initiated by EMT {@code initiator} and returns its status. */
    int runFrom(int initiator, RendezvousType type, boolean stopOnError, RendezvousCallback callback) {
        return requests().call(initiator, () -> rendezvous().run(type, stopOnError, callback));
    }

    private static void idle(Emt emt) throws InterruptedException {
        emt.awaitWork(TimeUnit.SECONDS.toNanos(1));
    }

    private void spinUntilKicked(Emt emt) {
        while (kicks.getAndSet(emt.id(), 0) == 0) {
            Thread.onSpinWait();
        }
    }

    @Override
    public void close() {
        group.close();
    }
}
