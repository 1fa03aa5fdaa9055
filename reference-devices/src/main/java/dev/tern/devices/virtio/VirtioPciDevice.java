package dev.tern.devices.virtio;

import dev.tern.devices.pci.PciBar;
import dev.tern.devices.pci.PciBus;
import dev.tern.devices.pci.PciFunction;
import dev.tern.devices.pci.MsixTable;
import dev.tern.devices.pci.PciIdentity;
import dev.tern.spi.Registration;
import dev.tern.spi.Config;
import dev.tern.spi.ConfigException;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.device.MachineControl;
import dev.tern.spi.io.PortIoHandler;
import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.state.StateSection;
import dev.tern.spi.state.Subsection;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A transitional virtio PCI device with the legacy register block in I/O BAR0:
 * <pre>
 * 0x00 device features (32)   0x04 driver features (32)  0x08 queue PFN (32)
 * 0x0C queue size (16, RO)    0x0E queue select (16)     0x10 queue notify (16)
 * 0x12 device status (8)      0x13 ISR (8, read clears)  0x14 device configuration
 * </pre>
 * Registers are decoded byte by byte, so any access width or alignment works. Requests are
 * processed synchronously on the notifying vCPU thread, which keeps runs deterministic. Optionally
 * the virtio 1.0 interface is offered as well ({@link ModernRegisters}), and with it MSI-X
 * ({@link VirtioMsix}); while the driver has MSI-X enabled, the configuration vector and the
 * selected queue's vector sit at 0x14 and 0x16 of the legacy block and the device configuration
 * moves to 0x18.
 */
public final class VirtioPciDevice implements Device, VirtioTransport {

    /** Red Hat's PCI vendor id, used by all virtio devices. */
    public static final int VENDOR = 0x1af4;
    /** Legacy register offsets. */
    static final int DEVICE_FEATURES = 0x00;
    static final int DRIVER_FEATURES = 0x04;
    static final int QUEUE_PFN = 0x08;
    static final int QUEUE_SIZE = 0x0c;
    static final int QUEUE_SELECT = 0x0e;
    static final int QUEUE_NOTIFY = 0x10;
    static final int STATUS = 0x12;
    static final int ISR = 0x13;
    static final int CONFIG = 0x14;
    /** The legacy block's two MSI-X vector registers, present while MSI-X is enabled. */
    static final int MSIX_VECTORS_LENGTH = 4;

    /** Device status bits. */
    static final int STATUS_DRIVER_OK = 4;
    static final int STATUS_FEATURES_OK = 8;
    static final int F_VERSION_1 = 32;
    static final int STATUS_FAILED = 0x80;
    static final int STATUS_NEEDS_RESET = 0x40;
    static final int ISR_QUEUE = 1;
    static final int ISR_CONFIG = 2;

    private final DeviceContext context;
    private final VirtioModel model;
    private final int slot;
    private final String busName;
    private final boolean modern;
    private final PciFunction function;
    /** MSI-X, or null when the device offers only INTx. */
    private final VirtioMsix msix;
    private final List<Virtqueue> queues = new ArrayList<>();
    private final byte[] registers = new byte[CONFIG];
    private Registration attachment;
    private long driverFeatures;
    private int status;
    private int isr;
    private int queueSelect;
    private int deviceFeatureSelect;
    private int driverFeatureSelect;
    private String lastFault = "";

    /**
     * A device of type {@code model} in PCI {@code slot} (-1 for the first free one); with
     * {@code modern} it also offers the virtio 1.0 interface in memory BAR 4, which drivers that
     * know it (Linux) prefer.
     */
    public VirtioPciDevice(DeviceContext context, VirtioModel model, int slot, boolean modern) {
        this(context, model, "pci.0", slot, modern);
    }

    /** Like {@link #VirtioPciDevice(DeviceContext, VirtioModel, int, boolean)}, on the PCI bus named {@code busName}. */
    public VirtioPciDevice(DeviceContext context, VirtioModel model, String busName, int slot, boolean modern) {
        this(context, model, busName, slot, modern, false);
    }

