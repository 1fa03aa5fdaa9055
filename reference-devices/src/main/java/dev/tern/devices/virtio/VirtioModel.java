package dev.tern.devices.virtio;

import dev.tern.spi.state.StateSection;

import java.util.List;

/**
 * What a virtio device type (block, network) supplies to the transport: its identity, features,
 * queues and configuration space, and what it does when the driver notifies a queue.
 * All calls come with the transport's lock held.
 */
public interface VirtioModel {

    /** The virtio device id (1 network, 2 block). */
    int deviceType();

    /**
     * The transitional PCI device id (0x1000 network, 0x1001 block): a fixed table from the era
     * before virtio 1.0, not derivable from the device type.
     */
    int transitionalPciDeviceId();

    /** PCI class code (class, subclass, interface). */
    int pciClass();

    /** Feature bits the device offers. */
    long features();

    /** The maximum size of each queue, by index. */
    List<Integer> queueSizes();

    /** The device-specific configuration space as the driver reads it (little-endian fields). */
    byte[] config();

    /** A driver write of one byte of configuration space; read-only by default. */
    default void configWrite(int offset, int value) {
    }

    /** Called once, before any other call, with the transport the device works through. */
    void attach(VirtioTransport transport);

    /** The driver notified queue {@code queue}. */
    void queueNotified(int queue) throws RingException;

    /** The driver set DRIVER_OK. */
    default void driverReady() throws RingException {
    }

    /** The device was reset (by the driver or the machine): forget negotiated state. */
    void reset();

    /** Claims host resources (files, sockets). */
    default void realize() {
    }

    /** Releases host resources. */
    default void powerOff() {
    }

    /** Model-specific saved state. */
    default List<StateSection<?>> sections() {
        return List.of();
    }
}
