/**
 * Finding plugins: providers on the kernel's class path and plugin jars in plugin directories, each
 * jar isolated in its own {@link dev.tern.kernel.plugin.PluginClassLoader} that shares only the SPI.
 *
 * <p>{@link dev.tern.kernel.plugin.PluginRegistry#discover} checks everything it can up front (SPI
 * version, id syntax, duplicate ids) so a bad plugin stops the VMM at start with a message naming
 * the jar, never later in the middle of a run.
 */
package dev.tern.kernel.plugin;
