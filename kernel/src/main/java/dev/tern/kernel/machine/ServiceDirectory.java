package dev.tern.kernel.machine;

import dev.tern.spi.Registration;
import dev.tern.spi.device.MachineServices;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** One machine's {@link MachineServices}: a type-keyed map, thread-safe, one service per type. */
public final class ServiceDirectory implements MachineServices {

    private final Map<Class<?>, Object> services = new HashMap<>();

    @Override
    public synchronized <T> Registration publish(Class<T> type, T service) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(service, "service");
        if (!type.isInstance(service)) {
            throw new IllegalArgumentException(service.getClass().getName() + " is not a " + type.getName());
        }
        Object old = services.putIfAbsent(type, service);
        if (old != null) {
            throw new IllegalStateException("this machine already has a " + type.getSimpleName()
                    + " (" + old + "); only one is supported");
        }
        return () -> {
            synchronized (this) {
                services.remove(type, service);
            }
        };
    }

    @Override
    public synchronized <T> Optional<T> find(Class<T> type) {
        return Optional.ofNullable(type.cast(services.get(type)));
    }
}
