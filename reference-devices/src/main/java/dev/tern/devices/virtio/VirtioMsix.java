package dev.tern.devices.virtio;

import dev.tern.devices.pci.MsiTarget;
import dev.tern.devices.pci.MsixTable;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.state.Subsection;

import java.util.Arrays;
import java.util.Optional;

/**
 * A virtio PCI transport's MSI-X (virtio 1.0, 4.1.4.3 and 4.1.5.1.2): the function's table with one
 * vector per queue plus one for configuration changes, and the vector registers through which the
 * driver says which table entry each event signals. Once the driver enables MSI-X the device
 * raises no INTx and leaves the ISR's queue bit alone; an event whose vector is NO_VECTOR signals
 * nothing.
 */
final class VirtioMsix {

    /** "No vector" in the vector registers. */
    static final int NO_VECTOR = 0xffff;
    /** The memory BAR of the table (BAR 0 is the legacy block, BAR 4 the virtio 1.0 regions). */
    static final int BAR = 1;

    private final MsixTable table;
    private final int[] queueVectors;
    private int configVector;

    VirtioMsix(DeviceContext context, int queues) {
        this.table = new MsixTable(context.instanceName(), queues + 1, BAR, context.memory(),
                () -> context.services().find(MsiTarget.class));
        this.queueVectors = new int[queues];
        resetVectors();
    }

    MsixTable table() {
        return table;
    }

    /** Whether the driver enabled MSI-X. */
    boolean enabled() {
        return table.enabled();
    }

    /** The driver reset the device: no event has a vector. */
    void resetVectors() {
        configVector = NO_VECTOR;
        Arrays.fill(queueVectors, NO_VECTOR);
    }

    int configVector() {
        return configVector;
    }

    /** Sets the configuration vector; one the table does not have reads back as NO_VECTOR (the driver checks). */
    void setConfigVector(int vector) {
        configVector = valid(vector);
    }

    int queueVector(int queue) {
        return queue < queueVectors.length ? queueVectors[queue] : NO_VECTOR;
    }

    void setQueueVector(int queue, int vector) {
        if (queue < queueVectors.length) {
            queueVectors[queue] = valid(vector);
        }
    }

    private int valid(int vector) {
        return vector >= 0 && vector < table.vectors() ? vector : NO_VECTOR;
    }

    void signalQueue(int queue) {
        table.signal(queueVector(queue));
    }

    void signalConfig() {
        table.signal(configVector);
    }

    /**
     * The {@code msix} subsection of the transport's section: written for every device with MSI-X;
     * {@code afterLoad} runs once it is applied (INTx follows whether MSI-X is on).
     */
    Subsection<VirtioMsixState> subsection(String owner, Runnable afterLoad) {
        return new Subsection<>() {
            @Override
            public String name() {
                return "msix";
            }

            @Override
            public Class<VirtioMsixState> stateType() {
                return VirtioMsixState.class;
            }

            @Override
            public boolean needed() {
                return true;
            }

            @Override
            public VirtioMsixState save() {
                return new VirtioMsixState(configVector, queueVectors.clone(), table.save());
            }

            @Override
            public Optional<String> validate(VirtioMsixState s) {
                if (s.table() == null || s.queueVectors() == null || s.queueVectors().length != queueVectors.length) {
                    return Optional.of(owner + ": saved MSI-X state has "
                            + (s.queueVectors() == null ? 0 : s.queueVectors().length) + " queue vectors, the device has "
                            + queueVectors.length + " queues");
                }
                if (valid(s.configVector()) != s.configVector()
                        || Arrays.stream(s.queueVectors()).anyMatch(v -> valid(v) != v)) {
                    return Optional.of(owner + ": saved MSI-X vector registers name vectors beyond " + (table.vectors() - 1));
                }
                return table.problem(s.table());
            }

            @Override
            public void load(VirtioMsixState s) {
                configVector = s.configVector();
                System.arraycopy(s.queueVectors(), 0, queueVectors, 0, queueVectors.length);
                table.load(s.table());
                afterLoad.run();
            }
        };
    }
}