    /**
     * Like {@link #VirtioPciDevice(DeviceContext, VirtioModel, String, int, boolean)}; with {@code msix}
     * the function also offers MSI-X, one vector per queue and one for configuration changes, which
     * needs the virtio 1.0 interface ({@code modern}).
     */
    public VirtioPciDevice(DeviceContext context, VirtioModel model, String busName, int slot, boolean modern,
            boolean msix) {
        if (msix && !modern) {
            throw new IllegalArgumentException(context.instanceName()
                    + ": msix=on needs the virtio 1.0 interface (modern=on)");
        }
        this.context = context;
        this.busName = busName;
        this.model = model;
        this.slot = slot;
        this.modern = modern;
        List<Integer> sizes = model.queueSizes();
        for (int i = 0; i < sizes.size(); i++) {
            queues.add(new Virtqueue(context.memory(), i, sizes.get(i)));
        }
        this.msix = msix ? new VirtioMsix(context, sizes.size()) : null;
        int legacyEnd = CONFIG + (msix ? MSIX_VECTORS_LENGTH : 0) + model.config().length;
        int barSize = Math.max(32, Integer.highestOneBit(legacyEnd - 1) << 1);
        PciIdentity id = new PciIdentity(VENDOR, model.transitionalPciDeviceId(), 0, model.pciClass(), VENDOR,
                model.deviceType(), 1);
        List<PciBar> bars = new ArrayList<>();
        bars.add(new PciBar.IoBar(0, barSize, new PortIoHandler() {
            @Override
            public int read(int offset, int size) {
                return readRegisters(offset, size);
            }

            @Override
            public void write(int offset, int size, int value) {
                writeRegisters(offset, size, value);
            }
        }));
        byte[] caps = new byte[0];
        if (modern) {
            bars.add(new PciBar.MemoryBar(ModernRegisters.BAR, ModernRegisters.BAR_SIZE, new ModernRegisters(this)));
            caps = ModernRegisters.capabilities(model.config().length, sizes.size());
        }
        int msixAt = PciFunction.CAPABILITIES + caps.length;
        if (msix) {
            bars.add(new PciBar.MemoryBar(VirtioMsix.BAR, MsixTable.BAR_SIZE, this.msix.table()));
            caps[ModernRegisters.LAST_CAPABILITY + 1] = (byte) msixAt;
            byte[] all = java.util.Arrays.copyOf(caps, caps.length + MsixTable.CAPABILITY_LENGTH);
            System.arraycopy(this.msix.table().capability(0), 0, all, caps.length, MsixTable.CAPABILITY_LENGTH);
            caps = all;
        }
        this.function = new PciFunction(context.instanceName(), id, bars, caps, context.ports(), context.mmio());
        if (msix) {
            this.msix.table().attach(function, msixAt);
        }
        model.attach(this);
    }

    /** A provider's {@code msix} key, refused without the virtio 1.0 interface that carries the vector registers. */
    public static boolean msix(Config c) {
        if (c.bool("msix") && !c.bool("modern")) {
            throw new ConfigException("config key 'msix' = true needs 'modern' = true: MSI-X comes with the virtio 1.0 interface");
        }
        return c.bool("msix");
    }

    /** The PCI function (configuration space). */
    public PciFunction function() {
        return function;
    }

    /** The device type behind this transport. */
    public VirtioModel model() {
        return model;
    }

    /** Why the device last entered NEEDS_RESET, or empty. */
    public synchronized String lastFault() {
        return lastFault;
    }

    @Override
    public void realize() {
        PciBus bus = context.services().find(PciBus.class).orElseThrow(() -> new IllegalStateException(
                context.instanceName() + ": the machine has no PCI bus; add a 'pci-host' device before it"));
        attachment = bus.bus(busName).attach(slot, function);
        model.realize();
    }

    @Override
    public synchronized void reset() {
        function.reset();
        if (msix != null) {
            msix.table().reset();
        }
        resetDevice();
    }

    private void resetDevice() {
        driverFeatures = 0;
        status = 0;
        isr = 0;
        queueSelect = 0;
        deviceFeatureSelect = 0;
        driverFeatureSelect = 0;
        lastFault = "";
        queues.forEach(Virtqueue::reset);
        if (msix != null) {
            msix.resetVectors();
        }
        model.reset();
        function.setInterrupt(false);
    }

