package dev.tern.kernel.plugin;

/** A plugin cannot be loaded or used; the message names the plugin and its jar or class-path location. */
public class PluginException extends RuntimeException {

    public PluginException(String message) {
        super(message);
    }

    public PluginException(String message, Throwable cause) {
        super(message, cause);
    }
}
