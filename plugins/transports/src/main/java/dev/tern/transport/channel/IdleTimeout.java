package dev.tern.transport.channel;

import java.time.Duration;
import java.util.Objects;

/**
 * How long a read or write may see no progress before the peer is declared dead. Zero means wait
 * forever (only sensible for a peer known to be alive, e.g. a local test).
 *
 * @param duration the allowed idle time, not negative
 */
public record IdleTimeout(Duration duration) {

    /** Never time out. */
    public static final IdleTimeout NONE = new IdleTimeout(Duration.ZERO);

    public IdleTimeout {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("idle timeout must not be negative: " + duration);
        }
    }

    /** Whether waits are unbounded. */
    public boolean isNone() {
        return duration.isZero();
    }

    /** Milliseconds to pass to {@code Selector.select}; at least 1 so that a sub-millisecond timeout still bounds. */
    long selectMillis(long remainingNanos) {
        return Math.max(1, (remainingNanos + 999_999) / 1_000_000);
    }

    /** The human form used in messages and configuration, e.g. {@code 300ms}. */
    @Override
    public String toString() {
        return format(duration);
    }

    /** Formats a duration the way configuration values are written. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0ms";
        }
        if (d.toNanos() % 1_000_000_000L == 0) {
            return d.toSeconds() + "s";
        }
        if (d.toNanos() % 1_000_000L == 0) {
            return d.toMillis() + "ms";
        }
        return d.toNanos() / 1000 + "us";
    }
}
