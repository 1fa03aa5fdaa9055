package dev.tern.devices.pci;

import dev.tern.spi.Registration;
import dev.tern.spi.io.MmioSpace;
import dev.tern.spi.io.PortIoHandler;
import dev.tern.spi.io.PortIoSpace;
import dev.tern.spi.state.StateSection;
import dev.tern.spi.state.Subsection;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The 256-byte type 0 configuration space of one PCI function and what it controls: BAR placement
 * (sizing by writing all ones, mapping into the port and MMIO spaces while the command register
 * enables decoding) and the INTx pin.
 *
 * <p>Guest writes go through per-byte masks, so read-only fields, unimplemented BARs and reserved
 * bits cannot be changed, whatever the access size or alignment.
 */
public final class PciFunction {

    /** Configuration space size. */
    public static final int CONFIG_SIZE = 256;

    static final int COMMAND = 0x04;
    static final int STATUS = 0x06;
    static final int BAR0 = 0x10;
    static final int CAPABILITIES_POINTER = 0x34;
    /** Where the capability list starts. */
    public static final int CAPABILITIES = 0x40;
    static final int STATUS_CAPABILITIES = 1 << 4;
    static final int INTERRUPT_LINE = 0x3c;
    static final int INTERRUPT_PIN = 0x3d;

    static final int COMMAND_IO = 1;
    static final int COMMAND_MEMORY = 1 << 1;
    static final int COMMAND_BUS_MASTER = 1 << 2;
    static final int COMMAND_INTX_DISABLE = 1 << 10;
    /** I/O, memory, bus master, parity error response, SERR#, INTx disable. */
    private static final int COMMAND_WRITABLE = 0x0547;
    static final int STATUS_INTERRUPT = 1 << 3;
    /** Error bits the guest clears by writing ones. */
    private static final int STATUS_WRITE_ONE_CLEAR = 0xf900;

    private final String owner;
    private final PciIdentity identity;
    private final PciBar[] bars = new PciBar[6];
    private final PortIoSpace ports;
    private final MmioSpace mmio;
    private final byte[] capabilities;
    private final byte[] config = new byte[CONFIG_SIZE];
    private final byte[] writable = new byte[CONFIG_SIZE];
    private final byte[] writeOneClear = new byte[CONFIG_SIZE];
    private final Registration[] mappings = new Registration[6];
    private final long[] mappedBase = new long[6];
    private PciBus bus;
    private PciBus secondary;
    private int headerType;
    private ConfigRegisters intercepted;
    private int interceptFrom;
    private int interceptTo;
    private int slot = -1;
    private boolean interruptAsserted;

    /**
     * A function named {@code owner} (in I/O claims and errors) decoding {@code bars} in
     * {@code ports} and {@code mmio}.
     */
    public PciFunction(String owner, PciIdentity identity, List<PciBar> bars, PortIoSpace ports, MmioSpace mmio) {
        this(owner, identity, bars, new byte[0], ports, mmio);
    }

    /**
     * A function with a read-only capability list: {@code capabilities} is placed at
     * {@link #CAPABILITIES}, its next pointers already absolute.
     */
    public PciFunction(String owner, PciIdentity identity, List<PciBar> bars, byte[] capabilities, PortIoSpace ports,
            MmioSpace mmio) {
        if (capabilities.length > CONFIG_SIZE - CAPABILITIES) {
            throw new IllegalArgumentException(owner + ": " + capabilities.length + " bytes of capabilities do not fit");
        }
        this.capabilities = capabilities.clone();
        this.owner = owner;
        this.identity = identity;
        this.ports = ports;
        this.mmio = mmio;
        for (PciBar b : bars) {
            if (this.bars[b.index()] != null) {
                throw new IllegalArgumentException(owner + ": BAR" + b.index() + " declared twice");
            }
            this.bars[b.index()] = b;
        }
        setMask(writable, COMMAND, 2, COMMAND_WRITABLE);
        setMask(writeOneClear, STATUS, 2, STATUS_WRITE_ONE_CLEAR);
        setMask(writable, 0x0c, 2, 0xffff); // cache line size, latency timer
        setMask(writable, INTERRUPT_LINE, 1, 0xff);
        for (PciBar b : bars) {
            setMask(writable, BAR0 + 4 * b.index(), 4, b.addressMask());
        }
        Arrays.fill(mappedBase, -1);
        resetConfig();
    }

    private static void setMask(byte[] mask, int offset, int bytes, int bits) {
        for (int i = 0; i < bytes; i++) {
            mask[offset + i] = (byte) (bits >>> (8 * i));
        }
    }

    /**
     * Makes this a PCI-to-PCI bridge's function: header type 1, its bus number, window and bridge
     * control registers writable as {@link PciBridgeHeader} lists them, {@code secondary} the bus
     * behind it.
     */
    synchronized void bridgeTo(PciBus secondary) {
        this.secondary = secondary;
        this.headerType = 1;
        PciBridgeHeader.masks(writable, writeOneClear);
        resetConfig();
    }

