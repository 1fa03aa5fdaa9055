package dev.tern.devices.virtio;

import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.memory.RamRegion;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A split virtqueue in guest memory: descriptor table (16-byte entries), available ring (flags,
 * idx, ring[size], used_event) and used ring (flags, idx, ring[size] of {id, len}, avail_event).
 * Every index and address read from the guest is checked; violations raise {@link RingException}.
 */
public final class Virtqueue {

    /** Legacy rings are laid out with the used ring on the next 4 KiB boundary. */
    public static final int LEGACY_ALIGN = 4096;
    /** Bound on the bytes of one request in either direction. */
    public static final long MAX_CHAIN_BYTES = 64L << 20;

    private static final int DESC_F_NEXT = 1;
    private static final int DESC_F_WRITE = 2;
    private static final int DESC_F_INDIRECT = 4;
    private static final int AVAIL_F_NO_INTERRUPT = 1;

    private final GuestMemory memory;
    private final int index;
    private final int maxSize;
    private int size;
    private long descriptors;
    private long avail;
    private long used;
    private boolean enabled;
    private int lastAvail;
    private int usedIndex;

    /** Queue {@code index} of at most {@code maxSize} entries (a power of two), in {@code memory}. */
    public Virtqueue(GuestMemory memory, int index, int maxSize) {
        if (Integer.bitCount(maxSize) != 1 || maxSize > 32768) {
            throw new IllegalArgumentException("virtqueue size " + maxSize + " is not a power of two up to 32768");
        }
        this.memory = memory;
        this.index = index;
        this.maxSize = maxSize;
        reset();
    }

    /** Back to the unconfigured state. */
    public void reset() {
        size = maxSize;
        descriptors = 0;
        avail = 0;
        used = 0;
        enabled = false;
        lastAvail = 0;
        usedIndex = 0;
    }

    /** The queue number. */
    public int index() {
        return index;
    }

    /** The largest size the device supports. */
    public int maxSize() {
        return maxSize;
    }

    /** The current size. */
    public int size() {
        return size;
    }

    /** Whether the driver has set the queue up. */
    public boolean enabled() {
        return enabled;
    }

    /** Guest address of the descriptor table. */
    public long descriptors() {
        return descriptors;
    }

    /**
     * Legacy setup: the rings are contiguous at page frame {@code pfn} with the maximum size; 0
     * disables the queue.
     */
    public void setLegacyPfn(long pfn) {
        if (pfn == 0) {
            reset();
            return;
        }
        size = maxSize;
        descriptors = pfn * LEGACY_ALIGN;
        avail = descriptors + 16L * size;
        long availEnd = avail + 6 + 2L * size;
        used = (availEnd + LEGACY_ALIGN - 1) & -LEGACY_ALIGN;
        enabled = true;
        lastAvail = 0;
        usedIndex = 0;
    }

    /** Modern setup: the driver picks a size (a power of two up to the maximum) while disabled. */
    public void setSize(int newSize) {
        if (!enabled && newSize > 0 && newSize <= maxSize && Integer.bitCount(newSize) == 1) {
            size = newSize;
        }
    }

    /** Modern setup: the descriptor table address, while disabled. */
    public void setDescriptors(long gpa) {
        if (!enabled) {
            descriptors = gpa;
        }
    }

    /** Modern setup: the available ring address, while disabled. */
    public void setAvail(long gpa) {
        if (!enabled) {
            avail = gpa;
        }
    }

    /** Modern setup: the used ring address, while disabled. */
    public void setUsed(long gpa) {
        if (!enabled) {
            used = gpa;
        }
    }

    /** Modern setup: the driver enables the queue; rings start at index 0. */
    public void enable() {
        if (!enabled) {
            enabled = true;
            lastAvail = 0;
            usedIndex = 0;
        }
    }

    /** Guest address of the available ring. */
    public long avail() {
        return avail;
    }

    /** Guest address of the used ring. */
    public long used() {
        return used;
    }

    /** The legacy page frame register: the descriptor table's page, or 0 when disabled. */
    public long legacyPfn() {
        return enabled ? descriptors / LEGACY_ALIGN : 0;
    }

    /**
     * Takes the next available chain, or empty when the driver has offered nothing new.
     *
     * @throws RingException when the ring is malformed
     */
    public Optional<DescriptorChain> pop() throws RingException {
        if (!enabled) {
            return Optional.empty();
        }
        checkRings();
        int availIdx = memory.readU16(avail + 2);
        int pending = (availIdx - lastAvail) & 0xffff;
        if (pending == 0) {
            return Optional.empty();
        }
        if (pending > size) {
            throw fault("available index " + availIdx + " is " + pending + " ahead of the device, more than the queue size");
        }
        int head = memory.readU16(avail + 4 + 2L * (lastAvail & (size - 1)));
        DescriptorChain chain = walk(head);
        lastAvail = (lastAvail + 1) & 0xffff;
        return Optional.of(chain);
    }

