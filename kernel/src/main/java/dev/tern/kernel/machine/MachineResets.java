package dev.tern.kernel.machine;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * How a {@link Machine} carries out resets: a request (from a device, a vCPU's shutdown or the
 * host) is taken by EMT 0 between slices, which then either ends the run ({@link ResetPolicy#EXIT})
 * or resets every vCPU and device and tells the listeners. With parallel vCPUs the reset runs in
 * a rendezvous, every vCPU thread stopped; a host request, applied while EMT 0 holds the device
 * lock (where no rendezvous may start), is therefore deferred to the next slice boundary too.
 */
final class MachineResets {

    private final Machine m;
    private volatile boolean requested;
    /** The pending request is the host's (told to the listeners). */
    private volatile boolean byHost;
    private final List<Consumer<Boolean>> listeners = new CopyOnWriteArrayList<>();

    MachineResets(Machine machine) {
        this.m = machine;
    }

    /** Asks EMT 0 for a reset at its next slice boundary. */
    void request(boolean host) {
        if (host) {
            byHost = true;
        }
        requested = true;
    }

    /** Takes a pending request (EMT 0). */
    boolean take() {
        if (!requested) {
            return false;
        }
        requested = false;
        return true;
    }

    /** Carries out the reset EMT 0 took (or a vCPU 0 shutdown), as the spec's reset policy says. */
    void carryOut(String why) {
        boolean host = byHost;
        byHost = false;
        reset(host ? "the host requested a reset" : why, host);
    }

    void reset(String why, boolean host) {
        if (m.spec().onReset() == ResetPolicy.EXIT) {
            m.finish(new MachineExit(MachineExit.Reason.RESET, 0, why));
        } else {
            m.resetAll();
            for (Consumer<Boolean> l : listeners) {
                l.accept(host);
            }
        }
    }

    void listen(Consumer<Boolean> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }
}
