/** Devices: a provider creates a device wired into a machine through its {@link dev.tern.spi.device.DeviceContext}. */
package dev.tern.spi.device;
