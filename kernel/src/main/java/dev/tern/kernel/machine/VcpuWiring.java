package dev.tern.kernel.machine;

import dev.tern.kernel.clock.MachineClock;
import dev.tern.kernel.config.ValidatedConfig;
import dev.tern.kernel.io.MmioBus;
import dev.tern.kernel.io.PortBus;
import dev.tern.kernel.irq.IrqRouter;
import dev.tern.kernel.memory.GuestRam;
import dev.tern.spi.cpu.CpuProvider;
import dev.tern.spi.cpu.Vcpu;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * How a machine's vCPUs reach its ports, MMIO and interrupt controllers: directly when they take
 * turns on one thread, under the {@link DeviceLock} when each runs on a thread of its own (devices
 * stay single-threaded code).
 *
 * @param lock the device lock, or null when the vCPUs take turns
 */
record VcpuWiring(GuestRam ram, PortBus ports, MmioBus mmio, MachineClock clock, IrqRouter irq, DeviceLock lock) {

    /** Creates the spec's vCPUs of {@code provider}, each with its own view of per-vCPU MMIO pages. */
    List<Vcpu> create(CpuProvider provider, MachineSpec spec) {
        var created = new ArrayList<Vcpu>();
        for (int id = 0; id < spec.vcpus(); id++) {
            var config = ValidatedConfig.of(spec.cpu(), provider.configKeys(), spec.cpuConfig());
            created.add(provider.create(lock != null
                    ? new MachineCpuContext(id, config, ram, lock.guard(ports), lock.guard(mmio.cpuView(id)), clock, irq, lock::guard)
                    : new MachineCpuContext(id, config, ram, ports, mmio.cpuView(id), clock, irq, c -> c)));
        }
        return created;
    }

    /** Gives the interrupt router each vCPU's local inputs; a change to vCPU n's calls {@code wake} with n. */
    void connectLocalControllers(List<Vcpu> cpus, IntConsumer wake) {
        irq.setCpuPorts(cpus.size(), (id, c) -> new WakingCpuPort(
                cpus.get(id).connectLocalController(lock != null ? lock.guard(c) : c), () -> wake.accept(id)));
    }
}
