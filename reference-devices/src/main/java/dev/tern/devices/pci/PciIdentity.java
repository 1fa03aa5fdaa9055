package dev.tern.devices.pci;

/**
 * The read-only identification of a PCI function (type 0 header).
 *
 * @param vendorId vendor (0x8086 Intel, 0x1AF4 Red Hat/virtio)
 * @param deviceId device
 * @param revision revision id
 * @param classCode class, subclass and programming interface, 24 bits
 * @param subsystemVendorId subsystem vendor
 * @param subsystemId subsystem id
 * @param interruptPin 0 for none, 1..4 for INTA..INTD
 */
public record PciIdentity(int vendorId, int deviceId, int revision, int classCode, int subsystemVendorId,
        int subsystemId, int interruptPin) {

    public PciIdentity {
        if (((vendorId | deviceId | subsystemVendorId | subsystemId) & ~0xffff) != 0 || (revision & ~0xff) != 0
                || (classCode & ~0xffffff) != 0 || interruptPin < 0 || interruptPin > 4) {
            throw new IllegalArgumentException("PCI identity field out of range: " + this);
        }
    }
}
