package dev.tern.kernel.plugin;

import dev.tern.spi.Provider;
import dev.tern.spi.codec.PageCodecProvider;
import dev.tern.spi.cpu.CpuProvider;
import dev.tern.spi.device.DeviceProvider;
import dev.tern.spi.replay.ReplayFilterProvider;
import dev.tern.spi.transport.TransportProvider;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The kinds of provider a plugin can supply; ids are unique within a kind. */
public enum ProviderKind {
    CPU(CpuProvider.class, "CPU"),
    DEVICE(DeviceProvider.class, "device"),
    TRANSPORT(TransportProvider.class, "transport"),
    PAGE_CODEC(PageCodecProvider.class, "page codec"),
    REPLAY_FILTER(ReplayFilterProvider.class, "replay filter");

    private final Class<? extends Provider> providerType;
    private final String displayName;

    ProviderKind(Class<? extends Provider> providerType, String displayName) {
        this.providerType = providerType;
        this.displayName = displayName;
    }

    /** The SPI interface providers of this kind implement, and the {@link java.util.ServiceLoader} service. */
    public Class<? extends Provider> providerType() {
        return providerType;
    }

    /** How users read this kind, e.g. {@code "page codec"}. */
    public String displayName() {
        return displayName;
    }

    /**
     * The kind whose provider interface is {@code type}.
     *
     * @throws IllegalArgumentException when {@code type} is no provider interface
     */
    public static ProviderKind of(Class<?> type) {
        for (ProviderKind kind : values()) {
            if (kind.providerType == type) {
                return kind;
            }
        }
        throw new IllegalArgumentException(type.getName() + " is not a provider interface; expected one of "
                + Arrays.stream(values()).map(k -> k.providerType.getName()).collect(Collectors.joining(", ")));
    }
}
