package dev.tern.spi.device;

import dev.tern.spi.Registration;
import java.util.Optional;

/**
 * Objects the devices of one machine share with each other, looked up by type: a PCI host bridge
 * publishes its bus and the cards on it find it here. Scoped to one machine, so several machines in
 * one process (a migration test, a fault-tolerance pair) never see each other's services.
 *
 * <p>Publish when the device is created and look services up in {@link Device#realize()}: the
 * kernel realizes devices only after it created all of them, so their order in a machine
 * description does not matter.
 */
public interface MachineServices {

    /**
     * Publishes {@code service} as this machine's {@code type}; closing the registration withdraws it.
     *
     * @throws IllegalStateException when the machine already has a {@code type}
     */
    <T> Registration publish(Class<T> type, T service);

    /** This machine's {@code type}, if some device published one. */
    <T> Optional<T> find(Class<T> type);
}
