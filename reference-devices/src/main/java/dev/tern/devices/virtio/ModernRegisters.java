package dev.tern.devices.virtio;

import dev.tern.spi.io.MmioHandler;

/**
 * The virtio 1.0 register regions in memory BAR 4, located by vendor-specific PCI capabilities:
 * common configuration at 0x0000, ISR at 0x1000, device configuration at 0x2000 and queue
 * notification at 0x3000 (4 bytes per queue). The vector registers (msix_config, queue_msix_vector)
 * name MSI-X table entries when the device offers MSI-X ({@link VirtioMsix}); without it they read
 * VIRTIO_MSI_NO_VECTOR and interrupts are INTx with the ISR, as in the legacy interface.
 */
final class ModernRegisters implements MmioHandler {

    /** BAR number and size. */
    static final int BAR = 4;
    static final int BAR_SIZE = 0x4000;
    static final int COMMON = 0x0000;
    static final int COMMON_LENGTH = 0x38;
    static final int ISR = 0x1000;
    static final int DEVICE = 0x2000;
    static final int NOTIFY = 0x3000;
    static final int NOTIFY_MULTIPLIER = 4;

    private static final int CAP_VENDOR = 0x09;
    private static final int TYPE_COMMON = 1;
    private static final int TYPE_NOTIFY = 2;
    private static final int TYPE_ISR = 3;
    private static final int TYPE_DEVICE = 4;
    /** Where the last capability (notification) starts in {@link #capabilities}' bytes. */
    static final int LAST_CAPABILITY = 48;

    private final VirtioPciDevice device;
    private final byte[] common = new byte[COMMON_LENGTH];

    ModernRegisters(VirtioPciDevice device) {
        this.device = device;
    }

    /** The capability list, placed at PCI config offset 0x40, describing the regions. */
    static byte[] capabilities(int deviceConfigLength, int queues) {
        byte[] caps = new byte[16 * 3 + 20];
        int base = 0x40;
        capability(caps, 0, base + 16, 16, TYPE_COMMON, COMMON, COMMON_LENGTH);
        capability(caps, 16, base + 32, 16, TYPE_ISR, ISR, 1);
        capability(caps, 32, base + 48, 16, TYPE_DEVICE, DEVICE, Math.max(1, deviceConfigLength));
        capability(caps, LAST_CAPABILITY, 0, 20, TYPE_NOTIFY, NOTIFY, NOTIFY_MULTIPLIER * queues);
        putInt(caps, LAST_CAPABILITY + 16, NOTIFY_MULTIPLIER);
        return caps;
    }

    private static void capability(byte[] caps, int at, int next, int length, int type, int offset, int size) {
        caps[at] = CAP_VENDOR;
        caps[at + 1] = (byte) next;
        caps[at + 2] = (byte) length;
        caps[at + 3] = (byte) type;
        caps[at + 4] = BAR;
        putInt(caps, at + 8, offset);
        putInt(caps, at + 12, size);
    }