    @Override
    public void powerOff() {
        model.powerOff();
        function.release();
        if (attachment != null) {
            attachment.close();
            attachment = null;
        }
    }

    @Override
    public Optional<String> unplugBlocker() {
        return function.guestHold().map(why -> context.instanceName() + ": " + why);
    }

    @Override
    public boolean requestEjection() {
        return function.requestEjection();
    }

    // --- legacy register block ---

    private synchronized int readRegisters(int offset, int size) {
        snapshotRegisters();
        byte[] config = model.config();
        int configAt = configOffset();
        int v = 0;
        boolean readsIsr = false;
        for (int i = 0; i < size; i++) {
            int o = offset + i;
            int b;
            if (o < CONFIG) {
                b = registers[o] & 0xff;
                readsIsr |= o == ISR;
            } else if (o < configAt) {
                b = legacyVectors() >>> (8 * (o - CONFIG)) & 0xff;
            } else {
                b = o - configAt < config.length ? config[o - configAt] & 0xff : 0;
            }
            v |= b << (8 * i);
        }
        if (readsIsr) {
            takeIsr();
        }
        return v;
    }

    /** Reads the ISR, which acknowledges the interrupt (INTx semantics). */
    synchronized int takeIsr() {
        int v = isr;
        isr = 0;
        function.setInterrupt(false);
        return v;
    }

    private void snapshotRegisters() {
        Virtqueue q = selected();
        put(DEVICE_FEATURES, 4, (int) deviceFeatures());
        put(DRIVER_FEATURES, 4, (int) driverFeatures);
        put(QUEUE_PFN, 4, q == null ? 0 : (int) q.legacyPfn());
        put(QUEUE_SIZE, 2, q == null ? 0 : q.maxSize());
        put(QUEUE_SELECT, 2, queueSelect);
        put(QUEUE_NOTIFY, 2, 0);
        put(STATUS, 1, status);
        put(ISR, 1, isr);
    }

    private void put(int offset, int bytes, int value) {
        for (int i = 0; i < bytes; i++) {
            registers[offset + i] = (byte) (value >>> (8 * i));
        }
    }

    private int get(int offset, int bytes) {
        int v = 0;
        for (int i = 0; i < bytes; i++) {
            v |= (registers[offset + i] & 0xff) << (8 * i);
        }
        return v;
    }

    private synchronized void writeRegisters(int offset, int size, int value) {
        snapshotRegisters();
        int configAt = configOffset();
        int vectors = legacyVectors();
        int vectorBytes = 0;
        int touched = 0;
        for (int i = 0; i < size; i++) {
            int o = offset + i;
            int b = (value >>> (8 * i)) & 0xff;
            if (o < CONFIG) {
                registers[o] = (byte) b;
                touched |= 1 << registerOf(o);
            } else if (o < configAt) {
                int shift = 8 * (o - CONFIG);
                vectors = vectors & ~(0xff << shift) | b << shift;
                vectorBytes |= 1 << (o - CONFIG);
            } else {
                model.configWrite(o - configAt, b);
            }
        }
        if ((vectorBytes & 0x3) != 0) {
            msix.setConfigVector(vectors & 0xffff);
        }
        if ((vectorBytes & 0xc) != 0) {
            msix.setQueueVector(queueSelect, vectors >>> 16);
        }
        // Act once per register, in register order, so a wide write behaves like the narrow ones.
        if ((touched & (1 << DRIVER_FEATURES)) != 0) {
            driverFeatures = get(DRIVER_FEATURES, 4) & 0xffff_ffffL & deviceFeatures();
        }
        if ((touched & (1 << QUEUE_SELECT)) != 0) {
            queueSelect = get(QUEUE_SELECT, 2);
        }
        if ((touched & (1 << QUEUE_PFN)) != 0 && selected() != null) {
            selected().setLegacyPfn(get(QUEUE_PFN, 4) & 0xffff_ffffL);
        }
        if ((touched & (1 << STATUS)) != 0) {
            writeStatus(get(STATUS, 1));
        }
        if ((touched & (1 << QUEUE_NOTIFY)) != 0) {
            notifyQueue(get(QUEUE_NOTIFY, 2));
        }
    }

