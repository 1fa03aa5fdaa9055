package dev.tern.spi;

import java.util.List;

/**
 * What every plugin provider has in common: a unique id, the configuration keys it accepts and
 * whether it can work on this host.
 *
 * <p>A provider is created by {@link java.util.ServiceLoader} (public no-argument constructor) and
 * must be cheap to create: do real work only in the factory methods of the specific provider kind.
 */
public interface Provider {

    /**
     * The id users name this provider by, unique among all providers of the same kind
     * (e.g. {@code "x86"}, {@code "uart16550"}, {@code "tcp"}, {@code "xbzrle"}). Lower case letters,
     * digits and {@code -}.
     */
    String id();

    /** One line for {@code tern plugins}. */
    default String description() {
        return "";
    }

    /**
     * The configuration keys this provider accepts. A configuration that names any other key is
     * refused before the provider sees it.
     */
    default List<ConfigKey> configKeys() {
        return List.of();
    }

    /** Whether this provider can work here (a missing host feature, say) and if not, why. */
    default Availability availability() {
        return Availability.AVAILABLE;
    }
}
