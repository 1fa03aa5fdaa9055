package dev.tern.devices.virtio.net;

import java.util.List;

/**
 * Saved state of a virtio-net device beyond its transport: frames received while the guest had no
 * buffers, and the counters.
 *
 * @param pending frames waiting for receive buffers, oldest first
 * @param received frames delivered to the guest
 * @param transmitted frames sent to the backend
 * @param rxDropped frames dropped on receive (no buffers and queue full, driver not ready, too big)
 * @param txDropped frames the guest sent that were malformed
 */
public record VirtioNetState(List<Frame> pending, long received, long transmitted, long rxDropped, long txDropped) {

    /**
     * One Ethernet frame.
     *
     * @param data the bytes, without virtio header
     */
    public record Frame(byte[] data) {
    }
}