    /** The bus behind this function when it is a bridge, else null. */
    synchronized PciBus secondaryBus() {
        return secondary;
    }

    /**
     * Hands the configuration bytes {@code from}..{@code to - 1} to {@code registers} (a capability
     * whose bytes are live device registers); other bytes stay in the saved configuration space.
     */
    synchronized void intercept(int from, int to, ConfigRegisters registers) {
        this.interceptFrom = from;
        this.interceptTo = to;
        this.intercepted = registers;
    }

    /** Called by the bus on attach. */
    void connect(PciBus bus, int slot) {
        this.bus = bus;
        this.slot = slot;
        config[INTERRUPT_LINE] = (byte) (identity.interruptPin() == 0 ? 0xff : bus.irqFor(slot, identity.interruptPin()));
    }

    /** Power-on state: BARs zero, decoding off, interrupt line set to the IRQ the slot is wired to. */
    public synchronized void reset() {
        resetConfig();
        if (bus != null) {
            config[INTERRUPT_LINE] = (byte) (identity.interruptPin() == 0 ? 0xff : bus.irqFor(slot, identity.interruptPin()));
        }
        applyMappings();
        updateInterrupt();
    }

    private void resetConfig() {
        Arrays.fill(config, (byte) 0);
        put(0x00, 2, identity.vendorId());
        put(0x02, 2, identity.deviceId());
        put(0x08, 1, identity.revision());
        put(0x09, 3, identity.classCode());
        put(0x2c, 2, identity.subsystemVendorId());
        put(0x2e, 2, identity.subsystemId());
        put(INTERRUPT_PIN, 1, identity.interruptPin());
        put(0x0e, 1, headerType);
        config[INTERRUPT_LINE] = (byte) 0xff;
        if (capabilities.length > 0) {
            System.arraycopy(capabilities, 0, config, CAPABILITIES, capabilities.length);
            config[CAPABILITIES_POINTER] = (byte) CAPABILITIES;
            put(STATUS, 2, STATUS_CAPABILITIES);
        }
        for (PciBar b : bars) {
            if (b != null) {
                put(BAR0 + 4 * b.index(), 4, b.typeBits());
            }
        }
    }

    private void put(int offset, int bytes, int value) {
        for (int i = 0; i < bytes; i++) {
            config[offset + i] = (byte) (value >>> (8 * i));
        }
    }

    private int get(int offset, int bytes) {
        int v = 0;
        for (int i = 0; i < bytes; i++) {
            v |= (config[offset + i] & 0xff) << (8 * i);
        }
        return v;
    }

    /** Reads {@code size} bytes at {@code offset}; bytes past the end of the space read as 0xff. */
    public synchronized int read(int offset, int size) {
        int v = 0;
        for (int i = 0; i < size; i++) {
            int o = offset + i;
            int b = o >= 0 && o < CONFIG_SIZE ? config[o] & 0xff : 0xff;
            if (intercepted != null && o >= interceptFrom && o < interceptTo) {
                b = intercepted.read(o - interceptFrom, 1);
            }
            v |= b << (8 * i);
        }
        return v;
    }

    /** Writes the low {@code size} bytes of {@code value} at {@code offset} through the write masks. */
    public synchronized void write(int offset, int size, int value) {
        boolean decodeChanged = false;
        int first = -1;
        int count = 0;
        for (int i = 0; i < size; i++) {
            int o = offset + i;
            if (o < 0 || o >= CONFIG_SIZE) {
                continue;
            }
            int b = (value >>> (8 * i)) & 0xff;
            if (intercepted != null && o >= interceptFrom && o < interceptTo) {
                first = first < 0 ? o : first;
                count = o - first + 1;
                continue;
            }
            int w = writable[o] & 0xff;
            int old = config[o] & 0xff;
            int next = (old & ~w) | (b & w);
            next &= ~(b & writeOneClear[o] & 0xff);
            config[o] = (byte) next;
            decodeChanged |= o == COMMAND || o == COMMAND + 1 || (o >= BAR0 && o < BAR0 + 24);
        }
        if (first >= 0) {
            // handed over as one access, so a register whose bytes act together sees them together
            intercepted.write(first - interceptFrom, count, value >>> (8 * (first - offset)));
        }
        if (decodeChanged) {
            applyMappings();
            updateInterrupt();
        }
    }

    /** The command register. */
    public synchronized int command() {
        return get(COMMAND, 2);
    }

    /** The current base of {@code bar} as programmed (type bits removed). */
    public synchronized long barBase(int bar) {
        PciBar b = bars[bar];
        return b == null ? 0 : get(BAR0 + 4 * bar, 4) & b.addressMask() & 0xffff_ffffL;
    }