    private DescriptorChain walk(int head) throws RingException {
        if (head >= size) {
            throw fault("chain head " + head + " is outside the descriptor table of " + size);
        }
        List<DescriptorChain.Segment> readable = new ArrayList<>();
        List<DescriptorChain.Segment> writable = new ArrayList<>();
        long readBytes = 0;
        long writeBytes = 0;
        int i = head;
        for (int n = 0; ; n++) {
            if (n == size) {
                throw fault("descriptor chain from " + head + " is longer than the queue: a loop");
            }
            long d = descriptors + 16L * i;
            long addr = memory.readU64(d);
            long len = memory.readU32(d + 8) & 0xffff_ffffL;
            int flags = memory.readU16(d + 12);
            int next = memory.readU16(d + 14);
            if ((flags & DESC_F_INDIRECT) != 0) {
                throw fault("descriptor " + i + " is indirect, which was not negotiated");
            }
            boolean write = (flags & DESC_F_WRITE) != 0;
            if (!write && !writable.isEmpty()) {
                throw fault("descriptor " + i + " is device-readable after a device-writable one");
            }
            if (len > MAX_CHAIN_BYTES) {
                throw fault("descriptor " + i + " is " + len + " bytes long, more than " + MAX_CHAIN_BYTES);
            }
            if (len > 0) {
                checkInRam(addr, len, write, "descriptor " + i);
                if (write) {
                    writeBytes += len;
                    writable.add(new DescriptorChain.Segment(addr, (int) len));
                } else {
                    readBytes += len;
                    readable.add(new DescriptorChain.Segment(addr, (int) len));
                }
                if (readBytes > MAX_CHAIN_BYTES || writeBytes > MAX_CHAIN_BYTES) {
                    throw fault("descriptor chain from " + head + " exceeds " + MAX_CHAIN_BYTES + " bytes");
                }
            }
            if ((flags & DESC_F_NEXT) == 0) {
                break;
            }
            if (next >= size) {
                throw fault("descriptor " + i + " links to " + next + ", outside the table of " + size);
            }
            i = next;
        }
        return new DescriptorChain(head, readable, writable);
    }

    /**
     * Returns {@code chain} to the driver through the used ring, reporting {@code written} bytes.
     *
     * @throws RingException when the used ring is not in RAM
     */
    public void push(DescriptorChain chain, int written) throws RingException {
        checkRings();
        long entry = used + 4 + 8L * (usedIndex & (size - 1));
        memory.writeU32(entry, chain.head());
        memory.writeU32(entry + 4, written);
        usedIndex = (usedIndex + 1) & 0xffff;
        memory.writeU16(used + 2, usedIndex);
    }

    /** Whether the driver asked not to be interrupted (VRING_AVAIL_F_NO_INTERRUPT). */
    public boolean interruptSuppressed() {
        return enabled && (memory.readU16(avail) & AVAIL_F_NO_INTERRUPT) != 0;
    }

    /** Whether the driver has made chains available that the device has not taken. */
    public boolean hasAvailable() {
        return enabled && ((memory.readU16(avail + 2) - lastAvail) & 0xffff) != 0;
    }

    private void checkRings() throws RingException {
        checkInRam(descriptors, 16L * size, false, "descriptor table");
        checkInRam(avail, 6 + 2L * size, false, "available ring");
        checkInRam(used, 6 + 8L * size, true, "used ring");
    }

    private void checkInRam(long gpa, long len, boolean write, String what) throws RingException {
        RamRegion r = gpa < 0 ? null : memory.regionAt(gpa);
        if (r == null || len > r.end() - gpa || (write && r.readOnly())) {
            throw fault(what + " at 0x" + Long.toHexString(gpa) + "+0x" + Long.toHexString(len)
                    + " is not in " + (write ? "writable " : "") + "RAM");
        }
    }

    private RingException fault(String what) {
        return new RingException("virtqueue " + index + ": " + what);
    }

    /** Saves the queue. */
    public VirtqueueState save() {
        return new VirtqueueState(size, descriptors, avail, used, enabled, lastAvail, usedIndex);
    }

    /** Why {@code s} cannot be loaded, or empty. */
    public Optional<String> problem(VirtqueueState s) {
        if (s.size() <= 0 || s.size() > maxSize || Integer.bitCount(s.size()) != 1) {
            return Optional.of("virtqueue " + index + ": size " + s.size() + " is not a power of two up to " + maxSize);
        }
        if (((s.lastAvail() | s.usedIndex()) & ~0xffff) != 0) {
            return Optional.of("virtqueue " + index + ": ring index out of 16-bit range");
        }
        if (s.descriptors() < 0 || s.avail() < 0 || s.used() < 0) {
            return Optional.of("virtqueue " + index + ": negative ring address");
        }
        return Optional.empty();
    }

    /** Applies a state {@linkplain #problem checked} before. */
    public void load(VirtqueueState s) {
        size = s.size();
        descriptors = s.descriptors();
        avail = s.avail();
        used = s.used();
        enabled = s.enabled();
        lastAvail = s.lastAvail();
        usedIndex = s.usedIndex();
    }
}
