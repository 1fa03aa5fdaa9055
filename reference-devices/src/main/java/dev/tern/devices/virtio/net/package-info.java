/**
 * virtio-net and its host backends: an in-process {@link dev.tern.devices.virtio.net.NetHub}
 * joining VMs of one JVM, a UDP datagram socket (one Ethernet frame per datagram, like QEMU's
 * {@code -netdev dgram}) and none. Transmission runs on the notifying vCPU thread; received frames
 * reach the device only as {@code NetFrame} inputs through {@link dev.tern.spi.device.MachineControl#inputs}, the input path
 * that record/replay intercepts.
 */
package dev.tern.devices.virtio.net;
