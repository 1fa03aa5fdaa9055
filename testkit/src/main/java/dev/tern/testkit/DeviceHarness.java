package dev.tern.testkit;

import dev.tern.spi.Config;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.device.DeviceProvider;
import dev.tern.spi.memory.GuestMemory;
import dev.tern.testkit.clock.ManualClock;
import dev.tern.testkit.config.DeclaredConfig;
import dev.tern.testkit.io.ArrayPortSpace;
import dev.tern.testkit.io.RangeMmioSpace;
import dev.tern.testkit.irq.RecordingInterruptRouting;
import dev.tern.testkit.machine.RecordingMachineControl;
import dev.tern.testkit.machine.SharedServices;
import dev.tern.testkit.memory.ArrayGuestMemory;

import java.util.Map;

/**
 * A complete, small machine around one device under test: a port space, an MMIO space, interrupt
 * wiring that records levels, a manually advanced clock and a machine control that records
 * requests. Several devices may share one harness's spaces via {@link #withInstance}.
 */
public final class DeviceHarness implements DeviceContext {

    /** Default test RAM: 16 MiB. */
    public static final long DEFAULT_RAM = 16L << 20;

    private final String instanceName;
    private final Config config;
    private final GuestMemory memory;
    private final ArrayPortSpace ports;
    private final RangeMmioSpace mmio;
    private final RecordingInterruptRouting interrupts;
    private final ManualClock clock;
    private final RecordingMachineControl machine;
    private final SharedServices services;

    private DeviceHarness(String instanceName, Config config, GuestMemory memory, ArrayPortSpace ports,
            RangeMmioSpace mmio, RecordingInterruptRouting interrupts, ManualClock clock, RecordingMachineControl machine,
            SharedServices services) {
        this.instanceName = instanceName;
        this.config = config;
        this.memory = memory;
        this.ports = ports;
        this.mmio = mmio;
        this.interrupts = interrupts;
        this.clock = clock;
        this.machine = machine;
        this.services = services;
    }

    /** A fresh machine with {@code ramBytes} of RAM, configured for {@code provider} with {@code values}. */
    public static DeviceHarness of(DeviceProvider provider, Map<String, String> values, long ramBytes) {
        return new DeviceHarness(provider.id() + "0", new DeclaredConfig(provider.id(), provider.configKeys(), values),
                new ArrayGuestMemory(ramBytes), new ArrayPortSpace(), new RangeMmioSpace(),
                new RecordingInterruptRouting(), new ManualClock(), new RecordingMachineControl(), new SharedServices());
    }

    /** A fresh machine with {@link #DEFAULT_RAM}. */
    public static DeviceHarness of(DeviceProvider provider, Map<String, String> values) {
        return of(provider, values, DEFAULT_RAM);
    }

    /** Another device context in the same machine (shared spaces, clock and wiring). */
    public DeviceHarness withInstance(String name, DeviceProvider provider, Map<String, String> values) {
        return new DeviceHarness(name, new DeclaredConfig(provider.id(), provider.configKeys(), values),
                memory, ports, mmio, interrupts, clock, machine, services);
    }

    /** Creates, realizes and resets a device of {@code provider} in this context. */
    public Device start(DeviceProvider provider) {
        Device d = provider.create(this);
        d.realize();
        d.reset();
        return d;
    }

    @Override
    public String instanceName() {
        return instanceName;
    }

    @Override
    public Config config() {
        return config;
    }

    @Override
    public GuestMemory memory() {
        return memory;
    }

    @Override
    public ArrayPortSpace ports() {
        return ports;
    }

    @Override
    public RangeMmioSpace mmio() {
        return mmio;
    }

    @Override
    public RecordingInterruptRouting interrupts() {
        return interrupts;
    }

    @Override
    public ManualClock clock() {
        return clock;
    }

    @Override
    public RecordingMachineControl machine() {
        return machine;
    }

    @Override
    public SharedServices services() {
        return services;
    }
}
