package dev.tern.devices.virtio;

import dev.tern.spi.device.MachineControl;
import dev.tern.spi.memory.GuestMemory;

/** What a {@link VirtioModel} sees of its transport. */
public interface VirtioTransport {

    /** Guest memory, for the buffers of descriptor chains. */
    GuestMemory memory();

    /** Queue {@code index}. */
    Virtqueue queue(int index);

    /** Whether the driver accepted feature {@code bit}. */
    boolean negotiated(int bit);

    /** Whether the driver set DRIVER_OK and the device does not need a reset. */
    boolean running();

    /** Tells the driver that {@code queue}'s used ring advanced (unless it suppressed that). */
    void usedBuffers(Virtqueue queue);

    /**
     * Runs {@code work} under the transport's lock, for events arriving off the vCPU thread; a
     * broken ring puts the device into NEEDS_RESET.
     */
    void locked(RingWork work);

    /** Work on the rings that may find them broken. */
    @FunctionalInterface
    interface RingWork {
        /** Does the work. */
        void run() throws RingException;
    }

    /** The machine, for sending host-side input through its input path. */
    MachineControl machine();

    /** The device's instance name, for errors and threads. */
    String name();
}
