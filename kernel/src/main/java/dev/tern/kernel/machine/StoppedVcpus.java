package dev.tern.kernel.machine;

import dev.tern.kernel.emt.Emt;
import dev.tern.kernel.emt.EmtGroup;
import dev.tern.kernel.emt.RendezvousCallback;
import dev.tern.kernel.emt.RendezvousException;
import dev.tern.kernel.emt.RendezvousType;
import dev.tern.kernel.memory.DirtyPages;
import dev.tern.kernel.memory.GuestRam;
import dev.tern.spi.cpu.Vcpu;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Work done while every vCPU is stopped at an instruction boundary, in one rendezvous of all EMTs:
 * an action from outside the EMTs, and the end of a dirty-log round — every vCPU drops its fast
 * write permissions there and the last EMT to arrive swaps the log before any of them runs again,
 * so each later write reaches the new round. Before the EMTs run, the calling thread does it all.
 */
final class StoppedVcpus {

    private final GuestRam ram;
    private final List<Vcpu> cpus;
    private final EmtGroup emts;

    StoppedVcpus(GuestRam ram, List<Vcpu> cpus, EmtGroup emts) {
        this.ram = ram;
        this.cpus = cpus;
        this.emts = emts;
    }

    /**
     * Returns the pages written since the previous sync and runs {@code whileStopped} with them while
     * no vCPU runs; {@code started} false: no EMT runs yet, the calling thread does it all.
     */
    DirtyPages syncDirtyLog(boolean started, Consumer<DirtyPages> whileStopped) {
        if (!started) {
            writeProtectAll();
            DirtyPages pages = ram.dirtyLog().syncAndClear();
            whileStopped.accept(pages);
            return pages;
        }
        var sync = new Sync(whileStopped, emts.size() - 1);
        emts.rendezvous().run(RendezvousType.ASCENDING, true, sync);
        return sync.pages;
    }

    private void writeProtectAll() {
        for (Vcpu cpu : cpus) {
            cpu.writeProtectAll();
        }
    }

    /**
     * The sync's rendezvous work: a named class, not a lambda, so that its first run — a migration's
     * setup or a checkpoint, with every vCPU stopped — does not link a call site (spin a class).
     */
    private final class Sync implements RendezvousCallback {
        private final Consumer<DirtyPages> whileStopped;
        private final int last;
        /** Set by the last EMT to arrive; read after the rendezvous, which orders it before the read. */
        private DirtyPages pages;

        Sync(Consumer<DirtyPages> whileStopped, int last) {
            this.whileStopped = whileStopped;
            this.last = last;
        }

        @Override
        public int run(Emt emt) {
            writeProtectAll();
            if (emt.id() == last) {
                pages = ram.dirtyLog().syncAndClear();
                whileStopped.accept(pages);
            }
            return 0;
        }
    }

    /** Runs {@code action} with every vCPU stopped and returns its result; its own failure is rethrown as is. */
    <T> T run(boolean started, Supplier<T> action) {
        if (!started) {
            return action.get();
        }
        var result = new AtomicReference<T>();
        try {
            emts.rendezvous().run(RendezvousType.ONCE, true, emt -> {
                result.set(action.get());
                return 0;
            });
        } catch (RendezvousException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r; // the action's own failure, as if it had run here
            }
            throw e;
        }
        return result.get();
    }
}