    /** The bytes {@code bar} decodes, or 0 when the function has no such BAR. */
    public synchronized int barSize(int bar) {
        PciBar b = bar >= 0 && bar < bars.length ? bars[bar] : null;
        return b == null ? 0 : b.size();
    }

    /** Whether {@code bar} is an I/O space BAR (else memory, or absent). */
    public synchronized boolean barIsIo(int bar) {
        return bar >= 0 && bar < bars.length && bars[bar] instanceof PciBar.IoBar;
    }

    /** Where {@code bar} is mapped now, or -1 when it is not decoded. */
    public synchronized long mappedBase(int bar) {
        return mappedBase[bar];
    }

    /** Drives the function's INTx pin (level triggered). */
    public synchronized void setInterrupt(boolean asserted) {
        interruptAsserted = asserted;
        updateInterrupt();
    }

    private void updateInterrupt() {
        int status = get(STATUS, 2) & ~STATUS_INTERRUPT;
        put(STATUS, 2, status | (interruptAsserted ? STATUS_INTERRUPT : 0));
        if (bus != null && identity.interruptPin() != 0) {
            bus.setIntx(slot, identity.interruptPin(), interruptAsserted && (command() & COMMAND_INTX_DISABLE) == 0);
        }
    }

    /** Maps each BAR where the guest put it if decoding is on; unmaps it otherwise. */
    private void applyMappings() {
        int cmd = command();
        for (PciBar b : bars) {
            if (b == null) {
                continue;
            }
            long base = barBase(b.index());
            boolean enabled = (cmd & (b instanceof PciBar.IoBar ? COMMAND_IO : COMMAND_MEMORY)) != 0;
            long want = enabled && base != 0 && fits(b, base) ? base : -1;
            if (want != mappedBase[b.index()]) {
                unmap(b.index());
                if (want >= 0) {
                    map(b, want);
                }
            }
        }
    }

    private static boolean fits(PciBar b, long base) {
        long limit = b instanceof PciBar.IoBar ? 0x1_0000L : 0x1_0000_0000L;
        return base + b.size() <= limit;
    }

    private void map(PciBar bar, long base) {
        String name = owner + ".bar" + bar.index();
        try {
            mappings[bar.index()] = switch (bar) {
                case PciBar.IoBar io -> ports.register(name, (int) base, io.size(), relative(io.handler(), (int) base));
                case PciBar.MemoryBar m -> mmio.map(name, base, m.size(), m.handler());
            };
            mappedBase[bar.index()] = base;
        } catch (IllegalStateException | IllegalArgumentException overlap) {
            // A guest placing a BAR over another device gets no decode, as on a real bus with a
            // conflict; the guest must not be able to crash the VMM through it.
            mappings[bar.index()] = null;
            mappedBase[bar.index()] = -1;
        }
    }

    private static PortIoHandler relative(PortIoHandler h, int base) {
        return new PortIoHandler() {
            @Override
            public int read(int port, int size) {
                return h.read(port - base, size);
            }

            @Override
            public void write(int port, int size, int value) {
                h.write(port - base, size, value);
            }
        };
    }

    private void unmap(int index) {
        Registration r = mappings[index];
        mappings[index] = null;
        mappedBase[index] = -1;
        if (r != null) {
            r.close();
        }
    }

    /** Releases every BAR mapping (power-off). */
    public synchronized void release() {
        for (int i = 0; i < 6; i++) {
            unmap(i);
        }
    }

    /** The section saving this function's configuration space. */
    public StateSection<PciFunctionState> section(String instance) {
        return new StateSection<>() {
            @Override
            public String name() {
                return "pci-function";
            }

            @Override
            public String instance() {
                return instance;
            }

            @Override
            public Class<PciFunctionState> stateType() {
                return PciFunctionState.class;
            }

            @Override
            public PciFunctionState save() {
                synchronized (PciFunction.this) {
                    return new PciFunctionState(config.clone());
                }
            }

            @Override
            public Optional<String> validate(PciFunctionState s) {
                return problem(s);
            }

            @Override
            public void load(PciFunctionState s) {
                load0(s);
            }

            @Override
            public List<Subsection<?>> subsections() {
                return List.of(addressSubsection());
            }
        };
    }

    /**
     * The {@code address} subsection: the function's bus/slot/function, written for every attached
     * function. A stream written before the subsection existed has none and loads as before.
     */
    private Subsection<PciAddressState> addressSubsection() {
        return new Subsection<>() {
            @Override
            public String name() {
                return "address";
            }

            @Override
            public Class<PciAddressState> stateType() {
                return PciAddressState.class;
            }

            @Override
            public boolean needed() {
                return slot() >= 0;
            }

            @Override
            public PciAddressState save() {
                return new PciAddressState(busNumber(), slot(), 0);
            }

            @Override
            public Optional<String> validate(PciAddressState s) {
                return addressProblem(s);
            }

            @Override
            public void load(PciAddressState s) {
                // validate held the address equal to this function's: nothing to apply
            }
        };
    }

