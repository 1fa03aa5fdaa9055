package dev.tern.transport.tcp;

import dev.tern.spi.Config;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.ConfigType;
import dev.tern.transport.channel.IdleTimeout;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Socket options of a TCP connection.
 *
 * @param connectTimeout how long connecting may take (zero: the operating system's limit)
 * @param idleTimeout how long a read or write may make no progress
 * @param noDelay {@code TCP_NODELAY}: small control messages must not wait for Nagle
 * @param keepAlive {@code SO_KEEPALIVE}: lets the kernel notice a vanished host on an idle link
 */
public record TcpOptions(Duration connectTimeout, IdleTimeout idleTimeout, boolean noDelay, boolean keepAlive) {

    /** Config key: connect timeout. */
    public static final String CONNECT_TIMEOUT = "connect-timeout";
    /** Config key: idle timeout of reads and writes. */
    public static final String IO_TIMEOUT = "io-timeout";
    /** Config key: TCP_NODELAY. */
    public static final String NODELAY = "nodelay";
    /** Config key: SO_KEEPALIVE. */
    public static final String KEEPALIVE = "keepalive";

    /** The keys {@link #from(Config)} reads. */
    public static final List<ConfigKey> KEYS = List.of(
            ConfigKey.of(CONNECT_TIMEOUT, ConfigType.DURATION, "5s", "give up connecting after this long"),
            ConfigKey.of(IO_TIMEOUT, ConfigType.DURATION, "30s",
                    "fail a read or write that makes no progress for this long (0 = never)"),
            ConfigKey.of(NODELAY, ConfigType.BOOLEAN, "on", "set TCP_NODELAY"),
            ConfigKey.of(KEEPALIVE, ConfigType.BOOLEAN, "on", "set SO_KEEPALIVE"));

    public TcpOptions {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (connectTimeout.isNegative()) {
            throw new IllegalArgumentException("connect timeout must not be negative: " + connectTimeout);
        }
    }

    /** Reads the options from a configuration validated against {@link #KEYS}. */
    public static TcpOptions from(Config config) {
        return new TcpOptions(config.duration(CONNECT_TIMEOUT), idle(config.duration(IO_TIMEOUT)),
                config.bool(NODELAY), config.bool(KEEPALIVE));
    }

    private static IdleTimeout idle(Duration d) {
        if (d.isNegative()) {
            throw new dev.tern.spi.ConfigException("config key '" + IO_TIMEOUT + "' must not be negative: " + d);
        }
        return new IdleTimeout(d);
    }
}
