/**
 * The Tern service provider interface: what a plugin implements and what the kernel offers it.
 *
 * <p>Everything a plugin may depend on lives in {@code dev.tern.spi} and its sub-packages; plugins
 * loaded from a plugin directory see nothing else of the kernel (their class loader shares only this
 * package tree). Providers are found with {@link java.util.ServiceLoader}: a plugin lists its provider
 * classes in {@code META-INF/services/<provider interface>}.
 *
 * <p>Provider kinds: {@link dev.tern.spi.cpu.CpuProvider}, {@link dev.tern.spi.device.DeviceProvider},
 * {@link dev.tern.spi.transport.TransportProvider}, {@link dev.tern.spi.codec.PageCodecProvider} and
 * {@link dev.tern.spi.replay.ReplayFilterProvider}. All extend {@link dev.tern.spi.Provider}.
 */
package dev.tern.spi;
