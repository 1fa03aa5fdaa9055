package dev.tern.devices.pci;

import dev.tern.spi.Registration;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.io.MmioHandler;
import dev.tern.spi.state.StateSection;

import java.util.List;
import java.util.Optional;

/**
 * A PCI-to-PCI bridge on bus 0 with a Standard Hot-Plug Controller for the 31 slots of its secondary
 * bus (QEMU's {@code pci-bridge}). At machine build it is given its bus numbers and an I/O and a
 * memory window, as firmware would, with room for cards plugged later; the SHPC's registers sit in
 * its memory BAR0 and behind its SHPC capability.
 */
public final class PciBridge implements Device {

    /** Red Hat's QEMU PCI-PCI bridge ids, which guests know as a plain bridge with an SHPC. */
    static final PciIdentity IDENTITY = new PciIdentity(0x1b36, 0x0001, 0, 0x060400, 0, 0, 1);
    /** The SHPC capability id. */
    static final int SHPC_CAPABILITY = 0x0c;
    /** Each bridge's I/O window: 4 KiB, the first below 0xF000 and the next ones below it. */
    static final int IO_WINDOW_TOP = 0xf000;
    /** Each bridge's memory window: 8 MiB from 0xF8000000 on, above the highest RAM Tern allows. */
    static final long MEMORY_WINDOW_BASE = 0xf800_0000L;
    static final int MEMORY_WINDOW_SIZE = 8 << 20;
    /** Bridges a machine can have: as many windows as fit below the I/O APIC. */
    public static final int MAX_BRIDGES = 8;
    private static final int BAR_SIZE = 0x100;

    private final DeviceContext context;
    private final int slot;
    private final PciFunction function;
    private final ShpcController shpc;
    private PciBus secondary;
    private Registration attachment;
    private Registration named;
    private int index = -1;

    /** A bridge in bus 0 {@code slot} (-1: the first free one) with physical slot numbers from {@code chassis}. */
    public PciBridge(DeviceContext context, int slot, int chassis) {
        this.context = context;
        this.slot = slot;
        this.shpc = new ShpcController(ShpcController.MAX_SLOTS, chassis << 5 | 1, this::setInterrupt, this::ejected);
        byte[] capability = {SHPC_CAPABILITY, 0, 0, 0, 0, 0, 0, 0};
        MmioHandler registers = new MmioHandler() {
            @Override
            public long read(long offset, int size) {
                return shpc.read((int) offset, size);
            }

            @Override
            public void write(long offset, int size, long value) {
                shpc.write((int) offset, size, value);
            }
        };
        this.function = new PciFunction(context.instanceName(), IDENTITY,
                List.of(new PciBar.MemoryBar(0, BAR_SIZE, registers)), capability, context.ports(), context.mmio());
        function.intercept(PciFunction.CAPABILITIES + 2, PciFunction.CAPABILITIES + 8, shpc.capability());
    }

    /** The hot-plug controller. */
    public ShpcController shpc() {
        return shpc;
    }

    /** The bus behind the bridge (after realize). */
    public PciBus secondary() {
        return secondary;
    }

    /** The bridge's own function on bus 0. */
    public PciFunction function() {
        return function;
    }

    @Override
    public void realize() {
        PciBus root = context.services().find(PciBus.class).orElseThrow(() -> new IllegalStateException(
                context.instanceName() + ": the machine has no PCI bus; add a 'pci-host' device before it"));
        index = root.secondaries().size();
        if (index >= MAX_BRIDGES) {
            throw new IllegalStateException(context.instanceName() + ": a machine has at most " + MAX_BRIDGES
                    + " pci-bridges");
        }
        secondary = new PciBus(context.instanceName(), root, function);
        function.bridgeTo(secondary);
        secondary.onAttach(this::cardInserted);
        secondary.hotPlug(shpc);
        attachment = root.attach(slot, function);
        try {
            named = root.addSecondary(secondary);
        } catch (RuntimeException e) {
            attachment.close();
            throw e;
        }
    }

    /** Firmware's work, done at every reset: bus numbers, windows and decoding, and the SHPC's slots powered as found. */
    @Override
    public void reset() {
        function.reset();
        int bus = index + 1;
        function.write(PciBridgeHeader.PRIMARY_BUS, 4, bus << 16 | bus << 8);
        int io = IO_WINDOW_TOP - (index + 1) * PciBridgeHeader.IO_GRANULE;
        function.write(PciBridgeHeader.IO_BASE, 2, PciBridgeHeader.ioWindow(io, PciBridgeHeader.IO_GRANULE));
        long mem = MEMORY_WINDOW_BASE + (long) index * MEMORY_WINDOW_SIZE;
        function.write(PciBridgeHeader.MEMORY_BASE, 4, PciBridgeHeader.memoryWindow(mem, MEMORY_WINDOW_SIZE));
        function.write(PciFunction.COMMAND, 2, PciFunction.COMMAND_IO | PciFunction.COMMAND_MEMORY
                | PciFunction.COMMAND_BUS_MASTER);
        int occupied = 0;
        for (int s = 1; s < PciBus.SLOTS; s++) {
            occupied |= secondary.function(s) != null ? 1 << (s - 1) : 0;
        }
        shpc.reset(occupied);
    }

    private void cardInserted(int busSlot) {
        shpc.insert(busSlot - 1);
    }

    private void setInterrupt(boolean asserted) {
        if (function != null) { // the controller's own reset runs before the function exists
            function.setInterrupt(asserted);
        }
    }

    /** The guest powered off a slot: the machine takes the card's device out. */
    private void ejected(int index) {
        PciFunction card = secondary.function(index + 1);
        if (card != null) {
            context.machine().ejectDevice(card.owner());
        }
    }

    @Override
    public void powerOff() {
        if (named != null) {
            named.close();
            named = null;
        }
        if (attachment != null) {
            attachment.close();
            attachment = null;
        }
        function.release();
    }

    @Override
    public List<StateSection<?>> sections() {
        return List.of(function.section(context.instanceName()), shpcSection());
    }

    private StateSection<ShpcState> shpcSection() {
        return new StateSection<>() {
            @Override
            public String name() {
                return "pci-bridge-shpc";
            }

            @Override
            public String instance() {
                return context.instanceName();
            }

            @Override
            public Class<ShpcState> stateType() {
                return ShpcState.class;
            }

            @Override
            public ShpcState save() {
                return shpc.save();
            }

            @Override
            public Optional<String> validate(ShpcState s) {
                return shpc.problem(s).or(() -> cardsMissing(s));
            }

            @Override
            public void load(ShpcState s) {
                shpc.load(s);
            }
        };
    }

    /** A slot that holds a card on the source must hold one here: the destination starts with the same devices. */
    private Optional<String> cardsMissing(ShpcState s) {
        for (int i = 0; i < ShpcController.MAX_SLOTS; i++) {
            if ((s.present() & (1 << i)) != 0 && secondary.function(i + 1) == null) {
                return Optional.of(String.format(java.util.Locale.ROOT, "%s: slot 0x%02x behind the bridge holds a card on"
                        + " the source but is empty here: start this machine with that device (--device ...,bus=%s,"
                        + "addr=0x%02x)", context.instanceName(), i + 1, context.instanceName(), i + 1));
            }
        }
        return Optional.empty();
    }
}