    /** Where the legacy block's device configuration starts: after the vector registers while MSI-X is on. */
    private int configOffset() {
        return msixOn() ? CONFIG + MSIX_VECTORS_LENGTH : CONFIG;
    }

    /** The legacy vector registers: the configuration vector, then the selected queue's. */
    private int legacyVectors() {
        return msix == null ? -1 : msix.configVector() | msix.queueVector(queueSelect) << 16;
    }

    private boolean msixOn() {
        return msix != null && msix.enabled();
    }

    synchronized int configVector() {
        return msix == null ? VirtioMsix.NO_VECTOR : msix.configVector();
    }

    synchronized void setConfigVector(int vector) {
        if (msix != null) {
            msix.setConfigVector(vector);
        }
    }

    synchronized int queueVector() {
        return msix == null ? VirtioMsix.NO_VECTOR : msix.queueVector(queueSelect);
    }

    synchronized void setQueueVector(int vector) {
        if (msix != null) {
            msix.setQueueVector(queueSelect, vector);
        }
    }

    private static int registerOf(int offset) {
        return switch (offset) {
            case 0, 1, 2, 3 -> DEVICE_FEATURES;
            case 4, 5, 6, 7 -> DRIVER_FEATURES;
            case 8, 9, 10, 11 -> QUEUE_PFN;
            case 12, 13 -> QUEUE_SIZE;
            case 14, 15 -> QUEUE_SELECT;
            case 16, 17 -> QUEUE_NOTIFY;
            case 18 -> STATUS;
            default -> ISR;
        };
    }

    private Virtqueue selected() {
        return queueSelect < queues.size() ? queues.get(queueSelect) : null;
    }

    synchronized Virtqueue selectedQueue() {
        return selected();
    }

    /** Every feature offered; VERSION_1 only with the modern interface (bit 32 is invisible to legacy). */
    long deviceFeatures() {
        return modern ? model.features() | 1L << F_VERSION_1 : model.features();
    }

    synchronized long driverFeatures() {
        return driverFeatures;
    }

    synchronized int deviceFeatureSelect() {
        return deviceFeatureSelect;
    }

    synchronized void setDeviceFeatureSelect(int select) {
        deviceFeatureSelect = select;
    }

    synchronized int driverFeatureSelect() {
        return driverFeatureSelect;
    }

    synchronized void setDriverFeatureSelect(int select) {
        driverFeatureSelect = select;
    }

    /** Sets the 32 driver feature bits the driver feature select names; other windows do not exist. */
    synchronized void setDriverFeatureWindow(int bits) {
        if (driverFeatureSelect > 1 || (status & STATUS_FEATURES_OK) != 0) {
            return;
        }
        int shift = 32 * driverFeatureSelect;
        long window = 0xffff_ffffL << shift;
        driverFeatures = (driverFeatures & ~window | (bits & 0xffff_ffffL) << shift) & deviceFeatures();
    }

    int queueCount() {
        return queues.size();
    }

    synchronized int status() {
        return status;
    }

    synchronized int queueSelect() {
        return queueSelect;
    }

    synchronized void setQueueSelect(int select) {
        queueSelect = select & 0xffff;
    }

    synchronized void writeStatus(int value) {
        if (value == 0) {
            resetDevice();
            return;
        }
        if ((value & STATUS_FEATURES_OK) != 0 && (status & STATUS_FEATURES_OK) == 0 && modern
                && !negotiated(F_VERSION_1)) {
            // A modern driver must accept VERSION_1; leaving FEATURES_OK clear tells it the
            // feature set was refused. Legacy drivers never set FEATURES_OK.
            value &= ~STATUS_FEATURES_OK;
        }
        boolean wasOk = (status & STATUS_DRIVER_OK) != 0;
        status = (value & ~STATUS_NEEDS_RESET) | (status & STATUS_NEEDS_RESET);
        if (!wasOk && running()) {
            guarded(model::driverReady);
        }
    }

    synchronized void notifyQueue(int index) {
        if (index < queues.size() && queues.get(index).enabled() && (status & STATUS_NEEDS_RESET) == 0) {
            guarded(() -> model.queueNotified(index));
        }
    }

