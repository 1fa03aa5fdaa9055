package dev.tern.devices.virtio;

/**
 * Saved state of one split virtqueue: where its rings are and how far the device got.
 *
 * @param size entries (a power of two), as negotiated
 * @param descriptors guest address of the descriptor table
 * @param avail guest address of the available ring
 * @param used guest address of the used ring
 * @param enabled whether the driver set the queue up
 * @param lastAvail the next available-ring index the device will read
 * @param usedIndex the device's used-ring index
 */
public record VirtqueueState(int size, long descriptors, long avail, long used, boolean enabled, int lastAvail,
        int usedIndex) {
}
