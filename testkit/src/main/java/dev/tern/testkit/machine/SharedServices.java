package dev.tern.testkit.machine;

import dev.tern.spi.Registration;
import dev.tern.spi.device.MachineServices;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The service lookup of a test machine: every context of one {@code DeviceHarness} shares it, the
 * way devices of one real machine do. Same rules as the kernel's: one service per type.
 */
public final class SharedServices implements MachineServices {

    private final Map<Class<?>, Object> byType = new ConcurrentHashMap<>();

    @Override
    public <T> Registration publish(Class<T> type, T service) {
        Object existing = byType.putIfAbsent(type, type.cast(service));
        if (existing != null) {
            throw new IllegalStateException("the test machine already has a " + type.getSimpleName());
        }
        return () -> byType.remove(type, service);
    }

    @Override
    public <T> Optional<T> find(Class<T> type) {
        return Optional.ofNullable(type.cast(byType.get(type)));
    }
}
