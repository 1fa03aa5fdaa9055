package dev.tern.spi;

import java.util.Objects;

/**
 * Whether a provider can be used on this host.
 *
 * @param available true when usable
 * @param reason why not, for the user; empty when available
 */
public record Availability(boolean available, String reason) {

    /** The provider is usable. */
    public static final Availability AVAILABLE = new Availability(true, "");

    public Availability {
        Objects.requireNonNull(reason, "reason");
        if (!available && reason.isBlank()) {
            throw new IllegalArgumentException("an unavailable provider must say why");
        }
    }

    /** The provider cannot be used, for the given reason. */
    public static Availability unavailable(String reason) {
        return new Availability(false, reason);
    }
}