    private Optional<String> addressProblem(PciAddressState s) {
        int here = slot();
        int hereBus = busNumber();
        if (s.function() != 0) {
            return Optional.of("device " + owner + " is at PCI address " + address(s.bus(), s.slot(), s.function())
                    + " on the source, but Tern has only function 0");
        }
        if (s.bus() != hereBus) {
            return Optional.of("device " + owner + " is at PCI address " + address(s.bus(), s.slot(), s.function())
                    + " on the source but at " + address(hereBus, here, 0) + " here: start this machine with its"
                    + " bridges and devices as the source had them (bus=, addr=)");
        }
        if (s.slot() == here) {
            return Optional.empty();
        }
        if (s.slot() < 0 || s.slot() >= PciBus.SLOTS) {
            return Optional.of("device " + owner + " is in PCI slot " + s.slot() + " on the source, which is not 0.."
                    + (PciBus.SLOTS - 1));
        }
        String hereText = here < 0 ? "on no PCI bus here" : String.format(Locale.ROOT, "in slot 0x%02x here", here);
        return Optional.of(String.format(Locale.ROOT, "device %s is in PCI slot 0x%02x on the source but %s:"
                + " start this machine with --device ...,name=%s,addr=0x%02x (or device_add ...,id=%s,addr=0x%02x)",
                owner, s.slot(), hereText, owner, s.slot(), owner, s.slot()));
    }

    private static String address(int bus, int slot, int function) {
        return String.format(Locale.ROOT, "%02x:%02x.%x", bus, slot, function);
    }

    private synchronized Optional<String> problem(PciFunctionState s) {
        if (s.config() == null || s.config().length != CONFIG_SIZE) {
            return Optional.of(owner + ": PCI configuration space must be " + CONFIG_SIZE + " bytes");
        }
        byte[] c = s.config();
        for (int o = 0; o < CONFIG_SIZE; o++) {
            int fixed = ~(writable[o] | writeOneClear[o]) & 0xff;
            if (o == STATUS) {
                fixed &= ~STATUS_INTERRUPT; // derived from the device on load
            }
            if (((c[o] ^ config[o]) & fixed) != 0) {
                return Optional.of(owner + ": saved PCI config byte 0x" + Integer.toHexString(o)
                        + " differs in a read-only bit: another device's state?");
            }
        }
        return Optional.empty();
    }

    private synchronized void load0(PciFunctionState s) {
        System.arraycopy(s.config(), 0, config, 0, CONFIG_SIZE);
        applyMappings();
        updateInterrupt();
    }

    /** The name this function claims I/O under. */
    public String owner() {
        return owner;
    }

    /**
     * Why the guest still holds this function, or empty: a driver bound to it has bus mastering on
     * (it may DMA into guest memory at any time). Linux turns bus mastering off when the driver
     * lets the function go, which a {@code remove} through sysfs does; decoding stays on, as Linux
     * leaves it, so it is no sign of use.
     */
    public synchronized java.util.Optional<String> guestHold() {
        if (bus != null && bus.hotPlugController() != null) {
            return java.util.Optional.empty(); // the controller asks the guest to let go (requestEjection)
        }
        int cmd = command();
        if ((cmd & COMMAND_BUS_MASTER) == 0) {
            return java.util.Optional.empty();
        }
        String address = String.format(java.util.Locale.ROOT, "0000:%02x:%02x.0", busNumber(), slot);
        return java.util.Optional.of("the guest still drives PCI function " + address + " (bus mastering is on,"
                + " command register 0x" + Integer.toHexString(cmd) + "); release it in the guest first, in Linux with"
                + " 'echo 1 > /sys/bus/pci/devices/" + address + "/remove'");
    }

    /**
     * Presses the attention button of this function's hot-plug slot, asking the guest to power it
     * off. False when the function's bus has no hot-plug controller, or the guest never powered the
     * slot on: then it may be taken out at once.
     */
    public boolean requestEjection() {
        PciBus b;
        int s;
        synchronized (this) {
            b = bus;
            s = slot;
        }
        ShpcController controller = b == null ? null : b.hotPlugController();
        return controller != null && controller.present(s - 1) && !controller.pressButton(s - 1);
    }

    /** The number of the bus it sits on (0 before attach). */
    public int busNumber() {
        PciBus b;
        synchronized (this) {
            b = bus;
        }
        return b == null ? 0 : b.number();
    }

    /** The slot it sits in on its bus, or -1 before attach. */
    public synchronized int slot() {
        return slot;
    }
}
