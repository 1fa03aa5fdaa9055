package dev.tern.kernel.machine;

import dev.tern.kernel.emt.EmtGroup;
import dev.tern.kernel.emt.RendezvousType;
import dev.tern.kernel.memory.DirtyPages;
import dev.tern.kernel.memory.GuestRam;
import dev.tern.spi.cpu.Vcpu;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Ends a round of the dirty log race-free with running vCPUs: inside a rendezvous every vCPU drops
 * its fast write permissions, and the last EMT to get there swaps the log before any of them runs
 * again, so each later write reaches the new round.
 */
final class DirtyLogSync {

    private final GuestRam ram;
    private final List<Vcpu> cpus;
    private final EmtGroup emts;

    DirtyLogSync(GuestRam ram, List<Vcpu> cpus, EmtGroup emts) {
        this.ram = ram;
        this.cpus = cpus;
        this.emts = emts;
    }

    /**
     * Returns the pages written since the previous sync and runs {@code whileStopped} with them while
     * no vCPU runs; {@code started} false: no EMT runs yet, the calling thread does it all.
     */
    DirtyPages sync(boolean started, Consumer<DirtyPages> whileStopped) {
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
}