    private void guarded(RingWork work) {
        try {
            work.run();
        } catch (RingException e) {
            fail(e.getMessage());
        }
    }

    private void fail(String why) {
        lastFault = why;
        status |= STATUS_NEEDS_RESET;
        isr |= ISR_CONFIG;
        if (msixOn()) {
            msix.signalConfig();
        } else {
            function.setInterrupt(true);
        }
    }

    // --- VirtioTransport ---

    @Override
    public GuestMemory memory() {
        return context.memory();
    }

    @Override
    public Virtqueue queue(int index) {
        return queues.get(index);
    }

    @Override
    public synchronized boolean negotiated(int bit) {
        return (driverFeatures >>> bit & 1) != 0;
    }

    @Override
    public synchronized boolean running() {
        return (status & (STATUS_DRIVER_OK | STATUS_NEEDS_RESET | STATUS_FAILED)) == STATUS_DRIVER_OK;
    }

    @Override
    public synchronized void usedBuffers(Virtqueue queue) {
        if (queue.interruptSuppressed()) {
            return;
        }
        if (msixOn()) {
            msix.signalQueue(queue.index());
        } else {
            isr |= ISR_QUEUE;
            function.setInterrupt(true);
        }
    }

    @Override
    public synchronized void locked(RingWork work) {
        guarded(work);
    }

    @Override
    public MachineControl machine() {
        return context.machine();
    }

    @Override
    public String name() {
        return context.instanceName();
    }

    // --- saved state ---

    @Override
    public List<StateSection<?>> sections() {
        List<StateSection<?>> all = new ArrayList<>();
        all.add(function.section(context.instanceName()));
        all.add(new StateSection<VirtioState>() {
            @Override
            public String name() {
                return "virtio-pci";
            }

            @Override
            public String instance() {
                return context.instanceName();
            }

            @Override
            public Class<VirtioState> stateType() {
                return VirtioState.class;
            }

            @Override
            public VirtioState save() {
                return saveState();
            }

            @Override
            public Optional<String> validate(VirtioState s) {
                return problem(s);
            }

            @Override
            public void load(VirtioState s) {
                loadState(s);
            }

            @Override
            public List<Subsection<?>> subsections() {
                return msix == null ? List.of() : List.of(msix.subsection(context.instanceName(), VirtioPciDevice.this::updateIntx));
            }
        });
        all.addAll(model.sections());
        return all;
    }

    private synchronized VirtioState saveState() {
        return new VirtioState(driverFeatures, status, isr, queueSelect, deviceFeatureSelect, driverFeatureSelect,
                queues.stream().map(Virtqueue::save).toList());
    }

    private Optional<String> problem(VirtioState s) {
        String me = context.instanceName() + ": ";
        if (s.queues() == null || s.queues().size() != queues.size()) {
            return Optional.of(me + "saved state has " + (s.queues() == null ? 0 : s.queues().size())
                    + " queues, the device has " + queues.size());
        }
        if ((s.driverFeatures() & ~deviceFeatures()) != 0) {
            return Optional.of(me + "saved driver features 0x" + Long.toHexString(s.driverFeatures()) + " were never offered");
        }
        if ((s.status() & ~0xff) != 0 || (s.isr() & ~3) != 0 || (s.queueSelect() & ~0xffff) != 0) {
            return Optional.of(me + "status, ISR or queue select out of range");
        }
        for (int i = 0; i < queues.size(); i++) {
            Optional<String> p = queues.get(i).problem(s.queues().get(i));
            if (p.isPresent()) {
                return Optional.of(me + p.get());
            }
        }
        return Optional.empty();
    }

    private synchronized void loadState(VirtioState s) {
        driverFeatures = s.driverFeatures();
        status = s.status();
        isr = s.isr();
        queueSelect = s.queueSelect();
        deviceFeatureSelect = s.deviceFeatureSelect();
        driverFeatureSelect = s.driverFeatureSelect();
        for (int i = 0; i < queues.size(); i++) {
            queues.get(i).load(s.queues().get(i));
        }
        updateIntx();
    }

    /** INTx after a load: asserted while the ISR holds an event, unless MSI-X carries the events. */
    private synchronized void updateIntx() {
        function.setInterrupt(isr != 0 && !msixOn());
    }
}
