package dev.tern.devices.virtio;

import java.util.List;

/**
 * Saved state of a virtio PCI transport: negotiation, status and the rings in flight.
 *
 * @param driverFeatures features the driver accepted
 * @param status device status register
 * @param isr interrupt status (bit 0 used buffers, bit 1 configuration change)
 * @param queueSelect the queue the queue registers address
 * @param deviceFeatureSelect which 32 feature bits the modern device_feature register shows
 * @param driverFeatureSelect which 32 feature bits the modern driver_feature register sets
 * @param queues every queue
 */
public record VirtioState(long driverFeatures, int status, int isr, int queueSelect, int deviceFeatureSelect,
        int driverFeatureSelect, List<VirtqueueState> queues) {
}
