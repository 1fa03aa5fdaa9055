package dev.tern.devices.pci;

import dev.tern.spi.io.MmioHandler;
import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.memory.RamRegion;

import java.util.Arrays;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The MSI-X of one PCI function (PCI Local Bus 3.0, 6.8.2): the capability that names it, whose
 * Message Control enable and function-mask bits are live registers, and the vector table and
 * pending-bit array the capability places in a memory BAR (table at offset 0, pending bits at
 * {@link #PBA}). A vector signalled while masked sets its pending bit and is sent once unmasked.
 * A message whose address lies outside the local APICs' window is the memory write it stands for.
 */
public final class MsixTable implements MmioHandler {

    /** Capability ID. */
    public static final int CAPABILITY_ID = 0x11;
    /** Capability length in configuration space. */
    public static final int CAPABILITY_LENGTH = 12;
    /** Where the pending-bit array starts in the BAR. */
    public static final int PBA = 0x800;
    /** The BAR's size: the table (up to 128 vectors) and the pending bits. */
    public static final int BAR_SIZE = 0x1000;
    /** At most this many vectors (one pending-bit qword). */
    public static final int MAX_VECTORS = 64;

    private static final int ENTRY = 16;
    private static final int CONTROL_ENABLE = 1 << 15;
    private static final int CONTROL_FUNCTION_MASK = 1 << 14;
    private static final int VECTOR_MASKED = 1;

    private final String owner;
    private final int vectors;
    private final int bar;
    private final GuestMemory memory;
    /** Looked up at delivery: the APIC bus may be created after the function. */
    private final Supplier<Optional<MsiTarget>> target;
    private final int[] table;
    private long pending;
    private boolean enabled;
    private boolean functionMasked;

    /**
     * {@code vectors} vectors of function {@code owner}, in memory BAR {@code bar}; messages go to
     * {@code target} (the local APICs) or, outside their window, to {@code memory}.
     */
    public MsixTable(String owner, int vectors, int bar, GuestMemory memory, Supplier<Optional<MsiTarget>> target) {
        if (vectors < 1 || vectors > MAX_VECTORS) {
            throw new IllegalArgumentException(owner + ": " + vectors + " MSI-X vectors, not 1.." + MAX_VECTORS);
        }
        this.owner = owner;
        this.vectors = vectors;
        this.bar = bar;
        this.memory = memory;
        this.target = target;
        this.table = new int[4 * vectors];
        reset();
    }

    /** The number of vectors. */
    public int vectors() {
        return vectors;
    }

    /** The BAR the table lives in. */
    public int bar() {
        return bar;
    }

    /** The capability's bytes, {@code next} the offset of the capability after it (0: none). */
    public byte[] capability(int next) {
        byte[] c = new byte[CAPABILITY_LENGTH];
        c[0] = CAPABILITY_ID;
        c[1] = (byte) next;
        c[2] = (byte) (vectors - 1);
        c[4] = (byte) bar; // table at offset 0
        c[8] = (byte) (PBA | bar);
        c[9] = (byte) (PBA >>> 8);
        return c;
    }

    /** Makes Message Control of the capability at config offset {@code capability} in {@code function} live. */
    public void attach(PciFunction function, int capability) {
        function.intercept(capability + 2, capability + 4, new ConfigRegisters() {
            @Override
            public int read(int offset, int size) {
                return messageControl() >>> (8 * offset) & (1 << (8 * size)) - 1;
            }

            @Override
            public void write(int offset, int size, int value) {
                int mask = ((1 << (8 * size)) - 1) << (8 * offset);
                writeMessageControl(messageControl() & ~mask | (value << (8 * offset)) & mask);
            }
        });
    }

    /** Power-on state: disabled, every vector masked with a zero message, nothing pending. */
    public synchronized void reset() {
        Arrays.fill(table, 0);
        for (int v = 0; v < vectors; v++) {
            table[4 * v + 3] = VECTOR_MASKED;
        }
        pending = 0;
        enabled = false;
        functionMasked = false;
    }

    /** Whether the guest enabled MSI-X (then the function must not use INTx). */
    public synchronized boolean enabled() {
        return enabled;
    }

    /**
     * Signals {@code vector}: sends its message, or sets its pending bit while it or the function is
     * masked. A vector the table does not have (the virtio NO_VECTOR 0xffff) signals nothing.
     */
    public void signal(int vector) {
        long address;
        int data;
        synchronized (this) {
            if (!enabled || vector < 0 || vector >= vectors) {
                return;
            }
            if (functionMasked || (table[4 * vector + 3] & VECTOR_MASKED) != 0) {
                pending |= 1L << vector;
                return;
            }
            address = messageAddress(vector);
            data = table[4 * vector + 2];
        }
        send(address, data);
    }

    private long messageAddress(int vector) {
        return (table[4 * vector] & 0xffff_ffffL) | (long) table[4 * vector + 1] << 32;
    }

    private void send(long address, int data) {
        if (address >= MsiTarget.WINDOW && address < MsiTarget.WINDOW + MsiTarget.WINDOW_SIZE) {
            target.get().ifPresent(t -> t.deliver(address, data));
            return;
        }
        RamRegion r = memory.regionAt(address);
        if (r != null && !r.readOnly() && r.contains(address + 3)) {
            memory.writeU32(address, data);
        }
    }

    private synchronized int messageControl() {
        return (vectors - 1) | (functionMasked ? CONTROL_FUNCTION_MASK : 0) | (enabled ? CONTROL_ENABLE : 0);
    }

    private void writeMessageControl(int value) {
        synchronized (this) {
            enabled = (value & CONTROL_ENABLE) != 0;
            functionMasked = (value & CONTROL_FUNCTION_MASK) != 0;
        }
        sendUnmaskedPending();
    }

    /** Sends, and clears, the pending bit of every vector that is no longer masked. */
    private void sendUnmaskedPending() {
        while (true) {
            long address;
            int data;
            synchronized (this) {
                if (!enabled || functionMasked) {
                    return;
                }
                int ready = -1;
                for (int v = 0; v < vectors && ready < 0; v++) {
                    if ((pending >>> v & 1) != 0 && (table[4 * v + 3] & VECTOR_MASKED) == 0) {
                        ready = v;
                    }
                }
                if (ready < 0) {
                    return;
                }
                pending &= ~(1L << ready);
                address = messageAddress(ready);
                data = table[4 * ready + 2];
            }
            send(address, data);
        }
    }

    @Override
    public synchronized long read(long offset, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) {
            v |= (long) readByte(offset + i) << (8 * i);
        }
        return v;
    }

    private int readByte(long o) {
        if (o >= 0 && o < (long) ENTRY * vectors) {
            return table[(int) (o >>> 2)] >>> (8 * (o & 3)) & 0xff;
        }
        if (o >= PBA && o < PBA + 8) {
            return (int) (pending >>> (8 * (o - PBA))) & 0xff;
        }
        return 0;
    }

    @Override
    public void write(long offset, int size, long value) {
        synchronized (this) {
            for (int i = 0; i < size; i++) {
                long o = offset + i;
                if (o < 0 || o >= (long) ENTRY * vectors) {
                    continue; // the pending bits are read-only, the rest of the BAR reserved
                }
                int word = (int) (o >>> 2);
                int shift = 8 * (int) (o & 3);
                int b = (int) (value >>> (8 * i)) & 0xff;
                int next = table[word] & ~(0xff << shift) | b << shift;
                table[word] = (word & 3) == 3 ? next & VECTOR_MASKED : next; // vector control: only the mask bit
            }
        }
        sendUnmaskedPending();
    }

    /** The state to save. */
    public synchronized MsixState save() {
        return new MsixState(enabled, functionMasked, table.clone(), pending);
    }

    /** Why {@code s} cannot be this function's MSI-X state, or empty. */
    public Optional<String> problem(MsixState s) {
        if (s.table() == null || s.table().length != table.length) {
            return Optional.of(owner + ": saved MSI-X table has " + (s.table() == null ? 0 : s.table().length / 4)
                    + " vectors, the function has " + vectors);
        }
        if (vectors < MAX_VECTORS && s.pending() >>> vectors != 0) {
            return Optional.of(owner + ": saved MSI-X pending bits 0x" + Long.toHexString(s.pending())
                    + " name vectors beyond " + (vectors - 1));
        }
        return Optional.empty();
    }

    /** Applies a state {@link #problem} accepted; nothing is sent (a pending vector waits for its unmask). */
    public synchronized void load(MsixState s) {
        System.arraycopy(s.table(), 0, table, 0, table.length);
        for (int v = 0; v < vectors; v++) {
            table[4 * v + 3] &= VECTOR_MASKED;
        }
        pending = s.pending();
        enabled = s.enabled();
        functionMasked = s.functionMasked();
    }
}
