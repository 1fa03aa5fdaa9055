package dev.tern.spi;

/** A configuration is wrong; the message names the key, the value and what was expected. */
public class ConfigException extends RuntimeException {

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
