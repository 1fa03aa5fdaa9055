/**
 * Wiring the kernel with CDI (Weld SE): every discovered provider becomes a bean qualified by
 * {@link dev.tern.kernel.cdi.PluginId}, kernel services are beans a sample VMM can replace with an
 * {@code @Alternative}, and {@link dev.tern.kernel.cdi.TernContainer} boots it all without class-path
 * scanning.
 */
package dev.tern.kernel.cdi;
