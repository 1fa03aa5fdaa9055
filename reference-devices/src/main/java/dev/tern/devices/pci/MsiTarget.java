package dev.tern.devices.pci;

/**
 * Where a PCI function's message-signalled interrupts go. A message is a dword memory write of
 * {@code data} to {@code address}; the local APICs claim the window at 0xFEE00000 (address bits
 * 19:12 the destination, bit 2 logical mode; data bits 7:0 the vector, 10:8 the delivery mode, 15
 * level trigger). The APIC bus publishes one as a machine service.
 */
@FunctionalInterface
public interface MsiTarget {

    /** The first address of the window the local APICs claim. */
    long WINDOW = 0xFEE0_0000L;
    /** Its size. */
    long WINDOW_SIZE = 0x10_0000L;

    /** Delivers the message {@code data} written to {@code address}, which lies in the window. */
    void deliver(long address, int data);
}
