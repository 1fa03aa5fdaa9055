/**
 * Wiring the kernel with CDI (Weld SE): every discovered provider becomes a bean qualified by
 * {@link dev.tern.cli.cdi.PluginId}, kernel services are beans a sample VMM can replace with an
 * {@code @Alternative}, and {@link dev.tern.cli.cdi.TernContainer} boots it all without class-path
 * scanning.
 */
package dev.tern.cli.cdi;
