package dev.tern.devices.pci;

import dev.tern.spi.Registration;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.io.PortIoHandler;
import dev.tern.spi.state.StateSection;

import java.util.List;
import java.util.Optional;

/**
 * An i440FX-like PCI host bridge: configuration mechanism #1 (CONFIG_ADDRESS at 0xCF8, a dword
 * register with the enable bit 31; CONFIG_DATA at 0xCFC-0xCFF, any width at any offset) for bus 0,
 * and the bridge's own function at 00:00.0; a cycle for another bus goes to the PCI-to-PCI bridge
 * whose bus number range holds it, and reads as empty when none does.
 */
public final class PciHostBridge implements Device {

    /** CONFIG_ADDRESS. */
    public static final int CONFIG_ADDRESS = 0xcf8;
    /** CONFIG_DATA. */
    public static final int CONFIG_DATA = 0xcfc;
    private static final int ENABLE = 0x8000_0000;
    /** Enable, bus, device, function and dword-aligned register bits; the rest read as zero. */
    private static final int ADDRESS_BITS = 0x80ff_fffc;

    private final DeviceContext context;
    private final PciBus bus;
    private final PciFunction bridge;
    private Registration ports;
    private Registration slot;
    private int configAddress;
    private final Registration published;

    /** A bridge wired through {@code context}, routing PIRQA..D to {@code pirqToIrq}. */
    public PciHostBridge(DeviceContext context, int[] pirqToIrq) {
        this.context = context;
        this.bus = new PciBus(context.interrupts(), pirqToIrq);
        this.bridge = new PciFunction(context.instanceName(),
                new PciIdentity(0x8086, 0x1237, 0x02, 0x060000, 0, 0, 0), List.of(), context.ports(), context.mmio());
        this.published = context.services().publish(PciBus.class, bus);
    }

    /** The bus functions attach to. */
    public PciBus bus() {
        return bus;
    }

    @Override
    public void realize() {
        slot = bus.attach(0, bridge);
        ports = context.ports().register(context.instanceName(), CONFIG_ADDRESS, 8, new PortIoHandler() {
            @Override
            public int read(int port, int size) {
                return readPort(port, size);
            }

            @Override
            public void write(int port, int size, int value) {
                writePort(port, size, value);
            }
        });
    }

    @Override
    public synchronized void reset() {
        configAddress = 0;
        bridge.reset();
    }

    private int readPort(int port, int size) {
        if (port < CONFIG_DATA) {
            synchronized (this) {
                // Only a dword access reaches CONFIG_ADDRESS; narrower ones fall through to the ISA
                // bus, where nothing answers.
                return port == CONFIG_ADDRESS && size == 4 ? configAddress : (int) ((1L << (8 * size)) - 1);
            }
        }
        int address = address();
        int k = port - CONFIG_DATA;
        if ((address & ENABLE) == 0) {
            return (int) ((1L << (8 * size)) - 1);
        }
        // Bytes of a wide access that run past 0xCFF are outside CONFIG_DATA and read as all ones.
        int inside = Math.min(size, 4 - k);
        int v = bus.configRead(bus(address), slot(address), function(address), register(address) + k, inside);
        for (int i = inside; i < size; i++) {
            v |= 0xff << (8 * i);
        }
        return v;
    }

    private void writePort(int port, int size, int value) {
        if (port < CONFIG_DATA) {
            if (port == CONFIG_ADDRESS && size == 4) {
                synchronized (this) {
                    configAddress = value & ADDRESS_BITS;
                }
            }
            return;
        }
        int address = address();
        int k = port - CONFIG_DATA;
        if ((address & ENABLE) != 0) {
            bus.configWrite(bus(address), slot(address), function(address), register(address) + k, Math.min(size, 4 - k),
                    value);
        }
    }

    private synchronized int address() {
        return configAddress;
    }

    private static int bus(int address) {
        return (address >>> 16) & 0xff;
    }

    private static int slot(int address) {
        return (address >>> 11) & 0x1f;
    }

    private static int function(int address) {
        return (address >>> 8) & 0x7;
    }

    private static int register(int address) {
        return address & 0xfc;
    }

    @Override
    public void powerOff() {
        if (ports != null) {
            ports.close();
            ports = null;
        }
        if (slot != null) {
            slot.close();
            slot = null;
        }
        bridge.release();
        published.close();
    }

    @Override
    public List<StateSection<?>> sections() {
        return List.of(new StateSection<PciHostState>() {
            @Override
            public String name() {
                return "pci-host";
            }

            @Override
            public String instance() {
                return context.instanceName();
            }

            @Override
            public Class<PciHostState> stateType() {
                return PciHostState.class;
            }

            @Override
            public PciHostState save() {
                return new PciHostState(address());
            }

            @Override
            public Optional<String> validate(PciHostState s) {
                return (s.configAddress() & ~ADDRESS_BITS) != 0
                        ? Optional.of("pci-host: CONFIG_ADDRESS 0x" + Integer.toHexString(s.configAddress()) + " has reserved bits set")
                        : Optional.empty();
            }

            @Override
            public void load(PciHostState s) {
                synchronized (PciHostBridge.this) {
                    configAddress = s.configAddress();
                }
            }
        }, bridge.section(context.instanceName()));
    }
}
