package dev.tern.kernel.machine;

import dev.tern.kernel.emt.EmtGroup;
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
            cpus.forEach(Vcpu::writeProtectAll);
            DirtyPages pages = ram.dirtyLog().syncAndClear();
            whileStopped.accept(pages);
            return pages;
        }
        var result = new AtomicReference<DirtyPages>();
        int last = emts.size() - 1;
        emts.rendezvous().run(RendezvousType.ASCENDING, true, emt -> {
            cpus.forEach(Vcpu::writeProtectAll);
            if (emt.id() == last) {
                DirtyPages pages = ram.dirtyLog().syncAndClear();
                result.set(pages);
                whileStopped.accept(pages);
            }
            return 0;
        });
        return result.get();
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