    private static void putInt(byte[] b, int at, int v) {
        for (int i = 0; i < 4; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    @Override
    public long read(long offset, int size) {
        synchronized (device) {
            long v = 0;
            for (int i = 0; i < size; i++) {
                v |= (long) readByte(offset + i) << (8 * i);
            }
            return v;
        }
    }

    private int readByte(long o) {
        if (o >= COMMON && o < COMMON + COMMON_LENGTH) {
            snapshotCommon();
            return common[(int) o] & 0xff;
        } else if (o == ISR) {
            return device.takeIsr();
        } else if (o >= DEVICE && o < NOTIFY) {
            byte[] config = device.model().config();
            return o - DEVICE < config.length ? config[(int) (o - DEVICE)] & 0xff : 0;
        }
        return 0;
    }

    @Override
    public void write(long offset, int size, long value) {
        synchronized (device) {
            if (offset >= NOTIFY && offset < BAR_SIZE) {
                // The driver writes the queue's index to the queue's notification address.
                device.notifyQueue((int) (value & 0xffff));
            } else if (offset >= DEVICE && offset < NOTIFY) {
                for (int i = 0; i < size; i++) {
                    device.model().configWrite((int) (offset - DEVICE) + i, (int) (value >>> (8 * i)) & 0xff);
                }
            } else if (offset < COMMON_LENGTH) {
                writeCommon((int) offset, size, value);
            }
        }
    }

    private void snapshotCommon() {
        Virtqueue q = device.selectedQueue();
        put(0x00, 4, device.deviceFeatureSelect());
        put(0x04, 4, featureWindow(device.deviceFeatures(), device.deviceFeatureSelect()));
        put(0x08, 4, device.driverFeatureSelect());
        put(0x0c, 4, featureWindow(device.driverFeatures(), device.driverFeatureSelect()));
        put(0x10, 2, device.configVector());
        put(0x12, 2, device.queueCount());
        put(0x14, 1, device.status());
        put(0x15, 1, 0); // config generation: the configuration never changes under the driver
        put(0x16, 2, device.queueSelect());
        put(0x18, 2, q == null ? 0 : q.size());
        put(0x1a, 2, device.queueVector());
        put(0x1c, 2, q != null && q.enabled() ? 1 : 0);
        put(0x1e, 2, q == null ? 0 : q.index());
        putLong(0x20, q == null ? 0 : q.descriptors());
        putLong(0x28, q == null ? 0 : q.avail());
        putLong(0x30, q == null ? 0 : q.used());
    }

    private static int featureWindow(long features, int select) {
        return select == 0 ? (int) features : select == 1 ? (int) (features >>> 32) : 0;
    }

    private void writeCommon(int offset, int size, long value) {
        snapshotCommon();
        long touched = 0;
        for (int i = 0; i < size && offset + i < COMMON_LENGTH; i++) {
            common[offset + i] = (byte) (value >>> (8 * i));
            touched |= 1L << (offset + i);
        }
        if (touches(touched, 0x00, 4)) {
            device.setDeviceFeatureSelect(get(0x00, 4));
        }
        if (touches(touched, 0x08, 4)) {
            device.setDriverFeatureSelect(get(0x08, 4));
        }
        if (touches(touched, 0x0c, 4)) {
            device.setDriverFeatureWindow(get(0x0c, 4));
        }
        if (touches(touched, 0x10, 2)) {
            device.setConfigVector(get(0x10, 2));
        }
        if (touches(touched, 0x16, 2)) {
            device.setQueueSelect(get(0x16, 2));
        }
        if (touches(touched, 0x1a, 2)) {
            device.setQueueVector(get(0x1a, 2));
        }
        Virtqueue q = device.selectedQueue();
        if (q != null) {
            if (touches(touched, 0x18, 2)) {
                q.setSize(get(0x18, 2));
            }
            if (touches(touched, 0x20, 8)) {
                q.setDescriptors(getLong(0x20));
            }
            if (touches(touched, 0x28, 8)) {
                q.setAvail(getLong(0x28));
            }
            if (touches(touched, 0x30, 8)) {
                q.setUsed(getLong(0x30));
            }
            if (touches(touched, 0x1c, 2) && get(0x1c, 2) == 1) {
                q.enable();
            }
        }
        if (touches(touched, 0x14, 1)) {
            device.writeStatus(get(0x14, 1));
        }
    }

    private static boolean touches(long touched, int offset, int length) {
        return (touched >>> offset & ((1L << length) - 1)) != 0;
    }

    private void put(int offset, int bytes, int value) {
        for (int i = 0; i < bytes; i++) {
            common[offset + i] = (byte) (value >>> (8 * i));
        }
    }

    private void putLong(int offset, long value) {
        put(offset, 4, (int) value);
        put(offset + 4, 4, (int) (value >>> 32));
    }

    private int get(int offset, int bytes) {
        int v = 0;
        for (int i = 0; i < bytes; i++) {
            v |= (common[offset + i] & 0xff) << (8 * i);
        }
        return v;
    }

    private long getLong(int offset) {
        return (get(offset, 4) & 0xffff_ffffL) | (long) get(offset + 4, 4) << 32;
    }
}
