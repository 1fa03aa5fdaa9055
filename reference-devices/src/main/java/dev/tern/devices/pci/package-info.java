/**
 * PCI: an i440FX-like host bridge decoding configuration mechanism #1 at ports 0xCF8/0xCFC, bus 0,
 * and the configuration space of a PCI function (BAR sizing and mapping, command/status, INTx).
 *
 * <p>How functions find the bus: the {@code pci-host} device creates the machine's {@link
 * dev.tern.devices.pci.PciBus} when it is created and publishes it in the machine's
 * {@link dev.tern.spi.device.MachineServices}; PCI devices look it up when they are realized, which
 * the kernel does only after every device was created, so the order of devices in a machine
 * description does not matter. The lookup is per machine and the host withdraws its bus at
 * power-off, so machines never see each other's buses.
 */
package dev.tern.devices.pci;
