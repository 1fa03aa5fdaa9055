package dev.tern.devices.virtio;

/** A virtqueue broke a rule of the split ring format; the device must be reset by the driver. */
public final class RingException extends Exception {

    /** Says what was wrong and where. */
    public RingException(String message) {
        super(message);
    }
}
